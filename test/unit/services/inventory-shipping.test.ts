import { describe, expect, it } from 'vitest';
import { Reservation, Shipment } from '../../../contracts';
import { createInventoryService, DEFAULT_STOCK } from '../../../dev/services/inventory-service';
import type { SampleService } from '../../../dev/services/kit';
import { createShippingService } from '../../../dev/services/shipping-service';
import { address, call, expectProblem, items } from './support';

const orderCounts = (service: SampleService, orderId: string) => (service.state().orders as Record<string, Record<string, number>>)[orderId];
const stockOf = async (service: SampleService, sku: string) => ((await call(service, 'GET', `/__admin/stock/${sku}`)).json as { quantity: number }).quantity;

describe('inventory service', () => {
  it('reserves stock with 201 and releases it with 204', async () => {
    const inventory = createInventoryService();
    const res = await call(inventory, 'POST', '/reservations', { key: 'r1', body: { orderId: 'o-1', items } });
    expect(res.status).toBe(201);
    const { reservationId, orderId } = Reservation.parse(res.json);
    expect(orderId).toBe('o-1');
    expect(await stockOf(inventory, 'SKU-1')).toBe(DEFAULT_STOCK - 2);
    expect(orderCounts(inventory, 'o-1')).toMatchObject({ reservations: 1, releases: 0, active: 1 });
    const released = await call(inventory, 'DELETE', `/reservations/${reservationId}`, { key: 'd1' });
    expect(released.status).toBe(204);
    expect(released.text).toBe('');
    expect(await stockOf(inventory, 'SKU-1')).toBe(DEFAULT_STOCK);
    expect(orderCounts(inventory, 'o-1')).toMatchObject({ reservations: 1, releases: 1, active: 0 });
    expect(inventory.state()).toMatchObject({ activeReservations: 0 });
  });

  it('answers 409 when short, taking nothing, for OOS SKUs and for admin-set stock', async () => {
    const inventory = createInventoryService();
    const oos = await call(inventory, 'POST', '/reservations', {
      key: 'r1',
      body: {
        orderId: 'o-1',
        items: [
          { sku: 'SKU-1', quantity: 1 },
          { sku: 'OOS-9', quantity: 1 },
        ],
      },
    });
    expectProblem(oos, 409, 'out-of-stock');
    expect(await stockOf(inventory, 'SKU-1')).toBe(DEFAULT_STOCK);
    expect((await call(inventory, 'PUT', '/__admin/stock', { body: { 'SKU-2': 3 } })).status).toBe(200);
    // The same SKU twice counts as one demand of 4.
    const twice = [
      { sku: 'SKU-2', quantity: 2 },
      { sku: 'SKU-2', quantity: 2 },
    ];
    expectProblem(await call(inventory, 'POST', '/reservations', { key: 'r2', body: { orderId: 'o-2', items: twice } }), 409);
    expect((await call(inventory, 'POST', '/reservations', { key: 'r3', body: { orderId: 'o-2', items: [{ sku: 'SKU-2', quantity: 3 }] } })).status).toBe(201);
    expect(await stockOf(inventory, 'SKU-2')).toBe(0);
    expect(orderCounts(inventory, 'o-2')).toMatchObject({ reservations: 1, rejections: 1 });
  });

  it('replays a repeated reservation and a repeated release without effect', async () => {
    const inventory = createInventoryService();
    const first = await call(inventory, 'POST', '/reservations', { key: 'r1', body: { orderId: 'o-1', items } });
    const again = await call(inventory, 'POST', '/reservations', { key: 'r1', body: { orderId: 'o-1', items } });
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(await stockOf(inventory, 'SKU-1')).toBe(DEFAULT_STOCK - 2);
    const { reservationId } = Reservation.parse(first.json);
    expect((await call(inventory, 'DELETE', `/reservations/${reservationId}`, { key: 'd1' })).status).toBe(204);
    expect((await call(inventory, 'DELETE', `/reservations/${reservationId}`, { key: 'd1' })).status).toBe(204);
    expect(orderCounts(inventory, 'o-1')).toMatchObject({ reservations: 1, releases: 1 });
  });

  it('answers 404 for releasing twice (new key) or an unknown reservation', async () => {
    const inventory = createInventoryService();
    const { reservationId } = Reservation.parse((await call(inventory, 'POST', '/reservations', { key: 'r1', body: { orderId: 'o-1', items } })).json);
    await call(inventory, 'DELETE', `/reservations/${reservationId}`, { key: 'd1' });
    expectProblem(await call(inventory, 'DELETE', `/reservations/${reservationId}`, { key: 'd2' }), 404, 'not-found');
    expectProblem(await call(inventory, 'DELETE', '/reservations/res_nope', { key: 'd3' }), 404);
    expect(await stockOf(inventory, 'SKU-1')).toBe(DEFAULT_STOCK);
  });

  it.each([
    ['no key', { body: { orderId: 'o-1', items } }, 'missing-idempotency-key'],
    ['no items', { key: 'k', body: { orderId: 'o-1', items: [] } }, 'validation'],
    ['a zero quantity', { key: 'k', body: { orderId: 'o-1', items: [{ sku: 'A', quantity: 0 }] } }, 'validation'],
    ['malformed JSON', { key: 'k', rawBody: '[' }, 'malformed-json'],
  ])('answers 400 for %s', async (_case, options, slug) => {
    expectProblem(await call(createInventoryService(), 'POST', '/reservations', options), 400, slug);
  });

  it('requires a key to release', async () => {
    expectProblem(await call(createInventoryService(), 'DELETE', '/reservations/res_1'), 400, 'missing-idempotency-key');
  });
});

