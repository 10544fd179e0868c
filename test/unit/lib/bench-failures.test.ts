// The load drivers count a failed request by why: after an overload, Baton's 503 (load shedding) and 504 (its
// deadline) are different stories, and a bare count told neither.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closedLoop } from '../../../dev/bench/lib/closed-loop';
import { failedText, httpTarget, OpenLoop, slowestOf, stepFailures, type Answer, type Target } from '../../../dev/bench/lib/open-loop';

const target = (answer: (index: number) => Promise<Answer>): Target => ({ send: answer, close: () => Promise.resolve() });

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A real HTTP server answering `/<status>` with that status, and `/timed` with a 200 carrying Server-Timing. */
async function statusServer(): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url === '/timed') res.setHeader('server-timing', 'users;dur=3');
    res.writeHead(req.url === '/timed' ? 200 : Number(req.url?.slice(1)));
    res.end('{}');
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('OpenLoop failedBy', () => {
  it('counts each failed request under its status, its error code, or `failed` for a bare false', async () => {
    const loop = new OpenLoop(
      target((i) => {
        if (i % 4 === 1) return Promise.resolve({ failed: '503' });
        if (i % 4 === 2) return Promise.reject(Object.assign(new Error('socket hang up'), { code: 'UND_ERR_SOCKET' }));
        if (i % 4 === 3) return Promise.resolve(i % 8 === 3 ? false : { failed: '504' });
        return Promise.resolve(true);
      }),
    );
    const { result } = await loop.sample(200, 200);
    expect(result.sent).toBe(40);
    expect(result.ok).toBe(10);
    expect(result.failedBy).toEqual({ '503': 10, UND_ERR_SOCKET: 10, failed: 5, '504': 5 });
    expect(result.failed).toBe(30);
  });

  it('reads the status of real HTTP answers, and a 200 without a usable Server-Timing', async () => {
    const url = await statusServer();
    const paths = ['/503', '/504', '/200', '/timed'];
    const loop = new OpenLoop(httpTarget(url, (i) => paths[i % 4]!, undefined, { serverTiming: true }));
    const { result, added } = await loop.sample(100, 200);
    expect(result.failedBy).toEqual({ '503': 5, '504': 5, 'no Server-Timing': 5 });
    expect(result.ok).toBe(5);
    expect(added.length).toBe(5);
  });

  it('takes the first failure of a fan-out as its own', async () => {
    const both = slowestOf([target(() => Promise.resolve(true)), target(() => Promise.resolve({ failed: '502' }))]);
    expect(await both.send(0)).toEqual({ failed: '502' });
    expect(await slowestOf([target(() => Promise.resolve(true)), target(() => Promise.resolve({ downstreamMs: 1 }))]).send(0)).toBe(true);
  });
});

describe('closedLoop', () => {
  it('counts an answer that failed with a reason as failed, not as served', async () => {
    const result = await closedLoop(
      target(() => new Promise((r) => setTimeout(() => r({ failed: '503' }), 1))),
      { connections: 2, durationMs: 50 },
    );
    expect(result.ok).toBe(0);
    expect(result.failed).toBeGreaterThan(0);
  });
});

describe('failedText', () => {
  it('gives the count, out of what was sent when given, the commonest reason first', () => {
    expect(failedText({ failed: 157, sent: 15096, failedBy: { '504': 7, '503': 150 } })).toBe('157 of 15096 (503: 150, 504: 7)');
    expect(failedText({ failed: 0, sent: 9000, failedBy: {} })).toBe('0 of 9000');
    expect(failedText({ failed: 3, failedBy: { '503': 3 } })).toBe('3 (503: 3)');
  });

  it('counts the requests a step left unanswered among its failures', async () => {
    const loop = new OpenLoop(target((i) => (i % 2 === 0 ? new Promise<Answer>(() => undefined) : Promise.resolve({ failed: '503' }))));
    const result = await loop.run(100, 100, 50);
    expect(failedText({ sent: result.sent, ...stepFailures(result) })).toBe('10 of 10 (503: 5, unanswered: 5)');
  });
});
