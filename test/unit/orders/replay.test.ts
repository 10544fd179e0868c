// Every recorded path of the order saga (test/histories, written by `npm run histories:record`)
// replays against today's workflow code, so a change that would break orders already in flight
// fails here. Each version keeps its histories: v1 at the top of test/histories/ (orders started
// before the first patch), v2 to v7 in test/histories/v2/ … v7/ (workflows/order-patches.ts). The guard is
// proven to bite: a reordered workflow, and the v2 change without its patched() guard, must not replay.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORDER_PATCHES } from '../../../workflows/order-patches';
import { withWorkflowStandIn } from '../../../dev/temporal/workflow-stand-in';
import { workflowBundleOptions, workflowsPath } from '../../../worker/workflow-source';
import { historiesDir, loadHistories } from '../../support/histories';
import { testDataConverter } from '../../support/payload-keys';
import { quietRuntime } from '../../support/quiet-runtime';

const V1_PATHS = [
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
/** v2 re-confirms a cleared bank transfer with the payments service, so it has one path more. */
const V2_PATHS = [...V1_PATHS, 'bank-transfer-notice-contradicted'].sort();

/** v4 (the money-safe saga) adds the path of a forged notice. */
const V4_PATHS = [...V2_PATHS, 'bank-transfer-notice-forged'].sort();

const VERSIONS = {
  v1: loadHistories(),
  v2: loadHistories(join(historiesDir, 'v2')),
  /** v3 upserts the OrderStatus search attribute as the order advances (started with Baton's attributes). */
  v3: loadHistories(join(historiesDir, 'v3')),
  /** v4: the payments record decides, attempts heartbeat, a cancelled step is waited for, failures are encoded. */
  v4: loadHistories(join(historiesDir, 'v4')),
  /** v5: the OrderStatus search attribute changes only to the statuses a person searches by. */
  v5: loadHistories(join(historiesDir, 'v5')),
  /** v6: the payment's record is read while the stock is reserved, not after. */
  v6: loadHistories(join(historiesDir, 'v6')),
  /** v7: v4 to v6 taken under one patch marker. */
  v7: loadHistories(join(historiesDir, 'v7')),
};
type Version = keyof typeof VERSIONS;
const history = (version: Version, path: string) => {
  const found = VERSIONS[version].find((h) => h.workflowId === path);
  if (!found) throw new Error(`no ${version} history ${path}`);
  return found.history;
};

const logger = new DefaultLogger('ERROR');
/** The real order workflow, bundled with every patched() answering yes and recording nothing. */
/** The order workflow bundled against a test fixture standing in for @temporalio/workflow. */
const aliasWorkflowTo = (fixture: string) => withWorkflowStandIn(fileURLToPath(new URL(fixture, import.meta.url)));
const unguarded = aliasWorkflowTo('../../fixtures/unguarded-patches.ts');

let currentBundle: ReturnType<typeof bundleWorkflowCode> | undefined;
/** Today's workflow code, bundled once for every version's replay. */
const current = () => (currentBundle ??= bundleWorkflowCode(workflowBundleOptions(logger)));

beforeAll(quietRuntime);

describe('recorded order histories', () => {
  it('cover every path of the saga, in each version', () => {
    expect(VERSIONS.v1.map((h) => h.workflowId)).toEqual(V1_PATHS);
    expect(VERSIONS.v2.map((h) => h.workflowId)).toEqual(V2_PATHS);
    expect(VERSIONS.v3.map((h) => h.workflowId)).toEqual(V2_PATHS);
    expect(VERSIONS.v4.map((h) => h.workflowId)).toEqual(V4_PATHS);
    expect(VERSIONS.v5.map((h) => h.workflowId)).toEqual(V4_PATHS);
    expect(VERSIONS.v6.map((h) => h.workflowId)).toEqual(V4_PATHS);
    expect(VERSIONS.v7.map((h) => h.workflowId)).toEqual(V4_PATHS);
  });

  it("each version's histories carry the patch markers and show the changes of their version, v1 histories none", () => {
    const events = (version: Version, path: string) => history(version, path).events ?? [];
    /** The IDs of the patches the run took (a core_patch marker's payload is `{ id, deprecated }`). */
    const patches = (version: Version, path: string) =>
      events(version, path).flatMap((e) => {
        const marker = e.markerRecordedEventAttributes;
        const data = marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0]?.data : undefined;
        return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
      });
    const activities = (version: Version, path: string) =>
      events(version, path).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);

    expect(patches('v2', 'bank-transfer-cleared')).toEqual([ORDER_PATCHES.reconfirmClearance]);
    expect(patches('v2', 'card-completed')).toEqual([]);
    expect(activities('v2', 'bank-transfer-cleared')).toEqual(['authorizePayment', 'getPayment', 'reserveInventory', 'createShipment']);
    expect(activities('v1', 'bank-transfer-cleared')).toEqual(['authorizePayment', 'reserveInventory', 'createShipment']);
    expect(activities('v2', 'bank-transfer-notice-contradicted')).toEqual(['authorizePayment', 'getPayment', 'refundPayment']);
    for (const path of V1_PATHS) expect(patches('v1', path), path).toEqual([]);

    // v3: every order records the search-attribute patch and upserts its status as it goes.
    const upserts = (version: Version, path: string) =>
      events(version, path).filter((e) => 'OrderStatus' in (e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {})).length;
    expect(patches('v3', 'card-completed')).toEqual([ORDER_PATCHES.searchAttributes]);
    expect(patches('v3', 'bank-transfer-cleared')).toEqual([ORDER_PATCHES.searchAttributes, ORDER_PATCHES.reconfirmClearance]);
    expect(upserts('v3', 'card-completed')).toBeGreaterThan(0);
    for (const path of V2_PATHS) expect(upserts('v2', path), path).toBe(0);

    // v4: every order takes the money-safe patch; the payment's record is read before anything ships;
    // a forged notice made the order look at the record, not go on; a cancelled reservation was waited for.
    expect(patches('v4', 'card-completed')).toEqual([ORDER_PATCHES.moneySafe, ORDER_PATCHES.searchAttributes]);
    expect(activities('v4', 'card-completed')).toEqual(['authorizePayment', 'reserveInventory', 'getPayment', 'createShipment']);
    expect(activities('v4', 'bank-transfer-notice-forged')).toEqual([
      'authorizePayment',
      'getPayment',
      'getPayment',
      'reserveInventory',
      'getPayment',
      'createShipment',
    ]);
    const cancelled = events('v4', 'cancelled-while-reserving');
    const cancelAt = cancelled.findIndex((e) => e.activityTaskCancelRequestedEventAttributes);
    const reserveEnd = cancelled.findIndex((e) => e.activityTaskCompletedEventAttributes || e.activityTaskCanceledEventAttributes);
    expect(
      cancelled
        .slice(
          cancelAt,
          cancelled.findIndex((e, i) => i > cancelAt && (e.activityTaskCompletedEventAttributes || e.activityTaskCanceledEventAttributes)),
        )
        .filter((e) => e.activityTaskScheduledEventAttributes),
    ).toEqual([]);
    expect(reserveEnd).toBeGreaterThan(0);

    // v5: the same calls as v4; the status is upserted only where a person searches for it.
    const statuses = (version: Version, path: string) =>
      events(version, path).flatMap((e) => {
        const data = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.OrderStatus?.data;
        return data ? [JSON.parse(Buffer.from(data).toString('utf8')) as string] : [];
      });
    expect(patches('v5', 'card-completed')).toEqual([ORDER_PATCHES.searchableStatus, ORDER_PATCHES.moneySafe]);
    expect(activities('v5', 'card-completed')).toEqual(activities('v4', 'card-completed'));
    expect(statuses('v4', 'card-completed')).toEqual(['awaiting_payment', 'reserving', 'shipping', 'completed']);
    expect(statuses('v5', 'card-completed')).toEqual(['completed']);
    expect(statuses('v5', 'bank-transfer-cleared')).toEqual(['awaiting_payment', 'received', 'completed']);
    expect(statuses('v5', 'needs-attention-retry')).toEqual(['compensating', 'needs_attention', 'compensating', 'failed']);

    // v6: the same four calls; the record is asked in the workflow task that reserves the stock, so both run at once.
    const scheduledBy = (version: Version, path: string) =>
      events(version, path).flatMap((e) => {
        const attrs = e.activityTaskScheduledEventAttributes;
        return attrs ? [`${attrs.activityType?.name ?? ''}@${String(attrs.workflowTaskCompletedEventId)}`] : [];
      });
    expect(patches('v6', 'card-completed')).toEqual([ORDER_PATCHES.searchableStatus, ORDER_PATCHES.moneySafe, ORDER_PATCHES.checkBesideReservation]);
    expect(activities('v6', 'card-completed').sort()).toEqual(activities('v5', 'card-completed').sort());
    const [, reserve, check] = scheduledBy('v6', 'card-completed');
    expect([reserve?.split('@')[0], check?.split('@')[0]]).toEqual(['reserveInventory', 'getPayment']);
    expect(reserve?.split('@')[1]).toBe(check?.split('@')[1]);
    const [, reserveV5, checkV5] = scheduledBy('v5', 'card-completed');
    expect(reserveV5?.split('@')[1]).not.toBe(checkV5?.split('@')[1]);

    // v7: the same order under one marker (and one TemporalChangeVersion upsert) instead of three.
    const markers = (version: Version, path: string) => events(version, path).filter((e) => e.markerRecordedEventAttributes).length;
    const allUpserts = (version: Version, path: string) => events(version, path).filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length;
    for (const path of V4_PATHS) {
      expect(patches('v7', path), path).toEqual([ORDER_PATCHES.v4ToV6]);
      expect(activities('v7', path), path).toEqual(activities('v6', path));
      expect(statuses('v7', path), path).toEqual(statuses('v6', path));
    }
    expect([markers('v6', 'card-completed'), allUpserts('v6', 'card-completed')]).toEqual([3, 4]);
    expect([markers('v7', 'card-completed'), allUpserts('v7', 'card-completed')]).toEqual([1, 2]);
  });

  it.each(Object.keys(VERSIONS) as Version[])(
    'all %s histories replay against the current workflow code',
    async (version) => {
      const workflowBundle = await current();
      const failures: string[] = [];
      // With the production data converter (payload encryption): histories recorded in plaintext pass through it.
      const options = { workflowBundle, replayName: `orders-${version}`, dataConverter: testDataConverter() };
      for await (const result of Worker.runReplayHistories(options, VERSIONS[version])) {
        if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
      }
      expect(failures).toEqual([]);
    },
    60_000,
  );

  it('refuse to replay against a workflow whose steps were reordered', async () => {
    const reordered = fileURLToPath(new URL('./fixtures/reordered-workflows.ts', import.meta.url));
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: reordered, logger });
    await expect(Worker.runReplayHistory({ workflowBundle, replayName: 'orders-reordered' }, history('v1', 'card-completed'))).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  }, 60_000);

  it('refuse older histories once the v2, v4, v5 and v6 changes lose their patched() guards', async () => {
    const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger, webpackConfigHook: unguarded });
    // Paths the changes do not touch still replay: the failures below are the changes', not the bundle's.
    await Worker.runReplayHistory({ workflowBundle, replayName: 'orders-unguarded' }, history('v1', 'payment-declined'));
    const replay = Worker.runReplayHistory({ workflowBundle, replayName: 'orders-unguarded' }, history('v1', 'bank-transfer-cleared'));
    await expect(replay).rejects.toBeInstanceOf(DeterminismViolationError);
    await expect(replay).rejects.toThrow(/getPayment|reserveInventory|[Nn]ondetermini/);
    // v4 reads the payment's record before shipping: a v3 card order never did.
    const v3Card = Worker.runReplayHistory({ workflowBundle, replayName: 'orders-unguarded' }, history('v3', 'card-completed'));
    // (With v6 unguarded too, that read comes beside the reservation, where the v3 order upserted its status.)
    await expect(v3Card).rejects.toBeInstanceOf(DeterminismViolationError);
    await expect(v3Card).rejects.toThrow(/UpsertWorkflowSearchAttributes|getPayment/);
    // v5 upserts the status only where a person searches for it: a v4 card order upserted it at every step.
    const v4Card = Worker.runReplayHistory({ workflowBundle, replayName: 'orders-unguarded' }, history('v4', 'card-completed'));
    await expect(v4Card).rejects.toBeInstanceOf(DeterminismViolationError);
    // v6 asks for the record beside the reservation: a v5 card order asked after it.
    const v5Card = Worker.runReplayHistory({ workflowBundle, replayName: 'orders-unguarded' }, history('v5', 'card-completed'));
    await expect(v5Card).rejects.toBeInstanceOf(DeterminismViolationError);
  }, 60_000);

  it('refuse every older card order once v7 loses its patched() guard, even a v6 one that made the same calls', async () => {
    const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger, webpackConfigHook: aliasWorkflowTo('../../fixtures/unguarded-v7.ts') });
    // Unaffected paths replay: the failures below are the unguarded patch's, not the bundle's.
    await Worker.runReplayHistory({ workflowBundle, replayName: 'orders-unguarded-v7' }, history('v1', 'payment-declined'));
    // v1 to v5 orders made other calls; a v6 order made the same ones but recorded three markers that v7, taken unasked, never asks for.
    for (const version of ['v1', 'v3', 'v4', 'v5', 'v6'] as const) {
      const replay = Worker.runReplayHistory({ workflowBundle, replayName: 'orders-unguarded-v7' }, history(version, 'card-completed'));
      await expect(replay, version).rejects.toBeInstanceOf(DeterminismViolationError);
    }
  }, 60_000);
});
