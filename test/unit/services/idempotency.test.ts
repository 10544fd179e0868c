import { describe, expect, it } from 'vitest';
import { Reservation } from '../../../contracts';
import { IdempotencyStore, toResponse } from '../../../dev/services/idempotency';
import { createInventoryService } from '../../../dev/services/inventory-service';
import { jsonResponse } from '../../../dev/services/problem-response';
import { call, items } from './support';

describe('IdempotencyStore', () => {
  it('runs once per scope and key, also for concurrent duplicates', async () => {
    const store = new IdempotencyStore();
    let runs = 0;
    const execute = async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return jsonResponse(201, { run: runs });
    };
    const first = store.run('POST /x', 'k', execute);
    const second = store.run('POST /x', 'k', execute);
    expect([first.fresh, second.fresh]).toEqual([true, false]);
    expect(await second.result).toEqual(await first.result);
    expect(runs).toBe(1);
    expect(store.run('POST /y', 'k', execute).fresh).toBe(true);
    expect(store.run('POST /x', 'k2', execute).fresh).toBe(true);
  });

  it('forgets server errors and exceptions, so a retry runs again', async () => {
    const store = new IdempotencyStore();
    await store.run('s', 'k', () => jsonResponse(503, {})).result;
    expect(store.run('s', 'k', () => jsonResponse(200, {})).fresh).toBe(true);
    await expect(
      store.run('s', 'boom', () => {
        throw new Error('boom');
      }).result,
    ).rejects.toThrow('boom');
    expect(store.run('s', 'boom', () => jsonResponse(200, {})).fresh).toBe(true);
  });

  it('replays 204 without a body and marks replays', async () => {
    const res = toResponse({ status: 204, contentType: null, body: '' }, true);
    expect(res.status).toBe(204);
    expect(res.headers.get('idempotent-replayed')).toBe('true');
    expect(await res.text()).toBe('');
  });
});

describe('idempotency scope', () => {
  it('keeps keys apart per route: the same key may reserve and then release', async () => {
    const inventory = createInventoryService();
    const created = await call(inventory, 'POST', '/reservations', { key: 'order-1', body: { orderId: 'o-1', items } });
    const { reservationId } = Reservation.parse(created.json);
    const released = await call(inventory, 'DELETE', `/reservations/${reservationId}`, { key: 'order-1' });
    expect(released.status).toBe(204);
  });

  it('keeps keys apart per service', async () => {
    const a = createInventoryService();
    const b = createInventoryService();
    await call(a, 'POST', '/reservations', { key: 'k', body: { orderId: 'o-1', items } });
    const res = await call(b, 'POST', '/reservations', { key: 'k', body: { orderId: 'o-1', items } });
    expect(res.headers.get('idempotent-replayed')).toBeNull();
  });
});
