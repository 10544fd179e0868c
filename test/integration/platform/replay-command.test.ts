// `npm run replay`, as an operator runs it before a deploy: real orders run on the dev server (one
// completed, one declined, one still waiting for a bank transfer), then the command, as a child process,
// fetches their histories and replays them. Against today's workflows they replay (exit 0); against a
// bundle whose steps were reordered they do not (exit 1, each run named with the command that differs).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderWorkflow } from '../../../contracts';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { failureConverterPath } from '../../../lib/payload-codec';
import { startTestApi, uniqueTaskQueue, type TestApi } from '../../support/api';
import { place, plannedOrder, readOrder, sleep } from '../../support/chaos';
import { FAST_TIMINGS } from '../../support/orders';
import { type ChildHandle, exitCode, startChild, startWorkerChild, WORKER_READY } from '../../support/processes';

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');
const taskQueue = uniqueTaskQueue('replay');

const orders = [plannedOrder('replay', 0, 'completes'), plannedOrder('replay', 1, 'declined'), plannedOrder('replay', 2, 'bank_transfer_cleared')];
const [completes, declined, waiting] = orders.map((o) => o.request);

let services: RunningSampleServices;
let worker: ChildHandle | undefined;
let api: TestApi;
let dir: string;
const bundlePath = inject('workflowBundle');
const temporalEnv = { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, TEMPORAL_TASK_QUEUE: taskQueue };

/** `npm run replay -- ...args`: resolves with its exit code and what it printed. */
async function replay(...args: string[]): Promise<{ code: number | null; output: string }> {
  const child = startChild('worker/replay.ts', temporalEnv, { args });
  return { code: await exitCode(child, 120_000), output: child.output() };
}

beforeAll(async () => {
  // Payments are never settled: the bank transfer stays open, waiting for clearance.
  services = await startSampleServices({ settleOutcome: 'never' });
  dir = await mkdtemp(join(tmpdir(), 'baton-replay-'));
  worker = startWorkerChild({ address, namespace, taskQueue }, services.urls);
  api = await startTestApi({ address, namespace, taskQueue, config: { orderTimings: FAST_TIMINGS, paymentClearanceTimeout: '10 minutes' } });
  await worker.waitFor(WORKER_READY, 90_000);
  for (const order of orders) await place(api.call, order.request);
  const settled = async (orderId: string, done: (status: string) => boolean) => {
    for (let i = 0; i < 300; i++) {
      const state = await readOrder(api.call, orderId);
      if (state && done(state.status)) return;
      await sleep(100);
    }
    throw new Error(`order ${orderId} never got there`);
  };
  await settled(completes!.orderId, (s) => s === 'completed');
  await settled(declined!.orderId, (s) => s === 'failed');
  await settled(waiting!.orderId, (s) => s === 'awaiting_payment');
  // Replaying needs no worker.
  await worker.stop();
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  // The bank transfer would wait for its clearance for another 10 minutes.
  if (waiting)
    await api?.client.workflow
      .getHandle(orderWorkflow.workflowId(waiting.orderId))
      .terminate('test over')
      .catch(() => undefined);
  await api?.stopAll();
  await services?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm run replay', () => {
  it('replays what the cluster ran against the bundle about to be deployed, and exits 0', async () => {
    const { code, output } = await replay('--task-queue', taskQueue, '--since', '1h', '--bundle', bundlePath);
    expect(output).toContain('order: 3 run(s)');
    expect(output).toContain('replay: 3 run(s) replay against this bundle');
    expect(code).toBe(0);
  });

  it('exits 1 on a bundle that would break them, naming each run and the command that differs', async () => {
    const broken = join(dir, 'reordered-bundle.js');
    const reordered = fileURLToPath(new URL('../../unit/orders/fixtures/reordered-workflows.ts', import.meta.url));
    await writeFile(broken, (await bundleWorkflowCode({ workflowsPath: reordered, failureConverterPath, logger: new DefaultLogger('ERROR') })).code);

    const { code, output } = await replay('--task-queue', taskQueue, '--type', 'order', '--bundle', broken);
    for (const order of [completes, declined, waiting]) {
      expect(output).toMatch(
        new RegExp(`BROKEN order ${orderWorkflow.workflowId(order!.orderId)} \\(run [\\w-]+\\): DeterminismViolationError: .*[Nn]ondeterminism`),
      );
    }
    expect(output).toContain('replay: 3 of 3 run(s) do not replay against this bundle');
    expect(code).toBe(1);
  });

  it('refuses arguments it does not understand, saying which', async () => {
    const { code, output } = await replay('--since', 'yesterday');
    expect(output).toContain('--since yesterday: not a positive duration');
    expect(code).toBe(2);
  });
});
