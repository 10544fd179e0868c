// A tiny node:http server per fake downstream service: each test scripts its answers and can see
// what arrived, when, and whether the caller hung up before the answer was sent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Arrival {
  path: string;
  headers: IncomingMessage['headers'];
  at: number;
}

export type Script = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface FakeBackend {
  url: string;
  arrivals: Arrival[];
  /** Responses the caller abandoned (socket closed before the response finished). */
  aborted: number;
  /** TCP connections accepted so far; keep-alive keeps this low. */
  connections: number;
  answer(script: Script): void;
  close(): Promise<void>;
}

export async function startFakeBackend(script: Script = (_req, res) => json(res, 200, {})): Promise<FakeBackend> {
  let current = script;
  const backend: Omit<FakeBackend, 'url' | 'answer' | 'close'> = { arrivals: [], aborted: 0, connections: 0 };
  const server: Server = createServer((req, res) => {
    backend.arrivals.push({ path: req.url ?? '', headers: req.headers, at: performance.now() });
    res.once('close', () => {
      if (!res.writableFinished) backend.aborted++;
    });
    void Promise.resolve(current(req, res)).catch(() => res.destroy());
  });
  server.on('connection', () => backend.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(backend, {
    url: `http://127.0.0.1:${port}`,
    answer: (next: Script) => {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Resolves after `ms`, or as soon as the caller hangs up. */
export function pause(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    res.once('close', done);
    function done() {
      clearTimeout(timer);
      resolve();
    }
  });
}

/** Answers `body` after `ms`, unless the caller hung up meanwhile. */
export function delayed(ms: number, status: number, body: unknown): Script {
  return async (_req, res) => {
    await pause(res, ms);
    if (!res.destroyed) json(res, status, body);
  };
}

/** Never answers. */
export const hang: Script = () => undefined;

export function raw(status: number, text: string): Script {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(text);
  };
}

/** Polls until `check` holds; for effects that land a moment after a response (a socket closing). */
export async function eventually(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
