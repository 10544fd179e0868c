// Child process: the hand-written minimum to compare against: node:http, an undici fan-out to the
// three services, JSON.parse, merge, JSON.stringify. No validation, no deadline, no breaker, no auth.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { backendUrlsFromEnv } from './shared';

const urls = backendUrlsFromEnv();
const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });

async function getJson(origin: string, path: string): Promise<unknown> {
  const response = await agent.request({ origin, path, method: 'GET' });
  if (response.statusCode !== 200) {
    await response.body.dump();
    return null;
  }
  return response.body.json();
}

const server = createServer((req, res) => {
  const userId = (req.url ?? '').split('/')[2] ?? '';
  Promise.all([
    getJson(urls.users, `/users/${userId}`),
    getJson(urls.orderHistory, `/users/${userId}/orders?limit=10`).catch(() => null),
    getJson(urls.loyalty, `/loyalty/${userId}`).catch(() => null),
  ]).then(
    ([user, history, loyalty]) => {
      const recentOrders = (history as { orders?: unknown } | null)?.orders ?? null;
      const partial = recentOrders === null || loyalty === null;
      const body = JSON.stringify({ user, recentOrders, loyalty, partial, errors: [] });
      res.writeHead(user === null ? 404 : 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
    () => {
      res.writeHead(502);
      res.end();
    },
  );
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.on('disconnect', () => process.exit(0));
