// The custom search attributes of Baton's runs, so the Temporal Web UI, `temporal workflow list
// --query` and GET /orders?customerId=…&status=… find them. A namespace must have them registered
// (Keyword) before a run may carry them: the dev server gets them at start (dev/temporal/dev-server.ts
// `searchAttributes`), compose and the production tier in deploy/temporal/bootstrap.sh, any other cluster when the API or
// the worker starts (lib/namespace-setup.ts; or by hand, BATON_REGISTER_SEARCH_ATTRIBUTES=false, with
// `temporal operator search-attribute create --name CustomerId --type Keyword --name OrderStatus --type Keyword`).
// Workflow-safe: @temporalio/common only.
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import type { OrderInput, OrderStatus } from './order';

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
