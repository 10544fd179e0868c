// The worker's side of lib/namespace-setup.ts. It waits for the namespace to exist (the SDK refuses to
// create a worker for a missing one), adds Baton's search attributes when allowed, and when they cannot
// be added it logs the command that fixes it and runs anyway: the welcome workflows need no attributes,
// orders already running must go on, and a worker that exited would only be restarted into the same
// state. Orders cannot start meanwhile: the API answers their routes with a 503 naming the same fix.
import type { Logger } from '../lib/logger';
import { checkNamespace, logNamespaceCheck, NamespaceCheckError, type NamespaceCheck, type NamespaceServices } from '../lib/namespace-setup';

export interface PrepareNamespaceOptions {
  namespace: string;
  /** BATON_REGISTER_SEARCH_ATTRIBUTES. */
  register: boolean;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How often a missing namespace is looked for again (default 5 s). */
  namespaceRetryMs?: number;
  /** How often missing search attributes are checked again once the worker runs (default 30 s). */
  recheckMs?: number;
  /** Stops the wait for a missing namespace (a shutdown signal): resolves with `stopped`. */
  signal?: AbortSignal;
}

export interface PreparedNamespace {
  /** The first answer that let the worker start. */
  check: NamespaceCheck | undefined;
  /** Told to stop while it waited for the namespace: the worker must not start. */
  stopped: boolean;
  /** Ends the background re-check (on shutdown). */
  stop(): void;
}

const settled = (check: NamespaceCheck) => check.state === 'ready' || check.state === 'unverified';

/** Resolves once the namespace exists (or could not be checked); keeps checking the attributes in the background until they are in place. */
export async function prepareNamespace(connection: NamespaceServices, options: PrepareNamespaceOptions): Promise<PreparedNamespace> {
  const { log } = options;
  let last: NamespaceCheck | undefined;
  const check = async (): Promise<NamespaceCheck | undefined> => {
    try {
      const answer = await checkNamespace(connection, { namespace: options.namespace, register: options.register });
      if (answer.state !== last?.state) logNamespaceCheck(log, answer);
      last = answer;
      return answer;
    } catch (err) {
      if (!(err instanceof NamespaceCheckError)) throw err;
      log.warn({ err, namespace: options.namespace }, 'could not check the Temporal namespace; starting the worker anyway');
      return undefined;
    }
  };

  let first = await check();
  while (first?.state === 'namespace-not-found') {
    if (await aborted(options.signal, options.namespaceRetryMs ?? 5000)) return { check: first, stopped: true, stop: () => {} };
    first = await check();
  }

  let timer: NodeJS.Timeout | undefined;
  if (first === undefined || !settled(first)) {
    let running = false;
    timer = setInterval(() => {
      if (running) return;
      running = true;
      void check()
        .then((answer) => {
          if (answer && settled(answer)) clearInterval(timer);
        })
        .finally(() => {
          running = false;
        });
    }, options.recheckMs ?? 30_000);
    // Never what keeps the process alive: the worker is.
    timer.unref();
  }
  return { check: first, stopped: false, stop: () => clearInterval(timer) };
}

/** Waits `ms`; true when `signal` aborted first. */
/** Waits `ms`; resolves true at once when `signal` aborts first (a shutdown). */
export function aborted(signal: AbortSignal | undefined, ms: number): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
