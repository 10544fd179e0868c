// The downstream GETs that compositions call, as downstream-services.openapi.yaml defines them.
import { z } from '@hono/zod-openapi';
import { LoyaltyStatus, OrderSummary, User } from '../contracts';
import { endpoint } from './endpoint';

export const getUser = endpoint({
  service: 'users',
  path: '/users/{userId}',
  response: User,
  absentOn404: true,
});

export const listUserOrders = endpoint({
  service: 'orderHistory',
  path: '/users/{userId}/orders',
  query: z.object({ limit: z.number().int().min(1).max(100).optional() }),
  response: z.object({ orders: z.array(OrderSummary) }),
});

export const getLoyalty = endpoint({
  service: 'loyalty',
  path: '/loyalty/{userId}',
  response: LoyaltyStatus,
  // No loyalty account is an answer: the field is null and the answer is not partial.
  absentOn404: true,
});
