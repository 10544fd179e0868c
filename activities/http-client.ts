// One shared HTTP client for every activity: a keep-alive pool, a timeout per call, and the
// activity's cancellation wired to the request so a cancelled activity stops its call.
import { Agent, request, type Dispatcher } from 'undici';

export interface DownstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the body is JSON, the raw text otherwise, undefined when empty. */
  body: unknown;
}

export interface DownstreamRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  idempotencyKey?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface DownstreamClient {
  call(baseUrl: string, req: DownstreamRequest): Promise<DownstreamResponse>;
  close(): Promise<void>;
}

export class DownstreamTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'DownstreamTimeoutError';
  }
}

export function createDownstreamClient(options: { timeoutMs: number; connections?: number }): DownstreamClient {
  const agent: Dispatcher = new Agent({
    keepAliveTimeout: 10_000,
    connections: options.connections ?? 64,
  });
  return {
    async call(baseUrl, req) {
      const timeoutMs = req.timeoutMs ?? options.timeoutMs;
      // One controller and a timer cleared with the call: AbortSignal.timeout's timer outlives the call and fires
      // (a DOMException with its stack) after every call, and AbortSignal.any tracks its sources through weak
      // references: 22 µs of CPU a call, 39 with the activity's signal, against 3 (docs/benchmark-journal.md).
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      const cancelled = () => abort.abort(req.signal?.reason);
      if (req.signal?.aborted) cancelled();
      else req.signal?.addEventListener('abort', cancelled, { once: true });
      const headers: Record<string, string> = { accept: 'application/json' };
      if (req.body !== undefined) headers['content-type'] = 'application/json';
      if (req.idempotencyKey) headers['idempotency-key'] = req.idempotencyKey;
      try {
        const res = await request(new URL(req.path, baseUrl), {
          method: req.method,
          headers,
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          signal: abort.signal,
          dispatcher: agent,
        });
        const text = await res.body.text();
        let body: unknown = text === '' ? undefined : text;
        if (text !== '' && /json/.test(String(res.headers['content-type'] ?? ''))) {
          try {
            body = JSON.parse(text);
          } catch {
            // Leave malformed JSON as text: the caller decides whether that is a bad response.
          }
        }
        return { status: res.statusCode, headers: res.headers, body };
      } catch (err) {
        if (abort.signal.aborted && !req.signal?.aborted) throw new DownstreamTimeoutError(timeoutMs);
        throw err;
      } finally {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', cancelled);
      }
    },
    close: () => agent.close(),
  };
}
