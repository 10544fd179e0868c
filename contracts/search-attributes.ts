// The custom search attributes of Baton's runs, so the Temporal Web UI, `temporal workflow list
// --query` and GET /orders?customerId=…&status=… find them. A namespace must have them registered
// (Keyword) before a run may carry them: the dev server gets them at start (dev/temporal/dev-server.ts
// `searchAttributes`), compose and the production tier in deploy/temporal/bootstrap.sh, any other cluster when the API or
// the worker starts (lib/namespace-setup.ts; or by hand, BATON_REGISTER_SEARCH_ATTRIBUTES=false, with
// `temporal operator search-attribute create --name CustomerId --type Keyword --name OrderStatus --type Keyword`).
// Workflow-safe: @temporalio/common only.
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import type { OrderInput, OrderState, OrderStatus } from './order';

export const CustomerIdSearchAttribute = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const OrderStatusSearchAttribute = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);

/**
 * Every attribute a run of Baton's may carry: the namespace must know each (lib/namespace-setup.ts checks).
 * All Keyword, which is what the commands and the strings below create.
 */
export const BATON_SEARCH_ATTRIBUTE_KEYS: readonly SearchAttributeKey<typeof SearchAttributeType.KEYWORD>[] = [
  CustomerIdSearchAttribute,
  OrderStatusSearchAttribute,
];

/** As `temporal server start-dev --search-attribute` takes them. */
export const BATON_SEARCH_ATTRIBUTES: readonly string[] = BATON_SEARCH_ATTRIBUTE_KEYS.map((key) => `${key.name}=Keyword`);

/** What an order's run carries from its start: its customer, and its status (upserted as it advances). */
export function orderSearchAttributes(input: Pick<OrderInput, 'customerId'>, status: OrderStatus = 'received'): SearchAttributePair[] {
  return [
    { key: CustomerIdSearchAttribute, value: input.customerId },
    { key: OrderStatusSearchAttribute, value: status },
  ];
}

/**
 * The statuses an order is found by (v5 orders, ORDER_PATCHES.searchableStatus): what lasts long enough for
 * a person to search for it. Each upsert is a visibility write, which cost a quarter of an order's throughput
 * when every status had one (docs/benchmark-journal.md). `received` is an order in flight with nothing to wait for
 * (authorizing, reserving, shipping: milliseconds each); `awaiting_payment` a bank transfer waiting to clear.
 */
export const SEARCHABLE_ORDER_STATUSES = [
  'received',
  'awaiting_payment',
  'compensating',
  'needs_attention',
  'completed',
  'failed',
  'cancelled',
] as const satisfies readonly OrderStatus[];
export type SearchableOrderStatus = (typeof SEARCHABLE_ORDER_STATUSES)[number];

/** What a v5 order's OrderStatus search attribute says, from its state. */
export function searchableOrderStatus(state: Pick<OrderState, 'status' | 'steps'>): SearchableOrderStatus {
  const step = state.steps.at(-1);
  switch (state.status) {
    case 'awaiting_payment':
      return step?.name === 'awaitPaymentClearance' && step.status === 'running' ? 'awaiting_payment' : 'received';
    case 'reserving':
    case 'shipping':
      return 'received';
    default:
      return state.status;
  }
}
