// Inventory service: stock per SKU, reservations that take stock and releases that give it back.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type LineItem, ReservationRequest, type Reservation } from '../../contracts';
import { requireIdempotencyKey } from './idempotency';
import { ServiceKit, type CommonServiceOptions, type SampleService } from './kit';
import { OrderCounts } from './order-counts';
import { jsonResponse, problemResponse, problems } from './problem-response';
import { readJson } from './request';

export const DEFAULT_STOCK = 1_000_000;
/** SKUs with this prefix start with no stock, so out-of-stock paths need no setup. */
export const OUT_OF_STOCK_PREFIX = 'OOS';

const StockLevels = z.record(z.string().min(1).max(64), z.number().int().min(0));

interface ReservationRecord extends Reservation {
  items: LineItem[];
  released: boolean;
}

/** Sums quantities per SKU, so an order listing a SKU twice is checked against its total. */
function quantitiesBySku(items: LineItem[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const { sku, quantity } of items) totals.set(sku, (totals.get(sku) ?? 0) + quantity);
  return totals;
}

export function createInventoryService(options: CommonServiceOptions = {}): SampleService {
  const stock = new Map<string, number>();
  const reservations = new Map<string, ReservationRecord>();
  const counts = new OrderCounts(['reservations', 'releases', 'active', 'rejections'] as const);
  const level = (sku: string) => stock.get(sku) ?? (sku.startsWith(OUT_OF_STOCK_PREFIX) ? 0 : DEFAULT_STOCK);

  const reserve = (request: ReservationRequest): Response => {
    const wanted = quantitiesBySku(request.items);
    const short = [...wanted].filter(([sku, quantity]) => level(sku) < quantity);
    if (short.length > 0) {
      counts.add(request.orderId, 'rejections');
      const detail = short.map(([sku, quantity]) => `${sku}: wanted ${quantity}, ${level(sku)} available`).join('; ');
      return problemResponse(409, 'out-of-stock', 'Out of stock', detail);
    }
    for (const [sku, quantity] of wanted) stock.set(sku, level(sku) - quantity);
    const reservation: ReservationRecord = {
      reservationId: `res_${randomUUID()}`,
      orderId: request.orderId,
      items: request.items,
      released: false,
    };
    reservations.set(reservation.reservationId, reservation);
    counts.add(request.orderId, 'reservations');
    counts.add(request.orderId, 'active');
    return jsonResponse(201, { reservationId: reservation.reservationId, orderId: reservation.orderId } satisfies Reservation);
  };

  const release = (reservationId: string): Response => {
    const reservation = reservations.get(reservationId);
    if (!reservation || reservation.released) return problems.notFound(`No active reservation ${reservationId}.`).toResponse();
    for (const [sku, quantity] of quantitiesBySku(reservation.items)) stock.set(sku, level(sku) + quantity);
    reservation.released = true;
    counts.add(reservation.orderId, 'releases');
    counts.add(reservation.orderId, 'active', -1);
    return new Response(null, { status: 204 });
  };

  const kit = new ServiceKit('inventory', options, {
    state: () => ({
      orders: counts.toJSON(),
      activeReservations: [...reservations.values()].filter((r) => !r.released).length,
    }),
    reset: () => {
      stock.clear();
      reservations.clear();
      counts.clear();
    },
  });
  const { app } = kit;

  app.post('/reservations', async (c) => {
    const key = requireIdempotencyKey(c);
    const request = await readJson(c, ReservationRequest);
    return kit.idempotent(c, key, () => reserve(request));
  });

  app.delete('/reservations/:reservationId', (c) => {
    const key = requireIdempotencyKey(c);
    const reservationId = c.req.param('reservationId');
    return kit.idempotent(c, key, () => release(reservationId));
  });

  app.get('/__admin/stock/:sku', (c) => c.json({ sku: c.req.param('sku'), quantity: level(c.req.param('sku')) }));
  // Merges: only the SKUs named change.
  app.put('/__admin/stock', async (c) => {
    const levels = await readJson(c, StockLevels);
    for (const [sku, quantity] of Object.entries(levels)) stock.set(sku, quantity);
    return c.json(Object.fromEntries(Object.keys(levels).map((sku) => [sku, level(sku)])));
  });
  app.get('/__admin/reservations/:reservationId', (c) => {
    const reservation = reservations.get(c.req.param('reservationId'));
    return reservation ? c.json(reservation) : problems.notFound().toResponse();
  });

  return kit.service;
}
