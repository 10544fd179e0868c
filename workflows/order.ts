// The durable order: authorize the payment, wait for it to clear if it is a bank transfer, reserve
// the stock, ship. If anything stops it (a business refusal, a service down past its retries, a
// cancellation), what took effect is undone newest first; what cannot be undone waits for a person.
import { CancellationScope, condition, isCancellation, log, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  DEFAULT_ORDER_TIMINGS,
  orderQueries,
  orderSignals,
  orderUpdates,
  type Attempted,
  type CompensationName,
  type OrderInput,
  type OrderState,
  type StepName,
  type Timespan,
} from '../definitions';
import type { Payment } from '../domain/schemas';
import { callOutcome, failureReason, messageOf, OrderStop } from './order-failures';
import { OrderInbox } from './order-inbox';
import { ORDER_PATCHES } from './order-patches';
import { publishOrderStatus } from './order-search';
import { OrderStateTracker } from './order-state';
import { orderCalls, orderSteps, type OrderCalls } from './order-steps';
import { Saga } from './saga';

export async function order(input: OrderInput): Promise<OrderState> {
  const timings = input.timings ?? DEFAULT_ORDER_TIMINGS;
  // Every status change is logged and, for runs started with search attributes, upserted (patched).
  const state = new OrderStateTracker(input.orderId, publishOrderStatus);
  const inbox = new OrderInbox();
  setHandler(orderQueries.state, () => state.snapshot());
  setHandler(orderSignals.paymentEvent, (event) => inbox.paymentEvent(event));
  setHandler(orderSignals.resolve, ({ action }) => inbox.resolve(action));
  // The early return of a start (Prefer: wait): answers once the payment is authorized or refused.
  // A handler adds no commands, so recorded histories replay unchanged.
  setHandler(orderUpdates.paymentAuthorized, async () => {
    await condition(() => state.hasFinished('authorizePayment'));
    return state.snapshot();
  });

  const calls = orderCalls(timings);
  const steps = orderSteps(input, calls, workflowInfo().workflowId);
  const saga = new Saga<StepName, CompensationName>(callOutcome, state);
  const attempts = timings.steps.retry.maximumAttempts;

  try {
    state.set('awaiting_payment');
    const payment = await state.step('authorizePayment', () => saga.run(steps.authorizePayment), attempts);
    state.remember({ paymentId: payment.paymentId });
    if (payment.status !== 'cleared') {
      await state.step('awaitPaymentClearance', () => awaitClearance(payment, inbox, input.paymentClearanceTimeout, calls));
    }

    state.set('reserving');
    const reservation = await state.step('reserveInventory', () => saga.run(steps.reserveInventory), attempts);
    state.remember({ reservationId: reservation.reservationId });

    state.set('shipping');
    const shipment = await state.step('createShipment', () => saga.run(steps.createShipment), attempts);
    state.remember({ shipmentId: shipment.shipmentId });

    state.set('completed');
  } catch (err) {
    await undoWhatTookEffect(err, state, saga, inbox);
  }
  return state.snapshot();
}

/** A pending payment must clear in time; the payments service's own record is asked before giving up. */
async function awaitClearance(payment: Payment, inbox: OrderInbox, timeout: Timespan, calls: OrderCalls): Promise<Attempted<void>> {
  const { paymentId } = payment;
  let settlement: Payment['status'] | undefined = payment.status === 'pending' ? await inbox.settlement(paymentId, timeout) : payment.status;
  if (settlement === undefined) settlement = await currentStatus(paymentId, calls); // the callback may have been lost
  else if (settlement === 'cleared' && payment.status === 'pending' && patched(ORDER_PATCHES.reconfirmClearance)) {
    // v2: a callback is a notice, the payments service's record has the last word. No answer keeps the (signed) notice.
    const recorded = await currentStatus(paymentId, calls);
    if (recorded === 'failed' || recorded === 'refunded') settlement = recorded;
  }
  if (settlement === 'cleared') return { value: undefined, attempt: 1 };
  if (settlement === 'failed' || settlement === 'refunded') throw new OrderStop('payment_failed', `payment ${paymentId} was not honoured (${settlement})`);
  throw new OrderStop('payment_not_cleared', `payment ${paymentId} did not clear within ${String(timeout)}`);
}

async function currentStatus(paymentId: string, calls: OrderCalls): Promise<Payment['status'] | undefined> {
  try {
    return (await calls.steps.getPayment(paymentId)).value.status;
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
