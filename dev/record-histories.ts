// `npm run histories:record`: runs every path of the order saga against a real Temporal dev server,
// the real worker code and the sample services, and writes each run's event history to
// test/histories/<version>/<path>.json. The replay test replays every version's files on every run,
// so a change to the workflow that would break orders already in flight fails the tests instead of
// production. Only the current version's directory is rewritten: older versions' histories (v1 at
// the top of test/histories/) are what orders in flight look like and stay as they were recorded.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createDownstreamClient } from '../activities/http-client';
import { orderSignals, orderWorkflow, type OrderInput, type OrderState, type OrderStatus, type OrderWorkflow } from '../contracts';
import { BATON_SEARCH_ATTRIBUTES, orderSearchAttributes } from '../contracts/search-attributes';
import { startDevServer } from './temporal/dev-server';
import { startSampleServices, type RunningSampleServices } from './services';
import { historiesDir, historyToJSON } from '../test/support/histories';
import { clearFaults, orderInput, queryUntil, setFaults, settlePayment } from '../test/support/orders';
import { quietRuntime } from '../test/support/quiet-runtime';
import { workflowSource } from '../worker/workflow-source';

/** The order workflow's current version (workflows/order-patches.ts): bump it with each new patch. */
const CURRENT_VERSION = 'v7';
const outDir = join(historiesDir, CURRENT_VERSION);
const taskQueue = 'record-histories';

interface Scenario {
  name: string;
  input?: Partial<OrderInput>;
  /** Faults set before the order starts (cleared after). */
  setup?: (services: RunningSampleServices) => Promise<void>;
  /** What happens to the running order from outside. */
  drive?: (handle: WorkflowHandle<OrderWorkflow>, services: RunningSampleServices) => Promise<void>;
  expect: OrderStatus;
}

const awaitingClearance = (s: OrderState) => s.status === 'awaiting_payment' && s.steps.some((step) => step.name === 'awaitPaymentClearance');
async function onAllEffectServices(services: RunningSampleServices, faults: Parameters<typeof setFaults>[1]): Promise<void> {
  await Promise.all([services.urls.payments, services.urls.inventory, services.urls.shipping].map((url) => setFaults(url, faults)));
}
const refundsFail = (services: RunningSampleServices) => setFaults(services.urls.payments, { failNext: 1000, match: '/payments/pay_' });

async function resolveWhenStuck(handle: WorkflowHandle<OrderWorkflow>, services: RunningSampleServices, action: 'retry' | 'abandon') {
  await queryUntil(handle, (s) => s.status === 'needs_attention');
  if (action === 'retry') await clearFaults(services.urls);
  await handle.signal(orderSignals.resolve, { action });
}

async function settle(handle: WorkflowHandle<OrderWorkflow>, services: RunningSampleServices, status: 'cleared' | 'failed') {
  const { orderId, paymentId } = await queryUntil(handle, awaitingClearance);
  await settlePayment(services.urls.payments, paymentId!, status);
  await handle.signal(orderSignals.paymentEvent, { orderId, paymentId: paymentId!, status });
}

