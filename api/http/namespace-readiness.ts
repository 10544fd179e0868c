// The API's view of lib/namespace-setup.ts: one cached answer to "is the namespace set up for Baton?",
// shared by /readyz and the order routes. A ready namespace costs the routes nothing (no call); one that
// is not is asked again at most once per `retryMs`, so a person's fix is noticed without a restart.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { NamespaceCheck } from '../../lib/namespace-setup';
import { problems, type ApiProblem } from './problems';

export interface NamespaceReadiness {
  /**
   * The current answer: the cached one, or a fresh one when it is marked stale, when it says "not
   * ready" and is older than `retryMs`, or when it says "ready" and is older than `maxAgeMs` (default: never).
   * Rejects with a NamespaceCheckError when Temporal could not be asked.
   */
  status(options?: { maxAgeMs?: number }): Promise<NamespaceCheck>;
  /** Resolves when orders may go ahead; otherwise throws the 503 problem that says what to run. */
  require(): Promise<void>;
  /** A Temporal call just failed as if the namespace were not set up: ask again next time. */
  invalidate(): void;
}

export interface NamespaceReadinessOptions {
  /** lib/namespace-setup.ts's checkNamespace, bound to a connection. */
  check: () => Promise<NamespaceCheck>;
  /** How often a "not ready" answer may be re-checked (default 1 s). */
  retryMs?: number;
  /** Told each answer that differs in state from the one before (for logs). */
  onChange?: (check: NamespaceCheck) => void;
  now?: () => number;
}

/** Ready enough for orders: `unverified` means the server would not list the attributes; a start that fails still says why. */
export const allowsOrders = (check: NamespaceCheck) => check.state === 'ready' || check.state === 'unverified';

/** The 503 a route answers while the namespace is not set up. */
export function namespaceProblem(check: NamespaceCheck): ApiProblem | undefined {
  switch (check.state) {
    case 'ready':
    case 'unverified':
      return undefined;
    case 'namespace-not-found':
      return problems.namespaceNotFound(check.detail);
    case 'search-attributes-pending':
      return problems.searchAttributesMissing(check.detail, 2);
    case 'search-attributes-missing':
      return problems.searchAttributesMissing(check.detail);
  }
}

export function createNamespaceReadiness(options: NamespaceReadinessOptions): NamespaceReadiness {
  const retryMs = options.retryMs ?? 1000;
  const now = options.now ?? Date.now;
  // Checks run outside the request that happens to start them: its deadline, abort signal or trace must
  // not cut short, or be charged for, an answer every other request waits for too.
  const detached = AsyncLocalStorage.snapshot();
  let last: { check: NamespaceCheck; at: number } | undefined;
  let stale = false;
  let inflight: Promise<NamespaceCheck> | undefined;

  const refresh = (): Promise<NamespaceCheck> => {
    inflight ??= detached(() => options.check())
      .then((check) => {
        if (check.state !== last?.check.state) options.onChange?.(check);
        last = { check, at: now() };
        stale = false;
        return check;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };

  const status = async ({ maxAgeMs = Infinity }: { maxAgeMs?: number } = {}): Promise<NamespaceCheck> => {
    if (!last || stale) return refresh();
    const age = now() - last.at;
    return age >= (allowsOrders(last.check) ? maxAgeMs : retryMs) ? refresh() : last.check;
  };

  return {
    status,
    async require() {
      const problem = namespaceProblem(await status());
      if (problem) throw problem;
    },
    invalidate() {
      stale = true;
    },
  };
}
