// What reaches a running order from outside: payment notices and the operator's decisions. Signals
// can come from anywhere (a leaked callback URL, the CLI): nothing here trusts their content.
import { condition } from '@temporalio/workflow';
import type { ResolveAction, Timespan } from '../contracts';
import type { PaymentEvent } from '../contracts';

type Settlement = PaymentEvent['status'];

function isPaymentEvent(event: unknown): event is PaymentEvent {
  if (!event || typeof event !== 'object') return false;
  const { paymentId, status } = event as Partial<PaymentEvent>;
  return typeof paymentId === 'string' && (status === 'cleared' || status === 'failed');
}

export class OrderInbox {
  /** v1-v3 orders: the first word per payment wins; a redelivered or contradicting event changes nothing. */
  readonly #settlements = new Map<string, Settlement>();
  /** v4 orders: a notice is only a reason to ask the payments service again; its content proves nothing. */
  readonly #notices = new Set<string>();
  #awaitingDecision = false;
  #decision: ResolveAction | undefined;

  paymentEvent(event: unknown): void {
    if (!isPaymentEvent(event)) return; // a malformed signal must not fail the order
    if (!this.#settlements.has(event.paymentId)) this.#settlements.set(event.paymentId, event.status);
    this.#notices.add(event.paymentId);
  }

  /** Resolves with the payment's settlement, or undefined when none came within `timeout` (v1-v3). */
  async settlement(paymentId: string, timeout: Timespan): Promise<Settlement | undefined> {
    await condition(() => this.#settlements.has(paymentId), timeout);
    return this.#settlements.get(paymentId);
  }

  /** Whether a notice about the payment is waiting (v4). */
  hasNotice(paymentId: string): boolean {
    return this.#notices.has(paymentId);
  }

  /** Uses up the waiting notice, if any: the next one wakes the order again. */
  takeNotice(paymentId: string): void {
    this.#notices.delete(paymentId);
  }

  /** Only counts while the order waits for one; a stray, repeated or malformed decision is ignored. */
  resolve(decision: unknown): void {
    const action = decision && typeof decision === 'object' ? (decision as { action?: unknown }).action : undefined;
    if (this.#awaitingDecision && this.#decision === undefined && (action === 'retry' || action === 'abandon')) this.#decision = action;
  }

  async operatorDecision(): Promise<ResolveAction> {
    this.#decision = undefined;
    this.#awaitingDecision = true;
    await condition(() => this.#decision !== undefined);
    this.#awaitingDecision = false;
    const decision = this.#decision ?? 'retry';
    this.#decision = undefined;
    return decision;
  }
}