const scenarios: Scenario[] = [
  { name: 'card-completed', expect: 'completed' },
  { name: 'bank-transfer-cleared', input: { paymentMethod: 'bank_transfer' }, drive: (h, s) => settle(h, s, 'cleared'), expect: 'completed' },
  { name: 'bank-transfer-failed', input: { paymentMethod: 'bank_transfer' }, drive: (h, s) => settle(h, s, 'failed'), expect: 'failed' },
  {
    // v2: the callback says cleared, the payments service's own record says failed; the record wins.
    name: 'bank-transfer-notice-contradicted',
    input: { paymentMethod: 'bank_transfer' },
    drive: async (h, s) => {
      const { orderId, paymentId } = await queryUntil(h, awaitingClearance);
      await settlePayment(s.urls.payments, paymentId!, 'failed');
      await h.signal(orderSignals.paymentEvent, { orderId, paymentId: paymentId!, status: 'cleared' });
    },
    expect: 'failed',
  },
  {
    // v4: a signed "cleared" notice while the record says pending only makes the order look; it goes on once the record clears.
    name: 'bank-transfer-notice-forged',
    input: { paymentMethod: 'bank_transfer' },
    drive: async (h, s) => {
      const { orderId, paymentId } = await queryUntil(h, awaitingClearance);
      await h.signal(orderSignals.paymentEvent, { orderId, paymentId: paymentId!, status: 'cleared' });
      await new Promise((r) => setTimeout(r, 500));
      await settle(h, s, 'cleared');
    },
    expect: 'completed',
  },
  { name: 'bank-transfer-never-cleared', input: { paymentMethod: 'bank_transfer', paymentClearanceTimeout: '1 second' }, expect: 'failed' },
  { name: 'payment-declined', input: { customerId: 'declined-1' }, expect: 'failed' },
  { name: 'out-of-stock', input: { items: [{ sku: 'OOS-1', quantity: 1 }] }, expect: 'failed' },
  {
    name: 'address-rejected',
    input: { shippingAddress: { line1: '1 Main St', city: 'Pyongyang', postalCode: '00000', country: 'KP' } },
    expect: 'failed',
  },
  { name: 'shipping-down', setup: (s) => setFaults(s.urls.shipping, { failNext: 1000 }), expect: 'failed' },
  { name: 'lost-responses-commit-then-fail', setup: (s) => onAllEffectServices(s, { commitThenFail: 1 }), expect: 'completed' },
  { name: 'lost-responses-hang', setup: (s) => onAllEffectServices(s, { hangNext: 1 }), expect: 'completed' },
  {
    name: 'needs-attention-retry',
    input: { items: [{ sku: 'OOS-1', quantity: 1 }] },
    setup: refundsFail,
    drive: (h, s) => resolveWhenStuck(h, s, 'retry'),
    expect: 'failed',
  },
  {
    name: 'needs-attention-abandon',
    input: { items: [{ sku: 'OOS-1', quantity: 1 }] },
    setup: refundsFail,
    drive: (h, s) => resolveWhenStuck(h, s, 'abandon'),
    expect: 'failed',
  },
  {
    name: 'cancelled-awaiting-clearance',
    input: { paymentMethod: 'bank_transfer' },
    drive: async (h) => {
      await queryUntil(h, awaitingClearance);
      await h.cancel();
    },
    expect: 'cancelled',
  },
  {
    name: 'cancelled-while-reserving',
    setup: (s) => setFaults(s.urls.inventory, { latencyMs: 600 }),
    drive: async (h) => {
      await queryUntil(h, (s) => s.status === 'reserving');
      await h.cancel();
    },
    expect: 'cancelled',
  },
];

async function record(client: Client, services: RunningSampleServices, scenario: Scenario): Promise<void> {
  await scenario.setup?.(services);
  const input = orderInput({ orderId: `hist-${scenario.name}-${Date.now().toString(36)}`, ...scenario.input });
  const handle = await client.workflow.start<OrderWorkflow>(orderWorkflow.type, {
    taskQueue,
    workflowId: orderWorkflow.workflowId(input.orderId),
    args: [input],
    // As the API starts orders, so the search-attribute upserts are in the history too.
    typedSearchAttributes: orderSearchAttributes(input),
  });
  await scenario.drive?.(handle, services);
  // A scenario that goes wrong (say, an order left waiting in needs_attention) must not hang the script.
  const final = await Promise.race([
    handle.result(),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${scenario.name}: no result within 30 s`)), 30_000).unref()),
  ]);
  await clearFaults(services.urls);
  if (final.status !== scenario.expect) throw new Error(`${scenario.name}: ended ${final.status}, expected ${scenario.expect}: ${JSON.stringify(final)}`);
  await writeFile(join(outDir, `${scenario.name}.json`), historyToJSON(await handle.fetchHistory()));
  console.log(`recorded ${scenario.name} (${final.status})`);
}

quietRuntime();
const server = await startDevServer({ logLevel: 'error', searchAttributes: [...BATON_SEARCH_ATTRIBUTES] });
const services = await startSampleServices({ settleOutcome: 'never' });
// Above the 600 ms latency of the cancellation scenario, so only the hang scenario times out.
const http = createDownstreamClient({ timeoutMs: 1000 });
const nativeConnection = await NativeConnection.connect({ address: server.address });
const connection = await Connection.connect({ address: server.address });
// No payload codec here, on purpose: the fixtures stay readable and need no key in the repository. Encryption
// only wraps payloads, so it changes nothing a replay checks; replay.test.ts replays them through the codec.
const client = new Client({ connection, namespace: server.namespace });
const worker = await Worker.create({
  connection: nativeConnection,
  namespace: server.namespace,
  taskQueue,
  ...workflowSource(),
  activities: createActivities({ http, urls: services.urls }),
});

let failed = false;
try {
  await worker.runUntil(async () => {
    await mkdir(outDir, { recursive: true });
    for (const file of await readdir(outDir)) if (file.endsWith('.json')) await rm(join(outDir, file));
    for (const scenario of scenarios) await record(client, services, scenario);
  });
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  await connection.close();
  await nativeConnection.close();
  await http.close();
  await services.close();
  await server.stop();
}
process.exit(failed ? 1 : 0);
