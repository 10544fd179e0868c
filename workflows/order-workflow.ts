// The durable order: authorize the payment, wait for it to clear if it is a bank transfer, reserve
// the stock, ship. If anything stops it (a business refusal, a service down past its retries, a
// cancellation), what took effect is undone newest first; what cannot be undone waits for a person.
import { CancellationScope, isCancellation, log, patched, setCurrentDetails, setHandler, sleep, workflowInfo, condition } from '@temporalio/workflow';
import type { Attempted, CompensationName, OrderInput, OrderState, Payment, StepName, Timespan } from '../contracts';
import { DEFAULT_ORDER_TIMINGS, orderQueries, orderSignals, orderUpdates } from '../contracts/order-basics';
import { callOutcome, failureReason, messageOf, OrderStop } from './order-failures';
import { OrderInbox } from './order-inbox';
import { ORDER_PATCHES } from './order-patches';
import { publishOrderStatus, publishSearchableStatus } from './publish-order-status';
import { OrderStateTracker } from './order-state';
import { orderCalls, orderSteps, type OrderCalls } from './order-steps';
import { orderProgress } from './order-progress';
import { Saga } from './saga';

export async function order(input: OrderInput): Promise<OrderState> {
  const timings = input.timings ?? DEFAULT_ORDER_TIMINGS;
  // v7: new orders take v4 to v6 under one marker; orders from before it answer each patch as they ran.
  const v4ToV6 = patched(ORDER_PATCHES.v4ToV6);
  const taken = (patch: string) => v4ToV6 || patched(patch);
  // Every status change is logged and, for runs started with search attributes, upserted: v5 only the
  // statuses a person searches by. Every change at all shows in the Web UI's current details.
  const searchable = taken(ORDER_PATCHES.searchableStatus);
  const state = new OrderStateTracker(input.orderId, {
    ...(!searchable && { status: publishOrderStatus }),
    changed: (s) => {
      setCurrentDetails(orderProgress(s));
      if (searchable) publishSearchableStatus(s);
    },
  });
  const inbox = new OrderInbox();
  setHandler(orderQueries.state, () => state.snapshot());
  // Payloads are not checked before a handler runs: the inbox takes `unknown` and checks them itself.
  setHandler(orderSignals.paymentEvent, (event: unknown) => inbox.paymentEvent(event));
  setHandler(orderSignals.resolve, (decision: unknown) => inbox.resolve(decision));
  // The early return of a start (Prefer: wait): answers once the payment is authorized or refused.
  // A handler adds no commands, so recorded histories replay unchanged.
  setHandler(orderUpdates.paymentAuthorized, async () => {
    await condition(() => state.hasFinished('authorizePayment'));
    return state.snapshot();
  });

  const moneySafe = taken(ORDER_PATCHES.moneySafe);
  const calls = orderCalls(timings, moneySafe);
  const steps = orderSteps(input, calls, workflowInfo().workflowId);
  const saga = new Saga<StepName, CompensationName>(callOutcome, state, moneySafe);
  const attempts = timings.steps.retry.maximumAttempts;

  try {
    state.set('awaiting_payment');
    const payment = await state.step('authorizePayment', () => saga.run(steps.authorizePayment), attempts);
    state.remember({ paymentId: payment.paymentId });
    // v4: a step that was running when the cancel came was waited for; no further step starts. Only a cancelled
    // order awaits here: each await in workflow code costs a promise whose stack the SDK captures (docs/benchmark-journal.md).
    const cancelled = () => moneySafe && CancellationScope.current().consideredCancelled;
    if (cancelled()) await cancellation();
    if (payment.status !== 'cleared') {
      await state.step('awaitPaymentClearance', () =>
        moneySafe
          ? clearanceOnRecord(payment, inbox, input.paymentClearanceTimeout, calls)
          : awaitClearance(payment, inbox, input.paymentClearanceTimeout, calls),
      );
    }

    if (cancelled()) await cancellation();
    state.set('reserving');
    const reserving = state.step('reserveInventory', () => saga.run(steps.reserveInventory), attempts);
    // v6: the payment's record is read meanwhile; the shipment step below decides on it.
    const read = new CancellationScope();
    const record = moneySafe && taken(ORDER_PATCHES.checkBesideReservation) ? read.run(() => readRecord(payment.paymentId, calls)) : undefined;
    // A refused reservation needs no answer: the read is cancelled, never waited for (a payments service that is
    // down must not hold the compensation up).
    const reservation = await reserving.catch((err: unknown) => {
      read.cancel();
      throw err;
    });
    state.remember({ reservationId: reservation.reservationId });

    if (cancelled()) await cancellation();
    state.set('shipping');
    const shipment = await state.step(
      'createShipment',
      async () => {
        // No goods without payment: whatever answered before (a replayed authorization, a notice), the record decides.
        const read = record && (await record);
        if (moneySafe && !(read && freshRecordClears(payment.paymentId, read))) await paymentStands(payment.paymentId, calls);
        return saga.run(steps.createShipment);
      },
      attempts,
    );
    state.remember({ shipmentId: shipment.shipmentId });

    state.set('completed');
  } catch (err) {
    await undoWhatTookEffect(err, state, saga, inbox);
  }
  return state.snapshot();
}

