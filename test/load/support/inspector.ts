// Forces a full garbage collection in a child process started with --inspect, through the DevTools
// protocol (the child needs no test hook and no --expose-gc), and reads its heap afterwards. Its worker
// threads too: the Temporal worker runs workflows in one, with a V8 heap of its own that the main
// thread's GC never touches (NodeWorker domain: attach to each thread, then talk to it through the main session).
import { WebSocket } from 'undici';

/** NODE_OPTIONS for a child whose GC the test will force: the inspector on a free loopback port. */
export const INSPECT_OPTIONS = '--inspect=127.0.0.1:0';
/** What the child prints once the inspector listens; the match is the URL to connect to. */
export const INSPECTOR_URL = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/;

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { message: string };
}

/** JS heap in use after a full GC, bytes: the main thread's, and each worker thread's. */
export interface HeapAfterGc {
  mainBytes: number;
  threadBytes: number[];
}

/** Runs a full GC in the process behind `url` and in each of its worker threads; resolves with their heaps afterwards. */
export async function collectGarbage(url: string, timeoutMs = 30_000): Promise<HeapAfterGc> {
  const ws = new WebSocket(url);
  const replies = new Map<string, (message: Message) => void>();
  const attached: string[] = [];
  let nextId = 0;
  /** Sessions: '' for the main thread, else a worker's sessionId (its messages travel wrapped in NodeWorker events). */
  const call = (method: string, params: Record<string, unknown> = {}, session = '') =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => reject(new Error(`${method}: no answer within ${timeoutMs} ms`)), timeoutMs);
      replies.set(`${session}/${id}`, (message) => {
        clearTimeout(timer);
        if (message.error) reject(new Error(message.error.message));
        else resolve(message.result);
      });
      const payload = JSON.stringify({ id, method, params });
      ws.send(
        session === '' ? payload : JSON.stringify({ id: ++nextId, method: 'NodeWorker.sendMessageToWorker', params: { sessionId: session, message: payload } }),
      );
    });
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as Message;
    if (message.id !== undefined) replies.get(`/${message.id}`)?.(message);
    else if (message.method === 'NodeWorker.attachedToWorker') attached.push(String(message.params?.sessionId));
    else if (message.method === 'NodeWorker.receivedMessageFromWorker') {
      const inner = JSON.parse(String(message.params?.message)) as Message;
      if (inner.id !== undefined) replies.get(`${String(message.params?.sessionId)}/${inner.id}`)?.(inner);
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('error', () => reject(new Error(`cannot connect to the inspector at ${url}`)), { once: true });
    });
    // Enabling reports every running worker thread (NodeWorker.attachedToWorker).
    await call('NodeWorker.enable', { waitForDebuggerOnStart: false });
    await new Promise((r) => setTimeout(r, 200));
    const heapOf = async (session: string) => {
      await call('HeapProfiler.collectGarbage', {}, session);
      return ((await call('Runtime.getHeapUsage', {}, session)) as { usedSize: number }).usedSize;
    };
    const threadBytes = await Promise.all(attached.map((session) => heapOf(session)));
    return { mainBytes: await heapOf(''), threadBytes };
  } finally {
    ws.close();
  }
}
