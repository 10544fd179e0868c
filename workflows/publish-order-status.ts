// Keeps the run's OrderStatus search attribute in step with the order, so that visibility queries
// (`OrderStatus="needs_attention"`, GET /orders?status=…) find it. An upsert is a command, so each way
// is guarded by a patch: orders that began before it replay as they ran. Runs started without the
// attributes (a server where they are not registered, tests that start runs by hand) never upsert.
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { OrderState, OrderStatus } from '../contracts';
import { OrderStatusSearchAttribute, searchableOrderStatus } from '../contracts/search-attributes';
import { ORDER_PATCHES } from './order-patches';

const indexedStatus = () => workflowInfo().typedSearchAttributes.get(OrderStatusSearchAttribute);

/** v2-v4 orders: every status change is upserted. */
export function publishOrderStatus(status: OrderStatus): void {
  const current = indexedStatus();
  if (current === undefined || current === status) return;
  if (!patched(ORDER_PATCHES.searchAttributes)) return;
  upsertSearchAttributes([{ key: OrderStatusSearchAttribute, value: status }]);
}

/** v5 orders: only the statuses a person searches by (contracts/search-attributes.ts), each once. */
export function publishSearchableStatus(state: Pick<OrderState, 'status' | 'steps'>): void {
  const current = indexedStatus();
  const status = searchableOrderStatus(state);
  if (current === undefined || current === status) return;
  upsertSearchAttributes([{ key: OrderStatusSearchAttribute, value: status }]);
}
