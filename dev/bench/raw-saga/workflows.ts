// The saga-throughput baseline: the least a raw Temporal SDK workflow can do for an order, the same
// three calls in a row with no state, no queries, no compensations, no search attributes, no logs.
import { proxyActivities } from '@temporalio/workflow';
import type { RawActivities } from './activities';

export interface RawOrderInput {
  orderId: string;
  customerId: string;
  amount: { currency: string; value: number };
  items: { sku: string; quantity: number }[];
  address: { line1: string; city: string; postalCode: string; country: string };
}

const { post } = proxyActivities<RawActivities>({ startToCloseTimeout: '5 seconds' });

export async function rawOrder(input: RawOrderInput): Promise<string> {
  const { orderId } = input;
  const payment = await post('payments', '/payments', `${orderId}:pay`, {
    orderId,
    customerId: input.customerId,
    amount: input.amount,
    method: 'card',
  });
  await post('inventory', '/reservations', `${orderId}:reserve`, { orderId, items: input.items });
  await post('shipping', '/shipments', `${orderId}:ship`, { orderId, address: input.address, items: input.items });
  return String((payment as { paymentId?: unknown }).paymentId);
}
