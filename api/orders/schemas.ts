// The order's shapes as the API documents them: the contract's schemas (contracts/order.ts) under
// OpenAPI names, plus the answers only the API gives (links to the run). Nothing is restated.
import { z } from '@hono/zod-openapi';
import {
  orderDefinition,
  OrderState as OrderStateShape,
  Id,
  OrderStatus,
  ResolveRequest as ResolveRequestShape,
  type OrderRequest as OrderRequestType,
} from '../../contracts';
import { Links } from '../http/links';
import { documented, named } from '../http/openapi-names';
import { clientInputSchema } from '../workflows/client-input';

/** The same client shape as POST /workflows/order takes: the server-owned fields are refused by name. */
export const OrderRequest = named(clientInputSchema(orderDefinition) as z.ZodType<OrderRequestType>, 'OrderRequest');
export const OrderState = named(OrderStateShape, 'OrderState');
export const ResolveRequest = named(ResolveRequestShape, 'ResolveRequest');

export const OrderAccepted = z
  .object({
    orderId: z.string(),
    workflowId: z.string(),
    runId: z.string(),
    status: OrderStatus,
    links: Links,
  })
  .openapi('OrderAccepted');
export type OrderAccepted = z.infer<typeof OrderAccepted>;

/** The `{orderId}` of every order route. */
export const OrderIdParam = z.object({ orderId: documented(Id, { param: { name: 'orderId', in: 'path' } }) });
