// Payload encryption on real processes: the API (api/main.ts) and the worker (worker/main.ts) as child
// processes with the test keys, the sample services, the shared dev server. An order goes through; then its
// history, fetched raw by a client without the keys, must not hold the shipping address or the customer ID
// (outside the search attributes, which Temporal indexes in plaintext by design), while the keys, in a
// client or behind the API's codec endpoint, read it all back.
import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderWorkflow, type OrderState } from '../../../contracts';
import { EncryptionCodec } from '../../../lib/payload-codec';
import { freePort } from '../../../dev/ports';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { TEST_TOKEN, TEST_WEBHOOK_SECRET, uniqueTaskQueue } from '../../support/api';
import { orderRequest } from '../../support/orders';
import { testDataConverter, testPayloadKeys } from '../../support/payload-keys';
import { type ChildHandle, serviceUrlEnv, startChild, WORKER_READY } from '../../support/processes';

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');
const taskQueue = uniqueTaskQueue('encryption');
const UI_ORIGIN = 'http://localhost:8233';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

let services: RunningSampleServices;
let worker: ChildHandle;
let api: ChildHandle;
let apiUrl: string;
let connection: Connection;
/** A client as anyone with access to Temporal but not to the keys has one. */
let keyless: Client;

const secret = randomUUID().slice(0, 8);
const order = orderRequest({
  customerId: `cus-private-${secret}`,
  shippingAddress: { line1: `Geheimweg ${secret}`, city: 'Berlin', postalCode: '10115', country: 'DE' },
});
const line1 = order.shippingAddress.line1;

beforeAll(async () => {
  services = await startSampleServices();
  const port = await freePort();
  const env = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ...serviceUrlEnv(services.urls),
  };
  // Both get the test keys from startChild, as the launcher gives both the same BATON_PAYLOAD_KEYS.
  worker = startChild('worker/main.ts', env);
  api = startChild('api/main.ts', {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    BATON_API_TOKENS: TEST_TOKEN,
    BATON_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    BATON_CODEC_CORS_ORIGINS: UI_ORIGIN,
  });
  apiUrl = `http://127.0.0.1:${port}`;
  connection = await Connection.connect({ address });
  keyless = new Client({ connection, namespace });
  await Promise.all([worker.waitFor(WORKER_READY), api.waitFor(/api listening on/)]);
});

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await connection?.close();
  await services?.close();
});

