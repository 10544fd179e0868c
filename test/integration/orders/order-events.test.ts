// GET /orders/{orderId}/events on the dev server, read as a browser's EventSource reads it: the state
// at once, each change, `end` with the final state; Last-Event-ID on reconnect; a bound on streams per
// client; and a clean `shutdown` event when the API stops.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { OrderState } from '../../../contracts';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { startTestApi, TEST_TOKEN, uniqueTaskQueue, type TestApi } from '../../support/api';
import { place, readOrder, sleep, startWorkerProcess } from '../../support/chaos';
import { FAST_TIMINGS, orderRequest, settlePayment } from '../../support/orders';
import type { ChildHandle } from '../../support/processes';

const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');
const taskQueue = uniqueTaskQueue('order-events');
const PER_CLIENT = 2;

let services: RunningSampleServices;
let worker: ChildHandle;
let api: TestApi;

interface ServerEvent {
  event: string;
  id?: string;
  data: string;
}

/** An open stream: its events as they arrive, and whether the server ended it. */
class EventStream {
  readonly events: ServerEvent[] = [];
  ended = false;
  readonly #abort = new AbortController();
  readonly #waiters = new Set<() => void>();
  status = 0;
  retryAfter: string | null = null;

  static async open(baseUrl: string, orderId: string, lastEventId?: string): Promise<EventStream> {
    const stream = new EventStream();
    const res = await fetch(`${baseUrl}/orders/${orderId}/events`, {
      headers: { authorization: `Bearer ${TEST_TOKEN}`, accept: 'text/event-stream', ...(lastEventId !== undefined && { 'last-event-id': lastEventId }) },
      signal: stream.#abort.signal,
    });
    stream.status = res.status;
    stream.retryAfter = res.headers.get('retry-after');
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      stream.ended = true;
      return stream;
    }
    void stream.#read(res.body);
    return stream;
  }

  async #read(body: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = block.split('\n').filter((line) => !line.startsWith(':'));
          if (fields.length === 0) continue;
          const field = (name: string) =>
            fields
              .filter((l) => l.startsWith(`${name}:`))
              .map((l) => l.slice(name.length + 1).trimStart())
              .join('\n');
          this.events.push({ event: field('event') || 'message', ...(field('id') && { id: field('id') }), data: field('data') });
          this.#notify();
        }
      }
    } catch {
      // aborted by the test
    }
    this.ended = true;
    this.#notify();
  }

  #notify() {
    for (const w of this.#waiters) w();
  }

  /** Resolves once `done` holds (checked on every event and at the end), or fails after `timeoutMs`. */
  until(done: (s: EventStream) => boolean, timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done(this)) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`stream never got there; events: ${JSON.stringify(this.events.map((e) => e.event))}, ended ${this.ended}`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  states(): OrderState[] {
    return this.events.filter((e) => e.event === 'state' || e.event === 'end').map((e) => JSON.parse(e.data) as OrderState);
  }

  close() {
    this.#abort.abort();
  }
}

const waitingTransfer = async () => {
  const order = orderRequest({ paymentMethod: 'bank_transfer' });
  await place(api.call, order);
  for (let i = 0; i < 200; i++) {
    const state = await readOrder(api.call, order.orderId);
    if (state?.status === 'awaiting_payment' && state.paymentId && state.steps.some((s) => s.name === 'awaitPaymentClearance'))
      return { order, paymentId: state.paymentId };
    await sleep(100);
  }
  throw new Error('the bank transfer never waited for clearance');
};

beforeAll(async () => {
  services = await startSampleServices({ settleOutcome: 'never' });
  worker = await startWorkerProcess({ address, namespace, taskQueue, serviceUrls: services.urls });
  api = await startTestApi({
    address,
    namespace,
    taskQueue,
    config: { orderTimings: FAST_TIMINGS, paymentClearanceTimeout: '10 minutes', eventPollMs: 200, eventStreamsPerClient: PER_CLIENT },
  });
}, 120_000);

afterAll(async () => {
  await api?.stopAll();
  await worker?.stop();
  await services?.close();
});

