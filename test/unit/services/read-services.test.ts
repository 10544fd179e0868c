import { describe, expect, it } from 'vitest';
import { LoyaltyStatus, OrderSummary, User } from '../../../contracts';
import { createLoyaltyService } from '../../../dev/services/loyalty-service';
import { createOrderHistoryService, orderHistoryFor } from '../../../dev/services/order-history-service';
import { createUsersService } from '../../../dev/services/users-service';
import { call, expectProblem } from './support';

describe('users service', () => {
  it('answers /healthz', async () => {
    const res = await call(createUsersService(), 'GET', '/healthz');
    expect(res.status).toBe(200);
  });

  it('serves seeded users u-1..u-1000 deterministically', async () => {
    const users = createUsersService();
    for (const id of ['u-1', 'u-500', 'u-1000']) {
      const res = await call(users, 'GET', `/users/${id}`);
      expect(res.status).toBe(200);
      expect(User.parse(res.json).id).toBe(id);
    }
    const again = await call(createUsersService(), 'GET', '/users/u-1');
    expect(again.json).toEqual((await call(users, 'GET', '/users/u-1')).json);
  });

  it.each(['u-0', 'u-1001', 'u-01', 'someone', 'U-1'])('answers 404 problem for unknown %s', async (id) => {
    expectProblem(await call(createUsersService(), 'GET', `/users/${id}`), 404, 'not-found');
  });

  it('rejects ids longer than 128 characters with 400', async () => {
    expectProblem(await call(createUsersService(), 'GET', `/users/${'x'.repeat(129)}`), 400, 'validation');
  });

  it('adds, changes and removes users through admin routes; reset restores the seed', async () => {
    const users = createUsersService();
    const put = await call(users, 'PUT', '/__admin/users/alice', { body: { name: 'Alice', email: 'alice@example.com' } });
    expect(put.status).toBe(200);
    expect((await call(users, 'GET', '/users/alice')).json).toEqual({ id: 'alice', name: 'Alice', email: 'alice@example.com' });
    expect((await call(users, 'DELETE', '/__admin/users/u-7')).status).toBe(204);
    expectProblem(await call(users, 'GET', '/users/u-7'), 404);
    expectProblem(await call(users, 'PUT', '/__admin/users/bob', { body: { name: 'Bob' } }), 400, 'validation');
    expect((await call(users, 'POST', '/__admin/reset')).status).toBe(204);
    expectProblem(await call(users, 'GET', '/users/alice'), 404);
    expect((await call(users, 'GET', '/users/u-7')).status).toBe(200);
  });

  it('answers unknown routes with a 404 problem', async () => {
    expectProblem(await call(createUsersService(), 'GET', '/nope'), 404, 'not-found');
  });
});

describe('order history service', () => {
  const history = createOrderHistoryService();

  it('returns at most 10 orders by default, newest first, matching the contract', async () => {
    const res = await call(history, 'GET', '/users/u-1/orders');
    expect(res.status).toBe(200);
    const { orders } = res.json as { orders: unknown[] };
    expect(orderHistoryFor('u-1').length).toBeGreaterThan(10);
    expect(orders).toHaveLength(10);
    const parsed = orders.map((o) => OrderSummary.parse(o));
    const times = parsed.map((o) => Date.parse(o.placedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('honours limit and is deterministic', async () => {
    const a = await call(history, 'GET', '/users/u-3/orders?limit=3');
    const b = await call(createOrderHistoryService(), 'GET', '/users/u-3/orders?limit=3');
    expect((a.json as { orders: unknown[] }).orders).toHaveLength(3);
    expect(a.json).toEqual(b.json);
    const all = await call(history, 'GET', '/users/u-3/orders?limit=100');
    expect((all.json as { orders: unknown[] }).orders).toHaveLength(orderHistoryFor('u-3').length);
  });

  it('returns an empty list for unknown users', async () => {
    const res = await call(history, 'GET', '/users/stranger/orders');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ orders: [] });
  });

  it.each(['0', '101', '-1', 'abc', '2.5', ''])('rejects limit=%s with 400', async (limit) => {
    expectProblem(await call(history, 'GET', `/users/u-1/orders?limit=${limit}`), 400, 'validation');
  });
});

describe('loyalty service', () => {
  const loyalty = createLoyaltyService();

  it('answers seeded users with points and a tier', async () => {
    const res = await call(loyalty, 'GET', '/loyalty/u-42');
    expect(res.status).toBe(200);
    const status = LoyaltyStatus.parse(res.json);
    expect(status.userId).toBe('u-42');
    expect(status.points).toBeGreaterThanOrEqual(0);
  });

  it('answers 404 problem for unknown users', async () => {
    expectProblem(await call(loyalty, 'GET', '/loyalty/u-1001'), 404, 'not-found');
  });
});
