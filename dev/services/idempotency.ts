// First-result-wins idempotency: the first answer under a key is kept and replayed, status and body.
// The entry is a promise set before any await, so a concurrent duplicate waits for the first
// execution instead of running its own (in-flight dedupe).
import type { Context } from 'hono';
import { problems } from './problem-response';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

export interface StoredResponse {
  status: number;
  contentType: string | null;
  body: string;
}

export interface IdempotentRun {
  /** True when this call executed; false when it joined or replayed an earlier one. */
  fresh: boolean;
  result: Promise<StoredResponse>;
}

/** Reads the key of a state-changing request or throws a 400 problem. */
export function requireIdempotencyKey(c: Context): string {
  const key = c.req.header(IDEMPOTENCY_HEADER)?.trim();
  if (!key || key.length > 255) throw problems.missingIdempotencyKey();
  return key;
}

export class IdempotencyStore {
  readonly #entries = new Map<string, Promise<StoredResponse>>();

  /**
   * Runs `execute` once per (scope, key). Only answers below 500 are kept: a server error means the
   * effect did not happen, so a retry must be allowed to try again.
   */
  run(scope: string, key: string, execute: () => Response | Promise<Response>): IdempotentRun {
    const id = `${scope}\u0000${key}`;
    const existing = this.#entries.get(id);
    if (existing) return { fresh: false, result: existing };
    const result = (async () => store(await execute()))();
    this.#entries.set(id, result);
    const forget = () => {
      if (this.#entries.get(id) === result) this.#entries.delete(id);
    };
    result.then((stored) => stored.status >= 500 && forget(), forget);
    return { fresh: true, result };
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}

async function store(response: Response): Promise<StoredResponse> {
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.text() };
}

export function toResponse(stored: StoredResponse, replayed: boolean): Response {
  const headers = new Headers();
  if (stored.contentType) headers.set('content-type', stored.contentType);
  if (replayed) headers.set(REPLAYED_HEADER, 'true');
  // 204 and 304 must not carry a body, even an empty string.
  const body = stored.status === 204 || stored.status === 304 ? null : stored.body;
  return new Response(body, { status: stored.status, headers });
}
