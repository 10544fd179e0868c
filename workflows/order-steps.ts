// The order's three effects as saga steps: each forward call with the compensation that undoes it.
// A compensation that never learned the step's result repeats the step's request under the same
// Idempotency-Key: the service answers with what it did the first time (or with the business
// refusal it gave), which yields the ID to undo, or proves there is nothing to undo.
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Attempted, CallTimings, CompensationName, OrderInput, OrderTimings, Payment, Reservation, Shipment, StepName } from '../contracts';
import { DEFAULT_HEARTBEAT_TIMEOUT, orderIdempotencyKey } from '../contracts/order-basics';
import { formatDestination, formatItems, formatMoney, paymentMethodName } from '../contracts/order-summary';
import { isFinalAnswer } from './order-failures';
import type { CompensationReport, SagaStep } from './saga';

/**
 * Activity proxies: one set for the forward steps, and one per compensation with its own policy.
 * `settled` (v4 orders): attempts heartbeat, and a cancelled step is waited for until its attempt
 * has answered, so that no compensation ever runs beside the call it undoes (SDK default: TRY_CANCEL,
 * which gives up on the call at once while it goes on).
 */
export function orderCalls(timings: OrderTimings, settled: boolean) {
  /** Each call carries a summary a person reads in the Web UI ("authorize 19.99 EUR by card"). */
  const proxy =
    (
      { startToCloseTimeout, retry, heartbeatTimeout }: CallTimings,
      cancellationType: ActivityCancellationType = ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    ) =>
    (summary: string) =>
      proxyActivities<Activities>({
        startToCloseTimeout,
        retry,
        summary,
        ...(settled && { heartbeatTimeout: heartbeatTimeout ?? DEFAULT_HEARTBEAT_TIMEOUT, cancellationType }),
      });
  return {
    steps: proxy(timings.steps),
    /**
     * v6: the payment's record read beside the reservation. A read changes nothing, so once the reservation is
     * refused it is cancelled without waiting for its attempt (TRY_CANCEL): a payments service that is down
     * never holds the compensation up.
     */
    sideRead: proxy(timings.steps, ActivityCancellationType.TRY_CANCEL),
    refundPayment: proxy(timings.compensations.refundPayment),
    releaseReservation: proxy(timings.compensations.releaseReservation),
    cancelShipment: proxy(timings.compensations.cancelShipment),
  };
}
export type OrderCalls = ReturnType<typeof orderCalls>;

type OrderStep<T> = SagaStep<Attempted<T>, StepName, CompensationName>;

/** The step's result, or what repeating its request says it was; undefined when it did nothing. */
async function knownOrRecalled<T>(result: Attempted<T> | undefined, recall: () => Promise<Attempted<T>>): Promise<Attempted<T> | undefined> {
  if (result) return result;
  try {
    return await recall();
  } catch (err) {
    if (isFinalAnswer(err)) return undefined;
    throw err;
  }
}

/** The repeated request met the service's refusal: the step never took effect. */
const NOTHING_TO_UNDO: CompensationReport = { attempts: 1, undone: false };

export function orderSteps(input: OrderInput, calls: OrderCalls, workflowId: string) {
  const key = (call: StepName | CompensationName, round?: number) => orderIdempotencyKey(workflowId, call, round);

  const authorizeInput = {
    idempotencyKey: key('authorizePayment'),
    payment: {
      orderId: input.orderId,
      customerId: input.customerId,
      amount: input.amount,
      method: input.paymentMethod,
      ...(input.callbackUrl !== undefined && { callbackUrl: input.callbackUrl }),
    },
  };
  const reserveInput = { idempotencyKey: key('reserveInventory'), orderId: input.orderId, items: input.items };
  const shipInput = { idempotencyKey: key('createShipment'), orderId: input.orderId, address: input.shippingAddress, items: input.items };

  const authorizePayment: OrderStep<Payment> = {
    name: 'authorizePayment',
    run: () => calls.steps(`authorize ${formatMoney(input.amount)} by ${paymentMethodName(input.paymentMethod)}`).authorizePayment(authorizeInput),
    compensation: {
      name: 'refundPayment',
      async undo(result, round) {
        const payment = await knownOrRecalled(result, () => calls.refundPayment('look up the authorization to refund').authorizePayment(authorizeInput));
        if (!payment) return NOTHING_TO_UNDO;
        const { paymentId } = payment.value;
        const refund = await calls.refundPayment(`refund payment ${paymentId}`).refundPayment({ idempotencyKey: key('refundPayment', round), paymentId });
        return { attempts: refund.attempt, undone: true, id: paymentId };
      },
    },
  };

  const reserveInventory: OrderStep<Reservation> = {
    name: 'reserveInventory',
    run: () => calls.steps(`reserve ${formatItems(input.items)}`).reserveInventory(reserveInput),
    compensation: {
      name: 'releaseReservation',
      async undo(result, round) {
        const reservation = await knownOrRecalled(result, () => calls.releaseReservation('look up the reservation to release').reserveInventory(reserveInput));
        if (!reservation) return NOTHING_TO_UNDO;
        const { reservationId } = reservation.value;
        const release = await calls
          .releaseReservation(`release reservation ${reservationId}`)
          .releaseReservation({ idempotencyKey: key('releaseReservation', round), reservationId });
        return { attempts: release.attempt, undone: true, id: reservationId };
      },
    },
  };

  const createShipment: OrderStep<Shipment> = {
    name: 'createShipment',
    run: () => calls.steps(`ship ${formatItems(input.items)} to ${formatDestination(input.shippingAddress)}`).createShipment(shipInput),
    compensation: {
      name: 'cancelShipment',
      async undo(result, round) {
        const shipment = await knownOrRecalled(result, () => calls.cancelShipment('look up the shipment to cancel').createShipment(shipInput));
        if (!shipment) return NOTHING_TO_UNDO;
        const { shipmentId } = shipment.value;
        const cancel = await calls.cancelShipment(`cancel shipment ${shipmentId}`).cancelShipment({ idempotencyKey: key('cancelShipment', round), shipmentId });
        return { attempts: cancel.attempt, undone: true, id: shipmentId };
      },
    },
  };

  return { authorizePayment, reserveInventory, createShipment };
}
