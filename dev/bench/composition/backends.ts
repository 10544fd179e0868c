// Child process: the three read services as bare node:http servers with a fixed latency and
// precomputed bodies, so that they cost as little as possible and are the same for both contenders.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const latencyMs = Number(process.env.BENCH_BACKEND_LATENCY_MS ?? 20);

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

function serve(body: unknown): Promise<Server> {
  const text = Buffer.from(JSON.stringify(body));
  const headers = { 'content-type': 'application/json', 'content-length': String(text.length) };
  const server = createServer((_req, res) => {
    setTimeout(() => {
      if (res.destroyed) return;
      res.writeHead(200, headers);
      res.end(text);
    }, latencyMs);
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const servers = { users: await serve(user), orderHistory: await serve(orders), loyalty: await serve(loyalty) };
const urls = Object.fromEntries(Object.entries(servers).map(([name, server]) => [name, `http://127.0.0.1:${(server.address() as AddressInfo).port}`]));
process.stdout.write(`${JSON.stringify({ urls })}\n`);
process.on('disconnect', () => process.exit(0));
