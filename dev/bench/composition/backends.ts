// Child process: the three read services as bare node:http servers with a fixed latency and
// precomputed bodies, so that they cost as little as possible and are the same for every contender.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const latencyMs = Number(process.env.BENCH_BACKEND_LATENCY_MS ?? 20);
/** Longer than any run: in the warm run every answer after a user's first comes from Baton's cache. */
const CACHE_MAX_AGE_S = 300;

const user = { id: 'u-1', name: 'Ada Lovelace', email: 'ada.lovelace.1@example.com' };
const orders = {
  orders: Array.from({ length: 10 }, (_, i) => ({
    orderId: `hist-1-${String(10 - i).padStart(3, '0')}`,
    total: { currency: 'EUR', value: 1000 + i * 137 },
    status: i === 0 ? 'processing' : 'delivered',
    placedAt: new Date(Date.UTC(2025, 5, 30 - i * 3, 12)).toISOString(),
  })),
};
const loyalty = { userId: 'u-1', points: 7100, tier: 'gold' };

/**
 * `cacheable`: a Cache-Control max-age and a strong ETag (one per body, computed once), and a 304 to a
 * matching If-None-Match, as a real read service would send; in every run and to every contender
 * (only Baton's warm run keeps answers). Without it, no caching header at all.
 */
function serve(body: unknown, { cacheable = false } = {}): Promise<Server> {
  const text = Buffer.from(JSON.stringify(body));
  const tag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
  const caching = cacheable ? { 'cache-control': `max-age=${CACHE_MAX_AGE_S}`, etag: tag } : {};
  const headers = { 'content-type': 'application/json', 'content-length': String(text.length), ...caching };
  const server = createServer((req, res) => {
    setTimeout(() => {
      if (res.destroyed) return;
      if (cacheable && req.headers['if-none-match'] === tag) {
        res.writeHead(304, caching);
        res.end();
        return;
      }
      res.writeHead(200, headers);
      res.end(text);
    }, latencyMs);
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// users and loyalty may be kept (the warm run); a user's order history is not.
const servers = { users: await serve(user, { cacheable: true }), orderHistory: await serve(orders), loyalty: await serve(loyalty, { cacheable: true }) };
const urls = Object.fromEntries(Object.entries(servers).map(([name, server]) => [name, `http://127.0.0.1:${(server.address() as AddressInfo).port}`]));
process.stdout.write(`${JSON.stringify({ urls })}\n`);
process.on('disconnect', () => process.exit(0));
