// Runs a person can read in the Web UI: orders placed through the API on the dev server carry a
// summary and details from the start, current details that follow the order, and a summary on each
// call and timer. Read as the Web UI and the CLI read them: from describe(), the metadata query, the
// history's events, and `temporal workflow describe` decoding through Baton's codec endpoint.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { temporal } from '@temporalio/proto';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderDetails, orderSummary, orderWorkflow, type OrderRequest, type OrderState } from '../../../contracts';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { resolveTemporalCli } from '../../../dev/temporal/temporal-binaries';
import { EncryptionCodec } from '../../../lib/payload-codec';
import { storedFairnessKey } from '../../../api/workflows/workflow-runs';
import { orderProgress } from '../../../workflows/order-progress';
import { startTestApi, TEST_TOKEN, uniqueTaskQueue, type TestApi } from '../../support/api';
import { untilOrder, place, plannedOrder, readOrder, startWorkerProcess } from '../../support/chaos';
import { FAST_TIMINGS } from '../../support/orders';
import { testPayloadKeys } from '../../support/payload-keys';
import type { ChildHandle } from '../../support/processes';

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');
const taskQueue = uniqueTaskQueue('run-metadata');
const CLEARANCE = '10 minutes';

let services: RunningSampleServices;
let worker: ChildHandle;
let api: TestApi;

const card = plannedOrder('ui', 0, 'completes').request;
const declined = plannedOrder('ui', 1, 'declined').request;
const transfer = plannedOrder('ui', 2, 'bank_transfer_cleared').request;
const finals = new Map<string, OrderState>();

const handle = (order: OrderRequest) => api.client.workflow.getHandle(orderWorkflow.workflowId(order.orderId));

/** The summaries on the history's events of one kind, decoded as the Web UI does (through the codec). */
async function summaries(order: OrderRequest, pick: (e: temporal.api.history.v1.IHistoryEvent) => boolean): Promise<string[]> {
  const codec = new EncryptionCodec(testPayloadKeys());
  const { events } = await handle(order).fetchHistory();
  const out: string[] = [];
  for (const event of (events ?? []).filter(pick)) {
    const payload = event.userMetadata?.summary;
    if (!payload) throw new Error(`event ${String(event.eventId)} has no summary`);
    const [decoded] = await codec.decode([payload]);
    out.push(defaultPayloadConverter.fromPayload<string>(decoded!));
  }
  return out;
}
const scheduled = (e: temporal.api.history.v1.IHistoryEvent) => e.activityTaskScheduledEventAttributes != null;

beforeAll(async () => {
  services = await startSampleServices({ settleOutcome: 'never' });
  worker = await startWorkerProcess({ address, namespace, taskQueue, serviceUrls: services.urls });
  api = await startTestApi({ address, namespace, taskQueue, config: { orderTimings: FAST_TIMINGS, paymentClearanceTimeout: CLEARANCE } });
  for (const order of [card, declined, transfer]) await place(api.call, order);
  finals.set(card.orderId, await untilOrder(api.call, card.orderId, (s) => s.status === 'completed'));
  finals.set(declined.orderId, await untilOrder(api.call, declined.orderId, (s) => s.status === 'failed'));
  await untilOrder(api.call, transfer.orderId, (s) => s.status === 'awaiting_payment' && s.steps.some((step) => step.name === 'awaitPaymentClearance'));
}, 180_000);

afterAll(async () => {
  await handle(transfer)
    .terminate('test over')
    .catch(() => undefined);
  await api?.stopAll();
  await worker?.stop();
  await services?.close();
});

describe('orders in the Web UI', () => {
  it('carry a summary and details from the start', async () => {
    for (const order of [card, declined, transfer]) {
      const run = await handle(order).describe();
      expect(await run.staticSummary()).toBe(orderSummary(order));
      expect(await run.staticDetails()).toBe(orderDetails(order));
      // Fair dispatch by customer (docs/operations.md), keyed by a digest of the customer ID: the Web UI shows it as "Fairness".
      expect(run.raw.workflowExecutionInfo?.priority?.fairnessKey).toBe(storedFairnessKey(order.customerId));
    }
    expect(orderSummary(card)).toBe(`Order ${card.orderId}: 19.99 EUR by card for ${card.customerId}`);
  });

  it('show where the order stands, step by step, in the current details', async () => {
    const current = async (order: OrderRequest) => (await handle(order).query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails;
    expect(await current(card)).toBe(orderProgress(finals.get(card.orderId)!));
    expect(await current(declined)).toBe(orderProgress(finals.get(declined.orderId)!));
    expect(await current(declined)).toContain('**Stopped at** authorizePayment: payment_declined');
    expect(await current(transfer)).toMatch(/^\*\*Status\*\* awaiting_payment[\s\S]*\| awaitPaymentClearance \| running \|/);
  });

  it('name each call and timer for what it does', async () => {
    const { paymentId } = finals.get(card.orderId)!;
    expect(await summaries(card, scheduled)).toEqual([
      'authorize 19.99 EUR by card',
      'reserve 1 × SKU-CHAOS',
      `check that payment ${paymentId} stands`,
      'ship 1 × SKU-CHAOS to Berlin, DE',
    ]);
    expect(await summaries(declined, scheduled)).toEqual(['authorize 19.99 EUR by card']);
    const waiting = await readOrder(api.call, transfer.orderId);
    expect(await summaries(transfer, (e) => e.timerStartedEventAttributes != null)).toEqual([
      `wait for payment ${waiting!.paymentId} to clear, up to ${CLEARANCE}`,
    ]);
  });

  it('read the same through `temporal workflow describe` with Baton’s codec endpoint', async () => {
    const cli = resolveTemporalCli().executable;
    if (cli.type !== 'existing-path') throw new Error('the Temporal CLI is not installed (npm run setup)');
    const { stdout } = await promisify(execFile)(cli.path, [
      'workflow',
      'describe',
      '--workflow-id',
      orderWorkflow.workflowId(card.orderId),
      '--address',
      address,
      '--namespace',
      namespace,
      '--codec-endpoint',
      `${api.url}/codec`,
      '--codec-auth',
      `Bearer ${TEST_TOKEN}`,
    ]);
    expect(stdout).toContain(orderSummary(card));
  });
});
