// The request body limit over real HTTP, through @hono/node-server as the API serves: a stated length
// is judged by its header, a chunked body is counted as it arrives, and either way a body within the
// limit reaches the route whole. Past the limit: a 413 problem.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, describe, expect, it } from 'vitest';
import { limitBodies } from '../../../api/http/middleware/body-limit';
import { ApiProblem, problems } from '../../../api/http/problems';
import { createRouter } from '../../../api/http/router';
import { sendRaw } from '../../support/hostile-requests';

const LIMIT = 1024;
const app = createRouter();
app.use(
  '*',
  limitBodies(LIMIT, () => problems.tooLarge(LIMIT)),
);
app.post('/echo', async (c) => c.json({ received: await c.req.json<unknown>() }));
app.onError((err, c) => (err instanceof ApiProblem ? c.json(err.toJSON('/echo'), err.status) : c.json({ error: String(err) }, 500)));

const server: ServerType = await new Promise((resolve) => {
  const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
});
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const within = JSON.stringify({ note: 'x'.repeat(LIMIT - 100) });
const over = JSON.stringify({ note: 'x'.repeat(LIMIT + 1) });
const post = (body: string, headers: Record<string, string>) =>
  sendRaw(url, { method: 'POST', path: '/echo', headers: { 'content-type': 'application/json', ...headers }, body });

describe('limitBodies', () => {
  it('passes a body of stated length within the limit to the route whole', async () => {
    const res = await post(within, { 'content-length': String(Buffer.byteLength(within)) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ received: { note: 'x'.repeat(LIMIT - 100) } });
  });

  it('refuses a body whose stated length is over the limit with a 413', async () => {
    const res = await post(over, { 'content-length': String(Buffer.byteLength(over)) });
    expect(res.status).toBe(413);
  });

  it('counts a chunked body: within the limit it reaches the route, over it is a 413', async () => {
    const ok = await post(within, { 'transfer-encoding': 'chunked' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ received: { note: 'x'.repeat(LIMIT - 100) } });
    const refused = await post(over, { 'transfer-encoding': 'chunked' });
    expect(refused.status).toBe(413);
  });
});
