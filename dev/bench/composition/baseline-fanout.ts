// The baseline's whole request handling, apart from its server, so that the `hono-only` variant of
// Baton's side can serve exactly the same fan-out through Hono: an undici fan-out to the three
// services, JSON.parse, merge, JSON.stringify. No validation, no deadline, no breaker, no auth.
import { Agent } from 'undici';
import type { BackendUrls } from './shared';

export interface FanOutAnswer {
  status: number;
  body: string;
  /** Server-Timing, as Baton sends it: each call's duration and the whole fan-out's. */
  serverTiming: string;
}

export function baselineFanOut(urls: BackendUrls): (userId: string) => Promise<FanOutAnswer> {
  const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });
  const getJson = async (origin: string, path: string, timings: string[], name: string): Promise<unknown> => {
    const startedAt = performance.now();
    const response = await agent.request({ origin, path, method: 'GET' });
    let body: unknown = null;
    if (response.statusCode === 200) body = await response.body.json();
    else await response.body.dump();
    timings.push(`${name};dur=${(performance.now() - startedAt).toFixed(1)}`);
    return body;
  };
  return (userId) => {
    const startedAt = performance.now();
    const timings: string[] = [];
    return Promise.all([
      getJson(urls.users, `/users/${userId}`, timings, 'users'),
      getJson(urls.orderHistory, `/users/${userId}/orders?limit=10`, timings, 'orderHistory').catch(() => null),
      getJson(urls.loyalty, `/loyalty/${userId}`, timings, 'loyalty').catch(() => null),
    ]).then(([user, history, loyalty]) => {
      const recentOrders = (history as { orders?: unknown } | null)?.orders ?? null;
      const partial = recentOrders === null || loyalty === null;
      timings.push(`total;dur=${(performance.now() - startedAt).toFixed(1)}`);
      return {
        status: user === null ? 404 : 200,
        body: JSON.stringify({ user, recentOrders, loyalty, partial, errors: [] }),
        serverTiming: timings.join(', '),
      };
    });
  };
}
