// Orders as the benchmarks place them: through the API (HTTP); started by the driver with the options
// POST /orders gives them; started with the raw SDK's plain options (the starts baseline); or as the raw-SDK
// baseline's workflow making the same three calls.
import type { Client } from '@temporalio/client';
import { Pool } from 'undici';
import { completeOrderInput } from '../../../api/orders/order-server-input';
import { startOptions } from '../../../api/workflows/workflow-runs';
import { orderDefinition, orderWorkflow, type OrderRequest, type OrderState, type OrderWorkflow } from '../../../contracts';
import type { rawOrder } from '../raw-saga/workflows';
import { BENCH_TOKEN } from './stack';

/** Distinct per run, so that benchmarks sharing a server never reuse an order ID. */
const runTag = Date.now().toString(36);

export function orderRequest(prefix: string, index: number, paymentMethod: OrderRequest['paymentMethod'] = 'card'): OrderRequest {
  return {
    orderId: `${prefix}-${runTag}-${index}`,
    // One customer per order: a customer's orders past its burst allowance run on the burst lane (lib/burst-lane.ts).
    customerId: `cus-bench-${index}`,
    items: [{ sku: 'SKU-1', quantity: 1 }],
    amount: { currency: 'EUR', value: 1999 },
    paymentMethod,
    shippingAddress: { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
  };
}

/** The API config bits that shape an order's input; as api/main.ts sets them by default. */
const inputConfig = {
  apiTokens: [BENCH_TOKEN],
  bodyLimitBytes: 65536,
  namespace: 'default',
  taskQueue: 'unused',
  temporalUiUrl: 'http://localhost:8233',
  webhookSecrets: ['bench-webhook-secret-0123456789'],
  temporalDeadlineMs: 5000,
  publicUrl: 'http://127.0.0.1:3000',
};

/**
 * Starts an order with the options POST /orders gives it (api/workflows/workflow-runs.ts startOptions): its search
 * attributes, summary and details, and its customer as fairness key. With Baton's client its payloads are encrypted.
 */
export async function startOrderAsApi(client: Client, taskQueue: string, order: OrderRequest) {
  const input = completeOrderInput(order, inputConfig);
  return client.workflow.start(
    orderWorkflow.type,
    startOptions(orderDefinition, { taskQueue }, { workflowId: orderWorkflow.workflowId(order.orderId), input }),
  );
}

/**
 * Starts the same order as a raw-SDK user would: the same input, ID policy and search attributes, none of the API's
 * other options (no summary or details, no fairness key). The starts baseline, with a plain client.
 */
export async function startOrderDirectly(client: Client, taskQueue: string, order: OrderRequest) {
  const input = completeOrderInput(order, inputConfig);
  return client.workflow.start<OrderWorkflow>(orderWorkflow.type, {
    taskQueue,
    workflowId: orderWorkflow.workflowId(order.orderId),
    args: [input],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    workflowIdConflictPolicy: 'FAIL',
    typedSearchAttributes: orderDefinition.searchAttributes?.(input),
  });
}

/** The raw-SDK baseline's workflow ID for an order. */
export const rawOrderWorkflowId = (order: Pick<OrderRequest, 'orderId'>) => `raw-${order.orderId}`;

/** Runs the raw-SDK baseline's order to its end; true when it completed. */
export async function runRawOrder(client: Client, taskQueue: string, order: OrderRequest): Promise<boolean> {
  const handle = await client.workflow.start<typeof rawOrder>('rawOrder', {
    taskQueue,
    workflowId: rawOrderWorkflowId(order),
    args: [{ orderId: order.orderId, customerId: order.customerId, amount: order.amount, items: order.items, address: order.shippingAddress }],
  });
  return (await handle.result()).startsWith('pay_');
}

/** Waits for a Baton order's run to end; true when it completed. */
export async function orderCompleted(client: Client, orderId: string): Promise<boolean> {
  const state = await client.workflow.getHandle<OrderWorkflow>(orderWorkflow.workflowId(orderId)).result();
  return state.status === 'completed';
}

/** POST /orders over a keep-alive pool large enough never to queue in the driver. */
export function apiClient(url: string) {
  const pool = new Pool(url, { connections: 1024, keepAliveTimeout: 60_000 });
  const headers = { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' };
  return {
    /** Resolves with the status and, for `Prefer: wait`, the state in the answer. */
    async post(order: OrderRequest, prefer?: string): Promise<{ status: number; state?: OrderState }> {
      const res = await pool.request({
        path: '/orders',
        method: 'POST',
        headers: prefer ? { ...headers, prefer } : headers,
        body: JSON.stringify(order),
      });
      const body = (await res.body.json()) as { state?: OrderState };
      return { status: res.statusCode, ...(body.state && { state: body.state }) };
    },
    close: () => pool.destroy(),
  };
}
