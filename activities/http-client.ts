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
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
      const headers: Record<string, string> = { accept: 'application/json' };
      if (req.body !== undefined) headers['content-type'] = 'application/json';
      if (req.idempotencyKey) headers['idempotency-key'] = req.idempotencyKey;
      try {
        const res = await request(new URL(req.path, baseUrl), {
          method: req.method,
          headers,
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          signal,
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
        if (timeout.aborted && !req.signal?.aborted) throw new DownstreamTimeoutError(timeoutMs);
        throw err;
      }
    },
    close: () => agent.close(),
  };
}
