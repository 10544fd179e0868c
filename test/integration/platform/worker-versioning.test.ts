// Pinned orders across a deploy (docs/versioning.md): two builds of the worker, as child processes, on
// one dev server. An order waiting for clearance on build A finishes on A after B became current (with
// the CLI command the rollout guide gives), new orders run on B, and an A replica that restarts does not
// take new orders back.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderWorkflow, type OrderRequest } from '../../../contracts';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { resolveTemporalCli } from '../../../dev/temporal/temporal-binaries';
import { setCurrentCommand } from '../../../worker/deployment';
import { startTestApi, uniqueTaskQueue, type TestApi } from '../../support/api';
import { untilOrder, place, startWorkerProcess } from '../../support/chaos';
import { FAST_TIMINGS, orderRequest, settlePayment } from '../../support/orders';
import type { ChildHandle } from '../../support/processes';

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');
const taskQueue = uniqueTaskQueue('versioning');
// Its own deployment, so no other test file's workers (deployment `baton`) take part.
const deploymentName = `baton-versioning-${randomUUID().slice(0, 8)}`;
const BUILD_A = 'build-a';
const BUILD_B = 'build-b';

let services: RunningSampleServices;
let api: TestApi;
const workers: ChildHandle[] = [];

async function startBuild(buildId: string, env: Record<string, string> = {}): Promise<ChildHandle> {
  const worker = await startWorkerProcess(
    { address, namespace, taskQueue, serviceUrls: services.urls },
    { BATON_DEPLOYMENT_NAME: deploymentName, BATON_BUILD_ID: buildId, ...env },
  );
  workers.push(worker);
  return worker;
}

const handle = (order: OrderRequest) => api.client.workflow.getHandle(orderWorkflow.workflowId(order.orderId));

/** The build a run is pinned to, as `temporal workflow describe` shows it. */
async function pinnedBuild(order: OrderRequest): Promise<{ behavior: string; buildId: string | null | undefined }> {
  const { raw } = await handle(order).describe();
  const info = raw.workflowExecutionInfo?.versioningInfo;
  const behavior = (temporal.api.enums.v1.VersioningBehavior[info?.behavior ?? 0] ?? 'unknown').replace('VERSIONING_BEHAVIOR_', '');
  return { behavior, buildId: info?.deploymentVersion?.buildId };
}

/** The identities of the workers that ran the run's activities after `afterEventId`. */
async function activityWorkers(order: OrderRequest, afterEventId: number): Promise<string[]> {
  const { events } = await handle(order).fetchHistory();
  return (events ?? [])
    .filter((e) => Number(e.eventId) > afterEventId && e.activityTaskStartedEventAttributes)
    .map((e) => e.activityTaskStartedEventAttributes!.identity ?? '');
}

async function currentBuild(): Promise<string | null | undefined> {
  const { workerDeploymentInfo } = await api.client.workflowService.describeWorkerDeployment({ namespace, deploymentName });
  return workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId;
}

beforeAll(async () => {
  services = await startSampleServices({ settleOutcome: 'never' });
  api = await startTestApi({ address, namespace, taskQueue, config: { orderTimings: FAST_TIMINGS, paymentClearanceTimeout: '10 minutes' } });
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await api?.stopAll();
  await services?.close();
});

describe('Worker Versioning: pinned orders', () => {
  it('finishes an order on the build it started on, after a new build became current, and runs new orders on the new build', async () => {
    // The first build of a deployment makes itself current (BATON_PROMOTE_BUILD=auto).
    const a = await startBuild(BUILD_A);
    await a.waitFor(/build build-a is the current version/, 60_000);

    const transfer = orderRequest({ paymentMethod: 'bank_transfer' });
    await place(api.call, transfer);
    const waiting = await untilOrder(
      api.call,
      transfer.orderId,
      (s) => s.status === 'awaiting_payment' && s.paymentId !== undefined && s.steps.some((step) => step.name === 'awaitPaymentClearance'),
      'to wait for clearance',
    );
    expect(await pinnedBuild(transfer)).toEqual({ behavior: 'PINNED', buildId: BUILD_A });

    // Build B arrives the way a careful rollout brings it: running, but not current until an operator says so.
    const b = await startBuild(BUILD_B, { BATON_PROMOTE_BUILD: 'never' });
    await b.waitFor(/build build-b is not current \(current: build-a\)/, 60_000);
    expect(await currentBuild()).toBe(BUILD_A);
    const { events: before } = await handle(transfer).fetchHistory();
    const lastEventBefore = Number(before?.at(-1)?.eventId ?? 0);

    const cli = resolveTemporalCli().executable;
    if (cli.type !== 'existing-path') throw new Error('the Temporal CLI is needed (npm run setup installs it)');
    const command = setCurrentCommand(namespace, { deploymentName, buildId: BUILD_B }).split(' ').slice(1);
    await promisify(execFile)(cli.path, [...command, '--address', address, '--yes'], { timeout: 30_000 });
    expect(await currentBuild()).toBe(BUILD_B);

    // A new order goes to B ...
    const card = orderRequest();
    await place(api.call, card);
    await untilOrder(api.call, card.orderId, (s) => s.status === 'completed', 'completed');
    expect(await pinnedBuild(card)).toEqual({ behavior: 'PINNED', buildId: BUILD_B });

    // ... and the waiting one, once cleared, finishes on A: every step after the switch ran in A's process.
    await settlePayment(services.urls.payments, waiting.paymentId!, 'cleared');
    const done = await untilOrder(api.call, transfer.orderId, (s) => s.status === 'completed', 'completed');
    expect(done.steps.map((s) => s.name)).toContain('createShipment');
    expect(await pinnedBuild(transfer)).toEqual({ behavior: 'PINNED', buildId: BUILD_A });
    const ranOn = await activityWorkers(transfer, lastEventBefore);
    expect(ranOn.length).toBeGreaterThanOrEqual(2);
    expect(ranOn.filter((identity) => !identity.startsWith(`${a.child.pid}@`))).toEqual([]);
  }, 180_000);

  it('does not hand new orders back to an older build that restarts', async () => {
    const again = await startBuild(BUILD_A);
    await again.waitFor(/build build-a is not current \(current: build-b\)/, 60_000);
    expect(await currentBuild()).toBe(BUILD_B);
  }, 90_000);
});
