// Forces a full garbage collection in a child process started with --inspect, through the DevTools
// protocol (the child needs no test hook and no --expose-gc), and reads its heap afterwards.
import { WebSocket } from 'undici';

/** NODE_OPTIONS for a child whose GC the test will force: the inspector on a free loopback port. */
export const INSPECT_OPTIONS = '--inspect=127.0.0.1:0';
/** What the child prints once the inspector listens; the match is the URL to connect to. */
export const INSPECTOR_URL = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/;

/** Runs a full GC in the process behind `url`; resolves with its JS heap in use afterwards, bytes. */
export async function collectGarbage(url: string, timeoutMs = 30_000): Promise<number> {
  const ws = new WebSocket(url);
  const replies = new Map<number, (result: unknown) => void>();
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (message.id !== undefined) replies.get(message.id)?.(message.error ? new Error(message.error.message) : message.result);
  });
  let nextId = 0;
  const call = (method: string) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => reject(new Error(`${method}: no answer within ${timeoutMs} ms`)), timeoutMs);
      replies.set(id, (result) => {
        clearTimeout(timer);
        if (result instanceof Error) reject(result);
        else resolve(result);
      });
      ws.send(JSON.stringify({ id, method }));
    });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('error', () => reject(new Error(`cannot connect to the inspector at ${url}`)), { once: true });
    });
    await call('HeapProfiler.collectGarbage');
    const usage = (await call('Runtime.getHeapUsage')) as { usedSize: number };
    return usage.usedSize;
  } finally {
    ws.close();
  }
}