describe('shipping service', () => {
  it('creates a shipment with a tracking number and cancels it', async () => {
    const shipping = createShippingService();
    const res = await call(shipping, 'POST', '/shipments', { key: 's1', body: { orderId: 'o-1', address: address('DE'), items } });
    expect(res.status).toBe(201);
    const shipment = Shipment.parse(res.json);
    expect(shipment.orderId).toBe('o-1');
    expect(shipment.trackingNumber).toMatch(/^BTN\d{9}DE$/);
    expect((await call(shipping, 'DELETE', `/shipments/${shipment.shipmentId}`, { key: 'c1' })).status).toBe(204);
    expect(orderCounts(shipping, 'o-1')).toMatchObject({ shipments: 1, cancellations: 1 });
  });

  it.each(['GB', 'US', 'CH', 'NO', 'FR'])('serves %s', async (country) => {
    const res = await call(createShippingService(), 'POST', '/shipments', { key: 's', body: { orderId: 'o', address: address(country), items } });
    expect(res.status).toBe(201);
  });

  it.each(['KP', 'AQ', 'CN'])('answers 422 for %s and replays it', async (country) => {
    const shipping = createShippingService();
    const body = { orderId: 'o-1', address: address(country), items };
    const res = await call(shipping, 'POST', '/shipments', { key: 's', body });
    expectProblem(res, 422, 'unserviceable-address');
    expect((await call(shipping, 'POST', '/shipments', { key: 's', body })).text).toBe(res.text);
    expect(orderCounts(shipping, 'o-1')).toMatchObject({ shipments: 0, rejections: 1 });
  });

  it('replays a repeated shipment; cancelling twice with a new key is 404', async () => {
    const shipping = createShippingService();
    const body = { orderId: 'o-1', address: address(), items };
    const first = await call(shipping, 'POST', '/shipments', { key: 's1', body });
    expect((await call(shipping, 'POST', '/shipments', { key: 's1', body })).text).toBe(first.text);
    const { shipmentId } = Shipment.parse(first.json);
    expect((await call(shipping, 'DELETE', `/shipments/${shipmentId}`, { key: 'c1' })).status).toBe(204);
    expect((await call(shipping, 'DELETE', `/shipments/${shipmentId}`, { key: 'c1' })).status).toBe(204);
    expectProblem(await call(shipping, 'DELETE', `/shipments/${shipmentId}`, { key: 'c2' }), 404, 'not-found');
    expectProblem(await call(shipping, 'DELETE', '/shipments/shp_nope', { key: 'c3' }), 404);
    expect(orderCounts(shipping, 'o-1')).toMatchObject({ shipments: 1, cancellations: 1 });
  });

  it.each([
    ['no key', { body: { orderId: 'o-1', address: address(), items } }, 'missing-idempotency-key'],
    ['a lowercase country', { key: 'k', body: { orderId: 'o-1', address: address('de'), items } }, 'validation'],
    ['no address', { key: 'k', body: { orderId: 'o-1', items } }, 'validation'],
    ['malformed JSON', { key: 'k', rawBody: 'x' }, 'malformed-json'],
  ])('answers 400 for %s', async (_case, options, slug) => {
    expectProblem(await call(createShippingService(), 'POST', '/shipments', options), 400, slug);
  });
});
