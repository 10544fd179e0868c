// Orders that need a person: those waiting in needs_attention (a compensation kept failing), and those
// whose running step has been retrying for longer than the operator's threshold (a service down, a
// request it keeps refusing). Found through visibility, then each running one described for its step.
import type { Client } from '@temporalio/client';
import { orderQueries, orderWorkflow, OrderStatusSearchAttribute, type OrderWorkflow } from '../../contracts';
import type { AppConfig } from '../http/deps';
import { temporalUiLink } from '../http/links';
import { visibilityLiteral } from '../orders/find-orders';
import { pendingStep, type RunningStep } from './step-controls';

export interface AttentionItem {
  orderId: string;
  workflowId: string;
  runId: string;
  reason: 'needs_attention' | 'step_retrying';
  /** The step that keeps failing: its activity, attempts, last error; and since when the step has been running. */
  step?: RunningStep & { name: string; startedAt: string; retryingForMs: number };
  links: { self: string; temporalUi: string };
}

export interface AttentionSearch {
  /** A step counts once it has been running this long with more than one attempt. */
  retryingForMs: number;
  /** At most this many running orders are described (each is one call to Temporal, and a query for the stuck ones). */
  scanLimit: number;
}

const ORDERS = `WorkflowType = ${visibilityLiteral(orderWorkflow.type)}`;

async function take<T>(items: AsyncIterable<T>, limit: number): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    if (out.length >= limit) break;
    out.push(item);
  }
  return out;
}

async function inBatches<T, R>(items: readonly T[], size: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(task))));
  return out;
}

export async function ordersNeedingAPerson(
  client: Client,
  config: Pick<AppConfig, 'temporalUiUrl' | 'namespace'>,
  search: AttentionSearch,
): Promise<{ orders: AttentionItem[]; scanned: number }> {
  const item = (workflowId: string, runId: string, reason: AttentionItem['reason'], step?: AttentionItem['step']): AttentionItem => {
    const orderId = workflowId.slice(orderWorkflow.idPrefix.length);
    return {
      orderId,
      workflowId,
      runId,
      reason,
      ...(step && { step }),
      links: { self: `/orders/${orderId}`, temporalUi: temporalUiLink(config, workflowId, runId) },
    };
  };
  const waiting = await take(
    client.workflow.list({ query: `${ORDERS} AND ExecutionStatus = "Running" AND ${OrderStatusSearchAttribute.name} = "needs_attention"` }),
    search.scanLimit,
  );
  const running = await take(
    client.workflow.list({ query: `${ORDERS} AND ExecutionStatus = "Running" AND ${OrderStatusSearchAttribute.name} != "needs_attention"` }),
    search.scanLimit,
  );
  const now = Date.now();
  const stuck = await inBatches(running, 8, async (run) => {
    const { step } = await pendingStep(client, run.workflowId).catch(() => ({ step: undefined }));
    if (!step || step.attempt < 2) return undefined;
    // When the step began is the workflow's own record; the activity's times are those of its latest attempt.
    // An order whose worker cannot answer right now (gone, or busy past the deadline) is left out like one that
    // cannot be described: one unreadable order must not take the whole list down with a 500.
    const state = await client.workflow
      .getHandle<OrderWorkflow>(run.workflowId)
      .query(orderQueries.state)
      .catch(() => undefined);
    const current = state?.steps.at(-1);
    if (!current || current.status !== 'running') return undefined;
    const retryingForMs = now - Date.parse(current.startedAt);
    if (retryingForMs < search.retryingForMs) return undefined;
    return item(run.workflowId, run.runId, 'step_retrying', { ...step, name: current.name, startedAt: current.startedAt, retryingForMs });
  });
  return {
    orders: [...waiting.map((run) => item(run.workflowId, run.runId, 'needs_attention')), ...stuck.filter((x): x is AttentionItem => x !== undefined)],
    scanned: waiting.length + running.length,
  };
}