const authorized = { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' };

async function completedOrder(): Promise<OrderState> {
  const placed = await fetch(`${apiUrl}/orders`, { method: 'POST', headers: authorized, body: JSON.stringify(order) });
  expect(placed.status).toBe(202);
  for (let i = 0; i < 200; i++) {
    const state = (await (await fetch(`${apiUrl}/orders/${order.orderId}`, { headers: authorized })).json()) as OrderState;
    if (['completed', 'failed', 'cancelled', 'needs_attention'].includes(state.status)) return state;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the order never settled');
}

/**
 * Every payload of the history except those the SDK and the server must read themselves: search attributes,
 * headers (trace context), and patch markers (the SDK core writes `{ id, deprecated }` for each patched()).
 */
function userPayloads(value: unknown, found: Payload[] = []): Payload[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
  if (Array.isArray(value)) {
    for (const item of value) userPayloads(item, found);
    return found;
  }
  const object = value as Record<string, unknown>;
  if (object.markerName === 'core_patch') return found;
  const metadata = object.metadata as Record<string, unknown> | undefined;
  if (metadata?.encoding instanceof Uint8Array) {
    found.push(object);
    return found;
  }
  for (const [key, child] of Object.entries(object)) if (key !== 'searchAttributes' && key !== 'header') userPayloads(child, found);
  return found;
}

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const rawBytes = (history: History) => Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish());
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

describe('payload encryption', () => {
  let history: History;
  let events: HistoryEvent[];

  it('keeps the address and the customer out of the stored history, and every payload encrypted', async () => {
    expect((await completedOrder()).status).toBe('completed');
    history = await keyless.workflow.getHandle(orderWorkflow.workflowId(order.orderId)).fetchHistory();
    events = history.events ?? [];

    const raw = rawBytes(history);
    expect(raw.includes(line1)).toBe(false);
    // The customer ID is there, in the CustomerId search attribute only (GET /orders?customerId= needs it)...
    expect(raw.includes(order.customerId)).toBe(true);
    // ...and nowhere once the search attributes are left out.
    const withoutSearchAttributes = proto.temporal.api.history.v1.History.fromObject(history);
    for (const event of withoutSearchAttributes.events) {
      if (event.workflowExecutionStartedEventAttributes) event.workflowExecutionStartedEventAttributes.searchAttributes = null;
      if (event.upsertWorkflowSearchAttributesEventAttributes) event.upsertWorkflowSearchAttributesEventAttributes.searchAttributes = null;
    }
    expect(Buffer.from(proto.temporal.api.history.v1.History.encode(withoutSearchAttributes).finish()).includes(order.customerId)).toBe(false);

    // The input, each activity's arguments and results, the order's result: all encrypted with the current key.
    const payloads = userPayloads(events);
    expect(payloads.length).toBeGreaterThan(6);
    const [current] = testPayloadKeys();
    expect(payloads.map((p) => `${text(p.metadata?.encoding)} ${text(p.metadata?.['encryption-key-id'])}`)).toEqual(
      payloads.map(() => `binary/encrypted ${current!.id}`),
    );
    // A client without the keys cannot read the order's result either.
    await expect(keyless.workflow.getHandle(orderWorkflow.workflowId(order.orderId)).result()).rejects.toThrow(/binary\/encrypted/);
  });

  it('reads it all back with the keys', async () => {
    const input = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads as Payload[];
    const [decoded] = await new EncryptionCodec(testPayloadKeys()).decode(input);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toMatchObject({ customerId: order.customerId, shippingAddress: order.shippingAddress });

    const withKeys = new Client({ connection, namespace, dataConverter: testDataConverter() });
    expect(await withKeys.workflow.getHandle(orderWorkflow.workflowId(order.orderId)).result()).toMatchObject({ status: 'completed' });
  });

  it("keeps a failure's message (a downstream's words) out of the stored history, and reads it back with the keys", async () => {
    // The sample payments service declines customers named declined-…, and says so with the customer's ID.
    const declined = orderRequest({ customerId: `declined-private-${secret}` });
    const placed = await fetch(`${apiUrl}/orders`, { method: 'POST', headers: authorized, body: JSON.stringify(declined) });
    expect(placed.status).toBe(202);
    const withKeys = new Client({ connection, namespace, dataConverter: testDataConverter() });
    const final = (await withKeys.workflow.getHandle(orderWorkflow.workflowId(declined.orderId)).result()) as OrderState;
    expect(final.failure).toMatchObject({ step: 'authorizePayment', reason: 'payment_declined' });
    expect(final.failure?.detail).toContain(declined.customerId);

    const stored = await keyless.workflow.getHandle(orderWorkflow.workflowId(declined.orderId)).fetchHistory();
    const failed = stored.events?.find((e) => e.activityTaskFailedEventAttributes)?.activityTaskFailedEventAttributes?.failure;
    expect(failed?.message).toBe('Encoded failure');
    expect(failed?.encodedAttributes?.metadata?.encoding && text(failed.encodedAttributes.metadata.encoding)).toBe('binary/encrypted');
    for (const event of stored.events ?? []) {
      if (event.workflowExecutionStartedEventAttributes) event.workflowExecutionStartedEventAttributes.searchAttributes = null;
      if (event.upsertWorkflowSearchAttributesEventAttributes) event.upsertWorkflowSearchAttributesEventAttributes.searchAttributes = null;
    }
    expect(rawBytes(stored).includes(declined.customerId)).toBe(false);
  });

  it("decodes, through the API's codec endpoint as the Web UI calls it, what the API and the worker stored", async () => {
    // The order's input (the API wrote it) and the shipment request (the worker's workflow wrote it).
    const started = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads as Payload[];
    const shipment = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createShipment')?.activityTaskScheduledEventAttributes
      ?.input?.payloads as Payload[];
    expect(shipment).toBeDefined();

    const res = await fetch(`${apiUrl}/codec/decode`, {
      method: 'POST',
      headers: { ...authorized, origin: UI_ORIGIN, 'x-namespace': namespace },
      body: JSON.stringify({ payloads: [...started, ...shipment].map(toJson) }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    const { payloads } = (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(payloads).toHaveLength(started.length + shipment.length);
    for (const payload of payloads) {
      expect(Buffer.from(payload.metadata.encoding ?? '', 'base64').toString()).toBe('json/plain');
      expect(Buffer.from(payload.data, 'base64').toString()).toContain(line1);
    }

    const anonymous = await fetch(`${apiUrl}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payloads: [] }),
    });
    expect(anonymous.status).toBe(401);
  });
});
