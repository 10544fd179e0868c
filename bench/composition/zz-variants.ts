// TEMPORARY scratch (to be deleted): bisecting overhead.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Agent } from 'undici';
import { DownstreamHttp } from '../../api/composition/downstream-http';
import { runComposition } from '../../api/composition/engine';
import { profile } from '../../api/routes/profiles';
import { backendUrlsFromEnv } from './shared';

const urls = backendUrlsFromEnv();
const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });
const http = new DownstreamHttp({ baseUrls: urls });
const variant = process.env.BENCH_VARIANT ?? 'raw';

async function rawGet(origin: string, path: string): Promise<unknown> {
  const r = await agent.request({ origin, path, method: 'GET' });
  return r.body.json();
}
class Collect {
  chunks: Buffer[] = [];
  status = 0;
  constructor(readonly resolve: (v: unknown) => void, readonly reject: (e: Error) => void) {}
  onRequestStart() {}
  onResponseStart(_c: unknown, status: number) { this.status = status; }
  onResponseData(_c: unknown, chunk: Buffer) { this.chunks.push(chunk); }
  onResponseEnd() { this.resolve(JSON.parse(this.chunks.length === 1 ? this.chunks[0]!.toString() : Buffer.concat(this.chunks).toString())); }
  onResponseError(_c: unknown, err: Error) { this.reject(err); }
}
function dispatchGet(origin: string, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    agent.dispatch({ origin, path, method: 'GET', headers: { accept: 'application/json' } }, new Collect(resolve, reject) as never);
  });
}
async function toolkitGet(service: 'users' | 'orderHistory' | 'loyalty', path: string): Promise<unknown> {
  const o = await http.get(service, path, { timeoutMs: 1000 });
  return o.kind === 'ok' ? o.body : null;
}
async function fanOut(userId: string) {
  const get = variant.includes('toolkit') ? (s: 'users' | 'orderHistory' | 'loyalty', o: string, p: string) => toolkitGet(s, p) : variant.includes('dispatch') ? (_s: string, o: string, p: string) => dispatchGet(o, p) : (_s: string, o: string, p: string) => rawGet(o, p);
  const [user, history, loyalty] = await Promise.all([
    get('users', urls.users, `/users/${userId}`),
    get('orderHistory', urls.orderHistory, `/users/${userId}/orders?limit=10`),
    get('loyalty', urls.loyalty, `/loyalty/${userId}`),
  ]);
  return { user, recentOrders: (history as { orders: unknown }).orders, loyalty, partial: false, errors: [] };
}

if (variant.startsWith('hono')) {
  const app = new Hono();
  if (variant.includes('engine')) {
    app.get('/profiles/:userId', async (c) => {
      const out = await runComposition(profile, { userId: c.req.param('userId') }, { http, signal: variant.includes('signal') ? c.req.raw.signal : undefined });
      return out.ok ? c.json(out.value) : c.json({}, 502);
    });
  } else app.get('/profiles/:userId', async (c) => c.json(await fanOut(c.req.param('userId'))));
  serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${info.port}` })}\n`);
  });
} else {
  const server = createServer((req, res) => {
    void fanOut((req.url ?? '').split('/')[2] ?? '').then((v) => {
      const body = JSON.stringify(v);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`));
}
process.on('disconnect', () => process.exit(0));
