// The activities' HTTP client over real HTTP: its deadline and the activity's cancellation.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDownstreamClient, DownstreamTimeoutError } from '../../../activities/http-client';

let server: Server;
let baseUrl: string;
const client = createDownstreamClient({ timeoutMs: 2000 });

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/hang') return; // never answers
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the downstream HTTP client', () => {
  it('gives up on a call past its deadline with a timeout the activity can report', async () => {
    const started = performance.now();
    await expect(client.call(baseUrl, { method: 'GET', path: '/hang', timeoutMs: 200 })).rejects.toBeInstanceOf(DownstreamTimeoutError);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    // The call's own deadline, not the client's default of 2000 ms.
    expect(elapsed).toBeLessThan(1500);
  });

  it("stops a call when the activity is cancelled, with the cancellation's reason, not a timeout", async () => {
    const cancel = new AbortController();
    const reason = new Error('activity cancelled');
    const call = client.call(baseUrl, { method: 'GET', path: '/hang', signal: cancel.signal });
    setTimeout(() => cancel.abort(reason), 50);
    await expect(call).rejects.toBe(reason);
  });
});
