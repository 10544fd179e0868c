// Reads an order's state from Temporal: the state query while the workflow runs, its result once
// it has closed (the result is the final OrderState, so no worker is needed to answer).
import type { Client, WorkflowHandle } from '@temporalio/client';
import { orderQueries, orderWorkflow, type OrderState, type OrderStatus, type OrderWorkflow, type StepName } from '../../contracts';
import { problemFromTemporal } from '../http/temporal-errors';

export interface OrderView {
  workflowId: string;
  runId: string;
  /** The workflow is still open: the order can still be cancelled or resolved. */
  open: boolean;
  state: OrderState;
  /** Events in the run's history so far: grows with every change, so it orders the states a client has seen. */
  version: number;
}

const bare = (orderId: string, status: OrderStatus): OrderState => ({ orderId, status, steps: [], compensations: [] });

/** A workflow that closed without returning a state (terminated by hand, timed out): the order failed. */
async function lastKnownState(handle: WorkflowHandle<OrderWorkflow>, orderId: string): Promise<OrderState> {
  try {
    return { ...(await handle.query(orderQueries.state)), status: 'failed' };
  } catch {
    return bare(orderId, 'failed');
  }
}

async function runningState(handle: WorkflowHandle<OrderWorkflow>, orderId: string): Promise<OrderState> {
  try {
    return await handle.query(orderQueries.state);
  } catch (err) {
    // Temporal unreachable is the client's problem to see; anything else means the workflow has not
    // run its first task yet (no worker picked it up), which is an order just received.
    if (problemFromTemporal(err)?.status === 503) throw err;
    return bare(orderId, 'received');
  }
}

/** The state of an order whose workflow is running (a run no worker has picked up yet is just received). */
export function readRunningOrder(client: Client, orderId: string): Promise<OrderState> {
  return runningState(client.workflow.getHandle<OrderWorkflow>(orderWorkflow.workflowId(orderId)), orderId);
}

/** The step the order is in: the one running, or the last one it ran (the steps run one after another); none before the first. */
export const currentStep = (state: OrderState): StepName | undefined => state.steps.at(-1)?.name;

/** Throws WorkflowNotFoundError (rendered 404) when there is no such order. */
export async function readOrder(client: Client, orderId: string): Promise<OrderView> {
  const workflowId = orderWorkflow.workflowId(orderId);
  const handle = client.workflow.getHandle<OrderWorkflow>(workflowId);
  const description = await handle.describe();
  const open = description.status.name === 'RUNNING';
  let state: OrderState;
  if (open) state = await runningState(handle, orderId);
  else if (description.status.name === 'COMPLETED') state = await handle.result();
  else state = await lastKnownState(handle, orderId);
  return { workflowId, runId: description.runId, open, state, version: description.historyLength };
}
