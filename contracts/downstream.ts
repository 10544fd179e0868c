// The downstream services' shapes (downstream-services.openapi.yaml) and their names, shared by the
// activities, the compositions, the sample services and the order's contract. Plain zod: workflow-safe.
import { z } from 'zod';

/** The downstream services Baton calls; each has a base URL (config/env.ts). */
export const SERVICE_NAMES = ['users', 'orderHistory', 'loyalty', 'payments', 'inventory', 'shipping'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const Money = z.object({
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'),
  value: z.number().int().min(0).describe('minor units'),
});
export type Money = z.infer<typeof Money>;

export const LineItem = z.object({
  sku: z.string().min(1).max(64),
  quantity: z.number().int().min(1),
});
export type LineItem = z.infer<typeof LineItem>;

export const Address = z.object({
  name: z.string().max(200).optional(),
  line1: z.string().min(1).max(200),
  line2: z.string().max(200).optional(),
  city: z.string().min(1).max(100),
  postalCode: z.string().min(1).max(20),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as DE'),
});
export type Address = z.infer<typeof Address>;

export const User = z.object({ id: z.string(), name: z.string(), email: z.string() });
export type User = z.infer<typeof User>;

export const OrderSummary = z.object({
  orderId: z.string(),
  total: Money,
  status: z.string(),
  placedAt: z.string().datetime({ offset: true }),
});
export type OrderSummary = z.infer<typeof OrderSummary>;

export const LoyaltyTier = z.enum(['none', 'bronze', 'silver', 'gold', 'platinum']);
export const LoyaltyStatus = z.object({ userId: z.string(), points: z.number().int(), tier: LoyaltyTier });
export type LoyaltyStatus = z.infer<typeof LoyaltyStatus>;

export const PaymentMethod = z.enum(['card', 'bank_transfer']);
export type PaymentMethod = z.infer<typeof PaymentMethod>;

export const PaymentStatus = z.enum(['pending', 'cleared', 'failed', 'refunded']);
export type PaymentStatus = z.infer<typeof PaymentStatus>;

export const Payment = z.object({ paymentId: z.string(), orderId: z.string(), status: PaymentStatus, amount: Money });
export type Payment = z.infer<typeof Payment>;

export const PaymentRequest = z.object({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  amount: Money,
  method: PaymentMethod,
  callbackUrl: z.string().url().optional(),
});
export type PaymentRequest = z.infer<typeof PaymentRequest>;

export const ReservationRequest = z.object({ orderId: z.string().min(1), items: z.array(LineItem).min(1) });
export type ReservationRequest = z.infer<typeof ReservationRequest>;
export const Reservation = z.object({ reservationId: z.string(), orderId: z.string() });
export type Reservation = z.infer<typeof Reservation>;

export const ShipmentRequest = z.object({
  orderId: z.string().min(1),
  address: Address,
  items: z.array(LineItem).min(1),
});
export type ShipmentRequest = z.infer<typeof ShipmentRequest>;
export const Shipment = z.object({ shipmentId: z.string(), orderId: z.string(), trackingNumber: z.string().optional() });
export type Shipment = z.infer<typeof Shipment>;
