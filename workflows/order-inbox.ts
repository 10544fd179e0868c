// What reaches a running order from outside: payment events and the operator's decisions.
import { condition } from '@temporalio/workflow';
import type { ResolveAction, Timespan } from '../definitions';
import type { PaymentEvent } from '../domain/schemas';

type Settlement = PaymentEvent['status'];

export class OrderInbox {
  /** First word per payment wins: a redelivered or contradicting event changes nothing. */
  readonly #settlements = new Map<string, Settlement>();
  #awaitingDecision = false;
  #decision: ResolveAction | undefined;

  paymentEvent(event: PaymentEvent): void {
    // Signals can come from anywhere (the CLI too): a malformed one must not fail the order.
    if (typeof event?.paymentId !== 'string' || (event.status !== 'cleared' && event.status !== 'failed')) return;
    if (!this.#settlements.has(event.paymentId)) this.#settlements.set(event.paymentId, event.status);
  }

  /** Resolves with the payment's settlement, or undefined when none came within `timeout`. */
  async settlement(paymentId: string, timeout: Timespan): Promise<Settlement | undefined> {
    await condition(() => this.#settlements.has(paymentId), timeout);
    return this.#settlements.get(paymentId);
  }

  /** Only counts while the order waits for one; a stray or repeated decision is ignored. */
  resolve(action: ResolveAction): void {
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