/** Rejects with the order's cancellation. */
const cancellation = () => CancellationScope.current().cancelRequested;

/** A refused payment stops the order as `payment_failed`. */
function notHonoured(paymentId: string, status: Payment['status']): OrderStop {
  return new OrderStop('payment_failed', `payment ${paymentId} was not honoured (${status})`);
}

/** What the Web UI shows for the read of the payment's record before shipping. */
const checkSummary = (paymentId: string) => `check that payment ${paymentId} stands`;

/** How old (workflow time) the payment's record read beside the reservation may be when shipping starts. */
const RECORD_FRESH_MS = 1_000;
/** Workflow time: the SDK's Date is the time of the activation, the same on replay. */
const workflowTime = () => new Date().getTime();

/** The payment's record as read beside the reservation: its status and when it was known, or why it could not be read. */
type RecordRead = { status: Payment['status']; at: number } | { failure: unknown };

/** Settles, never rejects: a failed read is for the shipment step to raise, not a rejection nobody awaits yet. */
function readRecord(paymentId: string, calls: OrderCalls): Promise<RecordRead> {
  return calls
    .sideRead(checkSummary(paymentId))
    .getPayment(paymentId)
    .then(
      ({ value }) => ({ status: value.status, at: workflowTime() }),
      (failure: unknown) => ({ failure }),
    );
}

/**
 * v6: true when a fresh `cleared` record lets the goods go; false when it is stale (read it again); a failed read
 * fails the step as before. Synchronous, so the common case awaits nothing more.
 */
function freshRecordClears(paymentId: string, read: RecordRead): boolean {
  if ('failure' in read) throw read.failure;
  if (workflowTime() - read.at > RECORD_FRESH_MS) return false;
  if (read.status !== 'cleared') throw notHonoured(paymentId, read.status);
  return true;
}

async function paymentStands(paymentId: string, calls: OrderCalls): Promise<void> {
  const { status } = (await calls.steps(checkSummary(paymentId)).getPayment(paymentId)).value;
  if (status !== 'cleared') throw notHonoured(paymentId, status);
}

/** After a record that is not yet cleared, the next look waits at least this long, doubling up to the cap. */
const RECHECK_PAUSE_MS = { first: 1_000, max: 15 * 60_000 };

/**
 * v4: a pending payment clears only when the payments service's own record says so. A notice (the
 * callback, which anyone holding its URL can send) only wakes the order to ask; no answer means ask
 * again after a pause; the record is asked once more when the clearance timeout runs out. The pauses
 * grow, so notices, forged or not, cannot make the order hammer the payments service or grow its history.
 */
