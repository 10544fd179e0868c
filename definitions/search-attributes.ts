// The custom search attributes of Baton's runs, so the Temporal Web UI, `temporal workflow list
// --query` and GET /orders?customerId=…&status=… find them. A namespace must have them registered
// (Keyword) before a run may carry them: the dev server gets them at start (lib/dev-server.ts
// `searchAttributes`), compose in deploy/temporal/setup-namespace.sh, any other cluster once with
// `temporal operator search-attribute create --name CustomerId --type Keyword --name OrderStatus --type Keyword`.
// Workflow-safe: @temporalio/common only.
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { OrderInput, OrderStatus } from './orders';

export const CustomerIdSearchAttribute = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const OrderStatusSearchAttribute = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);

/** As `temporal server start-dev --search-attribute` takes them. */
export const BATON_SEARCH_ATTRIBUTES: readonly string[] = ['CustomerId=Keyword', 'OrderStatus=Keyword'];

/** What an order's run carries from its start: its customer, and its status (upserted as it advances). */
export function orderSearchAttributes(input: Pick<OrderInput, 'customerId'>, status: OrderStatus = 'received'): SearchAttributePair[] {
  return [
    { key: CustomerIdSearchAttribute, value: input.customerId },
    { key: OrderStatusSearchAttribute, value: status },
  ];
}