describe('GET /orders/{orderId}/events', () => {
  it('sends the state at once, every change, and ends with the final state', async () => {
    const { order, paymentId } = await waitingTransfer();
    const stream = await EventStream.open(api.url, order.orderId);
    expect(stream.status).toBe(200);
    await stream.until((s) => s.events.length >= 1);
    expect(stream.events[0]).toMatchObject({ event: 'state' });
    expect(stream.states()[0]?.status).toBe('awaiting_payment');

    await settlePayment(services.urls.payments, paymentId, 'cleared');
    await stream.until((s) => s.ended);
    const last = stream.events.at(-1)!;
    expect(last.event).toBe('end');
    expect(stream.states().at(-1)?.status).toBe('completed');
    expect(
      stream
        .states()
        .at(-1)
        ?.steps.map((s) => s.name),
    ).toEqual(['authorizePayment', 'awaitPaymentClearance', 'reserveInventory', 'createShipment']);
    // In order, no state sent twice: ids never go down, and each state has an id of its own.
    const ids = stream.events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const stateIds = stream.events.filter((e) => e.event === 'state' || e.event === 'end').map((e) => e.id);
    expect(new Set(stateIds).size).toBe(stateIds.length);
    // Each step that finished after the stream opened is announced once, whatever the polls coalesced.
    const finished = stream.events
      .filter((e) => e.event === 'step')
      .map((e) => JSON.parse(e.data) as { name: string; status: string })
      .filter((step) => step.status === 'completed')
      .map((step) => step.name);
    expect(finished).toEqual(['awaitPaymentClearance', 'reserveInventory', 'createShipment']);
    expect(
      stream.events
        .filter((e) => e.event === 'status')
        .map((e) => (JSON.parse(e.data) as { to: string }).to)
        .at(-1),
    ).toBe('completed');
  });

  it('honours Last-Event-ID: nothing already seen, the newest state if it moved, and the end of a closed order', async () => {
    const { order, paymentId } = await waitingTransfer();
    const first = await EventStream.open(api.url, order.orderId);
    await first.until((s) => s.events.length >= 1);
    const seen = first.events[0]!.id!;
    first.close();

    // Reconnecting with the id of the newest state: nothing new to send while nothing changes.
    const again = await EventStream.open(api.url, order.orderId, seen);
    await sleep(1000);
    expect(again.events).toEqual([]);
    await settlePayment(services.urls.payments, paymentId, 'cleared');
    await again.until((s) => s.ended);
    expect(again.events.every((e) => Number(e.id) > Number(seen))).toBe(true);
    expect(again.events.at(-1)?.event).toBe('end');

    // A closed order: its final state as `end`, then the stream closes.
    const closed = await EventStream.open(api.url, order.orderId, again.events.at(-1)!.id);
    await closed.until((s) => s.ended);
    expect(closed.events.map((e) => e.event)).toEqual(['end']);
    expect(closed.states()[0]?.status).toBe('completed');
  });

  it(`holds at most ${PER_CLIENT} streams per client: the next is a 429 with Retry-After until one closes`, async () => {
    const { order } = await waitingTransfer();
    const open = [await EventStream.open(api.url, order.orderId), await EventStream.open(api.url, order.orderId)];
    for (const s of open) expect(s.status).toBe(200);
    const refused = await EventStream.open(api.url, order.orderId);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    open[0]!.close();
    await sleep(500); // the server notices the closed connection at its next write or look
    let admitted: EventStream | undefined;
    for (let i = 0; i < 20 && admitted?.status !== 200; i++) {
      admitted = await EventStream.open(api.url, order.orderId);
      if (admitted.status !== 200) await sleep(250);
    }
    expect(admitted?.status).toBe(200);
    admitted?.close();
    open[1]!.close();
  });

  it('answers 404 for an order nobody placed, before any stream opens', async () => {
    const stream = await EventStream.open(api.url, 'ord-nobody-placed');
    expect(stream.status).toBe(404);
  });

  it('tells open streams to reconnect, and closes them, when the API shuts down', async () => {
    const { order } = await waitingTransfer();
    const other = await startTestApi({ address, namespace, taskQueue, config: { eventPollMs: 200 } });
    const stream = await EventStream.open(other.url, order.orderId);
    await stream.until((s) => s.events.length >= 1);
    const closing = other.stopAll();
    await stream.until((s) => s.ended, 10_000);
    await closing;
    expect(stream.events.at(-1)).toMatchObject({ event: 'shutdown' });
  });
});
