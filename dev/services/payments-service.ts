// Payments service routes: authorize, read, refund; admin routes to settle and plan settlements.
import { z } from 'zod';
import { PaymentRequest } from '../../contracts';
import { DEFAULT_CALLBACK_RETRY, type CallbackRetryOptions } from './callback';
import { requireIdempotencyKey } from './idempotency';
import { ServiceKit, serviceLogger, type CommonServiceOptions, type SampleService } from './kit';
import { PaymentsLedger, SettlementPlan, type SettleOutcome } from './payments-ledger';
import { jsonResponse, problemResponse, problems } from './problem-response';
import { readJson } from './request';

export interface PaymentsServiceOptions extends CommonServiceOptions {
  /** How long a bank transfer stays pending; default 5000. */
  settleDelayMs?: number;
  /** What a bank transfer settles as; `never` leaves it pending. Default `cleared`. */
  settleOutcome?: SettleOutcome;
  callbackRetry?: Partial<CallbackRetryOptions>;
}

const SettleBody = z.object({ status: z.enum(['cleared', 'failed']) });

export function createPaymentsService(options: PaymentsServiceOptions = {}): SampleService {
  const payments = new PaymentsLedger(
    { delayMs: options.settleDelayMs ?? 5000, outcome: options.settleOutcome ?? 'cleared' },
    { ...DEFAULT_CALLBACK_RETRY, ...options.callbackRetry },
    serviceLogger('payments', options.logger),
  );
  const kit = new ServiceKit('payments', options, {
    state: () => payments.state(),
    reset: () => payments.reset(),
    shutdown: () => payments.shutdown(),
  });
  const { app } = kit;

  app.post('/payments', async (c) => {
    const key = requireIdempotencyKey(c);
    const request = await readJson(c, PaymentRequest);
    return kit.idempotent(c, key, () => {
      const result = payments.charge(request);
      return result.declined ? problemResponse(402, 'payment-declined', 'Payment declined', result.reason) : jsonResponse(201, result.payment);
    });
  });

  app.get('/payments/:paymentId', (c) => {
    const payment = payments.get(c.req.param('paymentId'));
    if (!payment) throw problems.notFound(`No payment ${c.req.param('paymentId')}.`);
    return c.json(payment);
  });

  app.post('/payments/:paymentId/refund', (c) => {
    const key = requireIdempotencyKey(c);
    const paymentId = c.req.param('paymentId');
    return kit.idempotent(c, key, () => {
      const payment = payments.refund(paymentId);
      return payment ? jsonResponse(200, payment) : problems.notFound(`No payment ${paymentId}.`).toResponse();
    });
  });

  app.get('/__admin/payments', (c) => c.json({ payments: payments.list(c.req.query('orderId')) }));

  app.post('/__admin/payments/:paymentId/settle', async (c) => {
    const { status } = await readJson(c, SettleBody);
    const paymentId = c.req.param('paymentId');
    const result = payments.settle(paymentId, status);
    if (result.ok) return c.json(result.payment);
    throw result.reason === 'not-found' ? problems.notFound(`No payment ${paymentId}.`) : problems.conflict(`Payment ${paymentId} is not pending.`);
  });

  app.get('/__admin/settlement', (c) => c.json(payments.settlement()));
  app.put('/__admin/settlement', async (c) => {
    payments.setDefaults(await readJson(c, SettlementPlan.partial().strict()));
    return c.json(payments.settlement());
  });
  app.put('/__admin/settlement/:orderId', async (c) => {
    payments.setOrderPlan(c.req.param('orderId'), await readJson(c, SettlementPlan.partial().strict()));
    return c.json(payments.settlement());
  });

  return kit.service;
}
