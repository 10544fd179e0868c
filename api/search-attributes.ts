// The search attributes a run starts with (definitions/search-attributes.ts), by workflow type: POST
// /orders and POST /workflows/order both start orders, and both go through here. The namespace must
// have them registered (README "Observability"), or the start is refused.
import type { SearchAttributePair } from '@temporalio/common';
import { orderSearchAttributes, orderWorkflow, type OrderInput } from '../definitions';

const byType: Record<string, (input: unknown) => SearchAttributePair[]> = {
  [orderWorkflow.type]: (input) => orderSearchAttributes(input as Pick<OrderInput, 'customerId'>),
};

/** Start options to spread: `typedSearchAttributes` for types that have any, nothing otherwise. */
export function startSearchAttributes(type: string, input: unknown): { typedSearchAttributes?: SearchAttributePair[] } {
  const attributes = byType[type];
  return attributes ? { typedSearchAttributes: attributes(input) } : {};
}
