// The payments service's state: payments, their settlement timers and callback deliveries.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Payment, PaymentEvent, PaymentRequest } from '../../contracts';
import type { Logger } from '../../lib/logger';
import { deliverCallback, type CallbackRetryOptions } from './callback';
import { OrderCounts } from './order-counts';

export const SettleOutcome = z.enum(['cleared', 'failed', 'never']);
export type SettleOutcome = z.infer<typeof SettleOutcome>;

export const SettlementPlan = z.object({ delayMs: z.number().int().min(0).max(2_147_483_647), outcome: SettleOutcome });
export type SettlementPlan = z.infer<typeof SettlementPlan>;

/** Amounts above this (minor units) are declined, like customers whose id starts with `declined`. */
export const DECLINE_ABOVE = 1_000_000;

export interface PaymentRecord extends Payment {
  customerId: string;
  method: PaymentRequest['method'];
  callbackUrl?: string;
}

export type ChargeResult = { declined: true; reason: string } | { declined: false; payment: Payment };
export type SettleResult = { ok: true; payment: Payment } | { ok: false; reason: 'not-found' | 'not-pending' };

const publicView = ({ paymentId, orderId, status, amount }: PaymentRecord): Payment => ({ paymentId, orderId, status, amount });

export class PaymentsLedger {
  readonly #payments = new Map<string, PaymentRecord>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #overrides = new Map<string, Partial<SettlementPlan>>();
  readonly counts = new OrderCounts(['charges', 'refunds', 'declines', 'callbacks'] as const);
  #callbacks = { attempts: 0, delivered: 0, failed: 0 };
  #defaults: SettlementPlan;
  /** Replaced on reset so callbacks of an earlier test stop, while shutdown stops them for good. */
  #deliveries = new AbortController();
  #closed = false;

  constructor(
    private readonly initialPlan: SettlementPlan,
    private readonly retry: CallbackRetryOptions,
    private readonly logger: Logger,
  ) {
    this.#defaults = { ...initialPlan };
  }

  charge(request: PaymentRequest): ChargeResult {
    const reason = request.customerId.startsWith('declined')
      ? `customer ${request.customerId} is declined`
      : request.amount.value > DECLINE_ABOVE
        ? `amount ${request.amount.value} exceeds the limit of ${DECLINE_ABOVE}`
        : undefined;
    if (reason) {
      this.counts.add(request.orderId, 'declines');
      return { declined: true, reason };
    }
    const record: PaymentRecord = {
      paymentId: `pay_${randomUUID()}`,
      orderId: request.orderId,
      status: request.method === 'card' ? 'cleared' : 'pending',
      amount: request.amount,
      customerId: request.customerId,
      method: request.method,
      ...(request.callbackUrl !== undefined && { callbackUrl: request.callbackUrl }),
    };
    this.#payments.set(record.paymentId, record);
    this.counts.add(record.orderId, 'charges');
    if (record.status === 'pending') this.#scheduleSettlement(record);
    return { declined: false, payment: publicView(record) };
  }

  get(paymentId: string): Payment | undefined {
    const record = this.#payments.get(paymentId);
    return record && publicView(record);
  }

  list(orderId?: string): PaymentRecord[] {
    return [...this.#payments.values()].filter((p) => orderId === undefined || p.orderId === orderId).map((p) => ({ ...p }));
  }

  /** Refunding twice, or refunding a failed payment (nothing was taken), changes nothing. */
  refund(paymentId: string): Payment | undefined {
    const record = this.#payments.get(paymentId);
    if (!record) return undefined;
    if (record.status === 'pending' || record.status === 'cleared') {
      this.#cancelTimer(paymentId);
      record.status = 'refunded';
      this.counts.add(record.orderId, 'refunds');
    }
    return publicView(record);
  }

  settle(paymentId: string, status: 'cleared' | 'failed'): SettleResult {
    const record = this.#payments.get(paymentId);
    if (!record) return { ok: false, reason: 'not-found' };
    if (record.status !== 'pending') return { ok: false, reason: 'not-pending' };
    this.#cancelTimer(paymentId);
    record.status = status;
    this.logger.info({ paymentId, orderId: record.orderId, status }, 'payment settled');
    if (record.callbackUrl !== undefined) this.#notify(record.callbackUrl, { paymentId, orderId: record.orderId, status });
    return { ok: true, payment: publicView(record) };
  }

  settlement(): { defaults: SettlementPlan; orders: Record<string, Partial<SettlementPlan>> } {
    return { defaults: { ...this.#defaults }, orders: Object.fromEntries(this.#overrides) };
  }

  setDefaults(plan: Partial<SettlementPlan>): void {
    this.#defaults = { ...this.#defaults, ...plan };
  }

  /** Applies to payments created afterwards for this order. */
  setOrderPlan(orderId: string, plan: Partial<SettlementPlan>): void {
    this.#overrides.set(orderId, plan);
  }

  state(): Record<string, unknown> {
    return { orders: this.counts.toJSON(), callbacks: { ...this.#callbacks }, pendingSettlements: this.#timers.size };
  }

  reset(): void {
    this.#stopBackgroundWork();
    if (!this.#closed) this.#deliveries = new AbortController();
    this.#payments.clear();
    this.#overrides.clear();
    this.counts.clear();
    this.#callbacks = { attempts: 0, delivered: 0, failed: 0 };
    this.#defaults = { ...this.initialPlan };
  }

  shutdown(): void {
    this.#closed = true;
    this.#stopBackgroundWork();
  }

  #stopBackgroundWork(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#deliveries.abort();
  }

  #scheduleSettlement(record: PaymentRecord): void {
    const plan = { ...this.#defaults, ...this.#overrides.get(record.orderId) };
    const outcome = plan.outcome;
    if (outcome === 'never' || this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(record.paymentId);
      this.settle(record.paymentId, outcome);
    }, plan.delayMs);
    // A pending settlement alone must not keep a test process or a shutting-down server alive.
    timer.unref();
    this.#timers.set(record.paymentId, timer);
  }

  #cancelTimer(paymentId: string): void {
    clearTimeout(this.#timers.get(paymentId));
    this.#timers.delete(paymentId);
  }

  #notify(url: string, event: PaymentEvent): void {
    const signal = this.#deliveries.signal;
    void deliverCallback(url, event, {
      retry: this.retry,
      signal,
      logger: this.logger,
      onAttempt: () => this.#callbacks.attempts++,
    }).then((outcome) => {
      // A delivery cut short by reset or shutdown belongs to a state that no longer exists.
      if (outcome === 'cancelled') return;
      if (outcome === 'delivered') {
        this.#callbacks.delivered++;
        this.counts.add(event.orderId, 'callbacks');
      } else {
        this.#callbacks.failed++;
      }
      this.logger.info({ ...event, url, outcome }, 'payment callback');
    });
  }
}
