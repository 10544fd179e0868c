// Keeps the run's OrderStatus search attribute in step with the order, so that visibility queries
// (`OrderStatus="needs_attention"`, GET /orders?status=…) find it. An upsert is a command, so it is
// guarded by a patch: orders that began before it replay without upserts. Runs started without the
// attributes (a server where they are not registered, tests that start runs by hand) never upsert.
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { OrderStatus } from '../contracts';
import { OrderStatusSearchAttribute } from '../contracts/search-attributes';
import { ORDER_PATCHES } from './order-patches';

export function publishOrderStatus(status: OrderStatus): void {
  const current = workflowInfo().typedSearchAttributes.get(OrderStatusSearchAttribute);
  if (current === undefined || current === status) return;
  if (!patched(ORDER_PATCHES.searchAttributes)) return;
  upsertSearchAttributes([{ key: OrderStatusSearchAttribute, value: status }]);
}
