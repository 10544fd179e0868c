// GET /orders?customerId=…&status=…: orders found through Temporal visibility by the search
// attributes their runs carry (contracts/search-attributes.ts). Visibility is eventually
// consistent: a run just started, or a status just changed, shows up after a moment (usually < 1 s).
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { CustomerIdSearchAttribute, orderWorkflow, OrderStatusSearchAttribute, type OrderStatus } from '../../contracts';
import type { AppConfig } from '../http/deps';
import { temporalUiLink } from '../http/links';
import { issuePageToken, readPageToken } from '../http/page-token';
import { timestampMs } from './order-timeline';

export interface OrderSearch {
  customerId?: string;
  status?: OrderStatus;
  pageSize: number;
  /** Opaque, from the previous page (base64url of Temporal's token). */
  nextPageToken?: string;
}

export interface OrderListItem {
  orderId: string;
  workflowId: string;
  runId: string;
  customerId?: string;
  status?: string;
  startTime?: string;
  closeTime?: string;
  links: { self: string; temporalUi: string };
}

/** A string literal of the visibility query language: double-quoted, with `\` and `"` escaped. */
export function visibilityLiteral(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function orderSearchQuery(search: Pick<OrderSearch, 'customerId' | 'status'>): string {
  return [
    `WorkflowType = ${visibilityLiteral(orderWorkflow.type)}`,
    ...(search.customerId !== undefined ? [`${CustomerIdSearchAttribute.name} = ${visibilityLiteral(search.customerId)}`] : []),
    ...(search.status !== undefined ? [`${OrderStatusSearchAttribute.name} = ${visibilityLiteral(search.status)}`] : []),
  ].join(' AND ');
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** What visibility knows of one order's run: its IDs, its search attributes and its times. */
export function orderFromExecution(execution: temporal.api.workflow.v1.IWorkflowExecutionInfo): Omit<OrderListItem, 'links'> {
  const workflowId = execution.execution?.workflowId ?? '';
  const runId = execution.execution?.runId ?? '';
  const orderId = workflowId.startsWith(orderWorkflow.idPrefix) ? workflowId.slice(orderWorkflow.idPrefix.length) : workflowId;
  const attributes = decodeTypedSearchAttributes(execution.searchAttributes?.indexedFields);
  const customerId = attributes.get(CustomerIdSearchAttribute);
  const status = attributes.get(OrderStatusSearchAttribute);
  const startTime = iso(timestampMs(execution.startTime));
  const closeTime = iso(timestampMs(execution.closeTime));
  return {
    orderId,
    workflowId,
    runId,
    ...(customerId !== undefined && { customerId }),
    ...(status !== undefined && { status }),
    ...(startTime && { startTime }),
    ...(closeTime && { closeTime }),
  };
}

export async function findOrders(
  client: Client,
  config: Pick<AppConfig, 'namespace' | 'temporalUiUrl' | 'webhookSecrets'>,
  search: OrderSearch,
): Promise<{ orders: OrderListItem[]; nextPageToken?: string }> {
  const page = await client.workflowService.listWorkflowExecutions({
    namespace: config.namespace,
    query: orderSearchQuery(search),
    pageSize: search.pageSize,
    ...(search.nextPageToken && { nextPageToken: readPageToken(config.webhookSecrets, search.nextPageToken) }),
  });
  const orders = (page.executions ?? []).map((execution): OrderListItem => {
    const order = orderFromExecution(execution);
    return { ...order, links: { self: `/orders/${order.orderId}`, temporalUi: temporalUiLink(config, order.workflowId, order.runId) } };
  });
  const token = issuePageToken(config.webhookSecrets, page.nextPageToken);
  return { orders, ...(token && { nextPageToken: token }) };
}
