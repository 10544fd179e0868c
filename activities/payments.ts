// Payments: authorize, read and refund. Each is one HTTP call; Temporal retries what may pass later.
import { FailureType } from '../contracts/activity-failures';
import { Payment, type PaymentRequest } from '../contracts';
import { attempted } from './attempts';
import type { ActivityContext } from './context';
import { idSegment, isSuccess, send } from './call-downstream';
import { failureFor, parseOrFail } from './http-failures';

export interface AuthorizePaymentInput {
  idempotencyKey: string;
  payment: PaymentRequest;
}

export interface RefundPaymentInput {
  idempotencyKey: string;
  paymentId: string;
}

const paymentPath = (paymentId: string) => `/payments/${idSegment('payments', paymentId)}`;

export function createPaymentActivities(ctx: ActivityContext) {
  return {
    /** 402 is a decline (final); the same key always returns the first authorization. */
    authorizePayment: ({ idempotencyKey, payment }: AuthorizePaymentInput) =>
      attempted(async () => {
        const res = await send(ctx, 'payments', { method: 'POST', path: '/payments', body: payment, idempotencyKey });
        if (!isSuccess(res.status)) throw failureFor('payments', res, { 402: FailureType.PaymentDeclined });
        return parseOrFail('payments', Payment, res.body);
      }),

    getPayment: (paymentId: string) =>
      attempted(async () => {
        const res = await send(ctx, 'payments', { method: 'GET', path: paymentPath(paymentId) });
        if (!isSuccess(res.status)) throw failureFor('payments', res);
        return parseOrFail('payments', Payment, res.body);
      }),

    /**
     * Refunding twice is a no-op (200), so a 404 never means "already refunded": it means the
     * service no longer knows a payment it authorized. That is for a person to look at, so it stays
     * a non-retryable failure and the order ends in needs_attention.
     */
    refundPayment: ({ idempotencyKey, paymentId }: RefundPaymentInput) =>
      attempted(async () => {
        const res = await send(ctx, 'payments', { method: 'POST', path: `${paymentPath(paymentId)}/refund`, idempotencyKey });
        if (!isSuccess(res.status)) throw failureFor('payments', res);
        return parseOrFail('payments', Payment, res.body);
      }),
  };
}
