// The baseline's whole request handling, apart from its server, so that the `hono-only` variant of
// Baton's side can serve exactly the same fan-out through Hono: an undici fan-out to the three
// services, JSON.parse, merge, JSON.stringify. No validation, no deadline, no breaker, no auth.
import { Agent } from 'undici';
import type { BackendUrls } from './shared';

export interface FanOutAnswer {
  status: number;
  body: string;
}

export function baselineFanOut(urls: BackendUrls): (userId: string) => Promise<FanOutAnswer> {
  const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });
  const getJson = async (origin: string, path: string): Promise<unknown> => {
    const response = await agent.request({ origin, path, method: 'GET' });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return null;
    }
    return response.body.json();
  };
  return (userId) =>
    Promise.all([
      getJson(urls.users, `/users/${userId}`),
      getJson(urls.orderHistory, `/users/${userId}/orders?limit=10`).catch(() => null),
      getJson(urls.loyalty, `/loyalty/${userId}`).catch(() => null),
    ]).then(([user, history, loyalty]) => {
      const recentOrders = (history as { orders?: unknown } | null)?.orders ?? null;
      const partial = recentOrders === null || loyalty === null;
      return { status: user === null ? 404 : 200, body: JSON.stringify({ user, recentOrders, loyalty, partial, errors: [] }) };
    });
}
