// Open-loop load at a constant arrival rate: request i is due at start + i/rate whatever happened to
// the earlier ones, so a slow server gets more requests in flight instead of fewer requests (a
// closed loop would slow down with it and hide the overload). Latency counts from when a request
// was due, not from when the driver got round to sending it.
import { Pool } from 'undici';

export type Route = 'orders' | 'profiles';

export interface Outcome {
  route: Route;
  /** HTTP status, or 0 when no answer came (connection error, client timeout). */
  status: number;
  latencyMs: number;
  retryAfter?: string;
  /** The `type` of a problem+json answer. */
  problemType?: string;
  /** Its `detail`: which source failed and how, when a composition answers 502/504. */
  detail?: string;
  /** The order a POST /orders placed. */
  orderId?: string;
  error?: string;
}

/** Sends request number `index`; never rejects (no answer is status 0). */
export type Send = (index: number) => Promise<Omit<Outcome, 'latencyMs'>>;

/** Sends `rate` requests per second for `durationMs` and resolves once every one has its answer. */
export async function openLoop(rate: number, durationMs: number, send: Send): Promise<Outcome[]> {
  const total = Math.max(1, Math.round((rate * durationMs) / 1000));
  const interval = 1000 / rate;
  const pending: Promise<Outcome>[] = [];
  const start = performance.now();
  const fire = (index: number) => {
    const due = start + index * interval;
    pending.push(send(index).then((outcome) => ({ ...outcome, latencyMs: performance.now() - due })));
  };
  // A 1 ms tick sends whatever has come due; busy-waiting would steal the CPU the server needs.
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      while (pending.length < due) fire(pending.length);
      if (pending.length < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  return Promise.all(pending);
}

export interface Summary {
  rate: number;
  durationMs: number;
  sent: number;
  /** Answers by HTTP status ("0": no answer), per route. */
  statuses: Record<Route, Record<string, number>>;
  /** Latency percentiles per route, ms (for context: never asserted). */
  latency: Record<Route, { p50Ms: number; p99Ms: number }>;
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN);
}

export function summarize(rate: number, durationMs: number, outcomes: readonly Outcome[]): Summary {
  const statuses: Summary['statuses'] = { orders: {}, profiles: {} };
  for (const o of outcomes) statuses[o.route][o.status] = (statuses[o.route][o.status] ?? 0) + 1;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  const latencyOf = (route: Route) => {
    const sorted = outcomes
      .filter((o) => o.route === route)
      .map((o) => o.latencyMs)
      .sort((a, b) => a - b);
    return { p50Ms: round(percentile(sorted, 0.5)), p99Ms: round(percentile(sorted, 0.99)) };
  };
  return { rate, durationMs, sent: outcomes.length, statuses, latency: { orders: latencyOf('orders'), profiles: latencyOf('profiles') } };
}

export function formatSummary(name: string, s: Summary): string {
  const route = (r: Route) => {
    const counts = Object.entries(s.statuses[r]).map(([status, n]) => `${status}×${n}`);
    return `${r} ${counts.join(' ') || '-'} (p50 ${s.latency[r].p50Ms} ms, p99 ${s.latency[r].p99Ms} ms)`;
  };
  return `${name}: ${s.rate} req/s × ${s.durationMs / 1000} s, ${s.sent} sent; ${route('orders')}; ${route('profiles')}`;
}

/**
 * Every answer a user would see that is a server error other than the deliberate one: a 5xx that is
 * not a 503 with a positive `Retry-After`, or no answer at all.
 */
export function undeliberateFailures(outcomes: readonly Outcome[]): string[] {
  return outcomes
    .filter((o) => o.status === 0 || (o.status >= 500 && !(o.status === 503 && Number(o.retryAfter) > 0)))
    .map((o) => `${o.route} ${o.status} ${o.problemType ?? ''} ${o.detail ?? o.error ?? ''}`.trim());
}

/** A keep-alive client for Baton's API, with connections enough that requests never queue in the driver. */
export class BatonLoadClient {
  readonly #pool: Pool;

  constructor(
    url: string,
    private readonly token: string,
  ) {
    this.#pool = new Pool(url, { connections: 1024, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
  }

  placeOrder(order: { orderId: string }): Promise<Omit<Outcome, 'latencyMs'>> {
    const request = this.#pool.request({
      method: 'POST',
      path: '/orders',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(order),
    });
    return this.#answer({ route: 'orders', orderId: order.orderId }, request);
  }

  getProfile(userId: string): Promise<Omit<Outcome, 'latencyMs'>> {
    const request = this.#pool.request({ method: 'GET', path: `/profiles/${userId}`, headers: { authorization: `Bearer ${this.token}` } });
    return this.#answer({ route: 'profiles' }, request);
  }

  /** Never rejects: no answer is an outcome too (status 0). */
  async #answer(what: Pick<Outcome, 'route' | 'orderId'>, request: ReturnType<Pool['request']>): Promise<Omit<Outcome, 'latencyMs'>> {
    try {
      return { ...what, ...(await this.#read(await request)) };
    } catch (err) {
      return { ...what, status: 0, error: err instanceof Error ? err.message : String(err) };
    }
  }

  async #read(res: Awaited<ReturnType<Pool['request']>>): Promise<Pick<Outcome, 'status' | 'retryAfter' | 'problemType' | 'detail'>> {
    const retryAfter = res.headers['retry-after'];
    const body = await res.body.text();
    let problemType: string | undefined;
    let detail: string | undefined;
    if (res.statusCode >= 400) {
      try {
        ({ type: problemType, detail } = JSON.parse(body) as { type?: string; detail?: string });
      } catch {
        problemType = 'not problem+json';
      }
    }
    return {
      status: res.statusCode,
      ...(typeof retryAfter === 'string' && { retryAfter }),
      ...(problemType !== undefined && { problemType }),
      ...(detail !== undefined && { detail }),
    };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