async function clearanceOnRecord(payment: Payment, inbox: OrderInbox, timeout: Timespan, calls: OrderCalls): Promise<Attempted<void>> {
  const { paymentId } = payment;
  if (payment.status === 'failed' || payment.status === 'refunded') throw notHonoured(paymentId, payment.status);
  // One timer for the whole wait. A cancellation rejects it: the order is compensating then, and it no longer matters.
  let expired = false;
  void sleep(timeout, { summary: `wait for payment ${paymentId} to clear, up to ${String(timeout)}` }).then(
    () => (expired = true),
    () => undefined,
  );
  let pause = RECHECK_PAUSE_MS.first;
  let askAgain = false;
  for (let looks = 1; ; looks++) {
    if (!askAgain) await condition(() => expired || inbox.hasNotice(paymentId));
    inbox.takeNotice(paymentId);
    const recorded = await currentStatus(paymentId, calls);
    if (recorded === 'cleared') return { value: undefined, attempt: looks };
    if (recorded === 'failed' || recorded === 'refunded') throw notHonoured(paymentId, recorded);
    if (expired) break;
    askAgain = recorded === undefined; // no answer: ask again; pending: wait for the next notice
    await condition(() => expired, pause, { summary: `pause ${pause / 1000} s before asking about payment ${paymentId} again` });
    pause = Math.min(pause * 2, RECHECK_PAUSE_MS.max);
  }
  throw new OrderStop('payment_not_cleared', `payment ${paymentId} did not clear within ${String(timeout)}`);
}

/** v1-v3: a pending payment must clear in time; the payments service's own record is asked before giving up. */
async function awaitClearance(payment: Payment, inbox: OrderInbox, timeout: Timespan, calls: OrderCalls): Promise<Attempted<void>> {
  const { paymentId } = payment;
  let settlement: Payment['status'] | undefined = payment.status === 'pending' ? await inbox.settlement(paymentId, timeout) : payment.status;
  if (settlement === undefined)
    settlement = await currentStatus(paymentId, calls); // the callback may have been lost
  else if (settlement === 'cleared' && payment.status === 'pending' && patched(ORDER_PATCHES.reconfirmClearance)) {
    // v2: a callback is a notice, the payments service's record has the last word. No answer keeps the (signed) notice.
    const recorded = await currentStatus(paymentId, calls);
    if (recorded === 'failed' || recorded === 'refunded') settlement = recorded;
  }
  if (settlement === 'cleared') return { value: undefined, attempt: 1 };
  if (settlement === 'failed' || settlement === 'refunded') throw notHonoured(paymentId, settlement);
  throw new OrderStop('payment_not_cleared', `payment ${paymentId} did not clear within ${String(timeout)}`);
}

async function currentStatus(paymentId: string, calls: OrderCalls): Promise<Payment['status'] | undefined> {
  try {
    return (await calls.steps(`ask the payments service about payment ${paymentId}`).getPayment(paymentId)).value.status;
  } catch (err) {
    if (isCancellation(err)) throw err;
    return undefined; // no answer is no clearance
  }
}

/**
 * Records why the order stopped, then runs the compensations until none is left; when some keep
 * failing, the order waits in needs_attention for an operator to retry them or to give up.
 * Nothing here can be cancelled: a cancellation is what brought us here.
 */
async function undoWhatTookEffect(err: unknown, state: OrderStateTracker, saga: Saga<StepName, CompensationName>, inbox: OrderInbox): Promise<void> {
  const cancelled = isCancellation(err);
  const step = state.currentStep();
  if (step) state.failed({ step, reason: failureReason(err), detail: messageOf(err) });
  log.warn(cancelled ? 'order cancelled: undoing what took effect' : 'order stopped: undoing what took effect', {
    orderId: state.snapshot().orderId,
    step,
    reason: failureReason(err),
  });

  await CancellationScope.nonCancellable(async () => {
    for (let round = 1; ; round++) {
      state.set('compensating');
      if (await saga.compensate(round)) {
        state.set(cancelled ? 'cancelled' : 'failed');
        return;
      }
      state.set('needs_attention');
      if ((await inbox.operatorDecision()) === 'abandon') {
        state.abandoned(saga.pending());
        state.set('failed');
        return;
      }
    }
  });
}
