// Order history service: a deterministic list of past orders per seeded user, newest first.
import { z } from 'zod';
import type { OrderSummary } from '../../contracts';
import { ServiceKit, type CommonServiceOptions, type SampleService } from './kit';
import { validate } from './request';
import { hash, seededUserNumber } from './seed';
import { UserId } from './users-service';

export const MAX_ORDERS_PER_USER = 40;
const DAY_MS = 86_400_000;
/** A fixed clock, so the same user gets the same history in every run. */
const HISTORY_END = Date.UTC(2025, 5, 30, 12, 0, 0);
const CURRENCIES = ['EUR', 'EUR', 'USD', 'GBP'] as const;
const PAST_STATUSES = ['delivered', 'delivered', 'delivered', 'shipped', 'cancelled', 'refunded'] as const;

const Limit = z
  .string()
  .regex(/^\d+$/, 'must be an integer from 1 to 100')
  .transform(Number)
  .pipe(z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100'));
const Query = z.object({ limit: Limit.optional() });

export function orderHistoryFor(userId: string): OrderSummary[] {
  const n = seededUserNumber(userId);
  if (n === undefined) return [];
  const seed = hash(`orders:${userId}`);
  const count = seed % (MAX_ORDERS_PER_USER + 1);
  const currency = CURRENCIES[seed % CURRENCIES.length] ?? 'EUR';
  const orders: OrderSummary[] = [];
  let placed = HISTORY_END - (seed % 7) * DAY_MS;
  for (let i = 0; i < count; i++) {
    const h = hash(`${userId}:${i}`);
    orders.push({
      orderId: `hist-${n}-${String(count - i).padStart(3, '0')}`,
      total: { currency, value: 500 + (h % 49_500) },
      status: i === 0 && h % 3 === 0 ? 'processing' : (PAST_STATUSES[h % PAST_STATUSES.length] ?? 'delivered'),
      placedAt: new Date(placed).toISOString(),
    });
    placed -= (1 + (h % 30)) * DAY_MS + (h % 86_400) * 1000;
  }
  return orders;
}

export function createOrderHistoryService(options: CommonServiceOptions = {}): SampleService {
  const kit = new ServiceKit('orderHistory', options);
  kit.app.get('/users/:userId/orders', (c) => {
    const userId = validate(UserId, c.req.param('userId'));
    const { limit = 10 } = validate(Query, c.req.query());
    return c.json({ orders: orderHistoryFor(userId).slice(0, limit) });
  });
  return kit.service;
}
