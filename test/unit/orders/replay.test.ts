// Every recorded path of the order saga (test/histories, written by `npm run histories:record`)
// replays against today's workflow code, so a change that would break orders already in flight
// fails here. The guard is proven to bite: a reordered workflow must not replay.
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowsPath } from '../../../worker/workflow-source';
import { loadHistories } from '../../support/histories';
import { quietRuntime } from '../../support/quiet-runtime';

const PATHS = [
  'address-rejected',
  'bank-transfer-cleared',
  'bank-transfer-failed',
  'bank-transfer-never-cleared',
  'cancelled-awaiting-clearance',
  'cancelled-while-reserving',
  'card-completed',
  'lost-responses-commit-then-fail',
  'lost-responses-hang',
  'needs-attention-abandon',
  'needs-attention-retry',
  'out-of-stock',
  'payment-declined',
  'shipping-down',
];

const histories = loadHistories();

beforeAll(quietRuntime);

describe('recorded order histories', () => {
  it('cover every path of the saga', () => {
    expect(histories.map((h) => h.workflowId)).toEqual(PATHS);
  });

  it('all replay against the current workflow code', async () => {
    const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle, replayName: 'orders' }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('refuse to replay against a workflow whose steps were reordered', async () => {
    const card = histories.find((h) => h.workflowId === 'card-completed');
    const reordered = fileURLToPath(new URL('./fixtures/reordered-workflows.ts', import.meta.url));
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: reordered, logger: new DefaultLogger('ERROR') });
    await expect(Worker.runReplayHistory({ workflowBundle, replayName: 'orders-reordered' }, card?.history)).rejects.toBeInstanceOf(DeterminismViolationError);
  }, 60_000);
});
