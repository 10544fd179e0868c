// Shipping service: shipments to the countries it serves, and cancellations.
import { randomInt, randomUUID } from 'node:crypto';
import { type Shipment, ShipmentRequest } from '../../contracts';
import { requireIdempotencyKey } from './idempotency';
import { ServiceKit, type CommonServiceOptions, type SampleService } from './kit';
import { OrderCounts } from './order-counts';
import { jsonResponse, problemResponse, problems } from './problem-response';
import { readJson } from './request';

/** EU and EEA members plus GB, US and CH; anything else (e.g. KP, AQ) is a 422. */
export const SERVED_COUNTRIES: ReadonlySet<string> = new Set([
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
  'IS',
  'LI',
  'NO',
  'GB',
  'US',
  'CH',
]);

interface ShipmentRecord extends Shipment {
  request: ShipmentRequest;
  cancelled: boolean;
}

export function createShippingService(options: CommonServiceOptions = {}): SampleService {
  const shipments = new Map<string, ShipmentRecord>();
  const counts = new OrderCounts(['shipments', 'cancellations', 'rejections'] as const);

  const ship = (request: ShipmentRequest): Response => {
    const { country } = request.address;
    if (!SERVED_COUNTRIES.has(country)) {
      counts.add(request.orderId, 'rejections');
      return problemResponse(422, 'unserviceable-address', 'Address cannot be served', `We do not ship to ${country}.`);
    }
    const shipment: Shipment = {
      shipmentId: `shp_${randomUUID()}`,
      orderId: request.orderId,
      trackingNumber: `BTN${String(randomInt(1e9)).padStart(9, '0')}${country}`,
    };
    shipments.set(shipment.shipmentId, { ...shipment, request, cancelled: false });
    counts.add(request.orderId, 'shipments');
    return jsonResponse(201, shipment);
  };

  const cancel = (shipmentId: string): Response => {
    const shipment = shipments.get(shipmentId);
    if (!shipment || shipment.cancelled) return problems.notFound(`No active shipment ${shipmentId}.`).toResponse();
    shipment.cancelled = true;
    counts.add(shipment.orderId, 'cancellations');
    return new Response(null, { status: 204 });
  };

  const kit = new ServiceKit('shipping', options, {
    state: () => ({
      orders: counts.toJSON(),
      activeShipments: [...shipments.values()].filter((s) => !s.cancelled).length,
    }),
    reset: () => {
      shipments.clear();
      counts.clear();
    },
  });
  const { app } = kit;

  app.post('/shipments', async (c) => {
    const key = requireIdempotencyKey(c);
    const request = await readJson(c, ShipmentRequest);
    return kit.idempotent(c, key, () => ship(request));
  });

  app.delete('/shipments/:shipmentId', (c) => {
    const key = requireIdempotencyKey(c);
    const shipmentId = c.req.param('shipmentId');
    return kit.idempotent(c, key, () => cancel(shipmentId));
  });

  app.get('/__admin/shipments/:shipmentId', (c) => {
    const shipment = shipments.get(c.req.param('shipmentId'));
    return shipment ? c.json(shipment) : problems.notFound().toResponse();
  });

  return kit.service;
}
