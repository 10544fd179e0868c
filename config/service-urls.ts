import type { ServiceUrlsEnv } from './env';
import type { ServiceName } from './env';

export function serviceUrlsFromEnv(env: ServiceUrlsEnv): Record<ServiceName, string> {
  return {
    users: env.USERS_URL,
    orderHistory: env.ORDER_HISTORY_URL,
    loyalty: env.LOYALTY_URL,
    payments: env.PAYMENTS_URL,
    inventory: env.INVENTORY_URL,
    shipping: env.SHIPPING_URL,
  };
}
