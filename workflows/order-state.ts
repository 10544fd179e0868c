// The order's account of itself: what the state query answers and what the workflow returns.
// Its transitions are logged through the workflow logger (replay-aware, no commands).
import { log } from '@temporalio/workflow';
import type {
  Attempted,
  CompensationName,
  CompensationRecord,
  OrderFailure,
  OrderState,
  OrderStatus,
  StepName,
  StepRecord,
  UnresolvedEffect,
} from '../contracts';
import { FINAL_ORDER_STATUSES } from '../contracts/order-basics';
import { attemptsOf, messageOf } from './order-failures';
import { promiseOf, type CompensationReport, type PendingCompensation, type SagaListener } from './saga';

/** Workflow time: deterministic, replayed from history. */
const now = () => new Date().toISOString();

/** Where the order keeps the downstream ID of each step's effect. */
const ID_FIELDS: Partial<Record<StepName, 'paymentId' | 'reservationId' | 'shipmentId'>> = {
  authorizePayment: 'paymentId',
  reserveInventory: 'reservationId',
  createShipment: 'shipmentId',
};

export class OrderStateTracker implements SagaListener<StepName, CompensationName> {
  readonly #state: OrderState;

  /** `status` hears every change of status (the search attribute follows it), `changed` every change at all (the Web UI's details). */
  constructor(
    orderId: string,
    private readonly listener: { status?: (status: OrderStatus) => void; changed?: (state: Readonly<OrderState>) => void } = {},
  ) {
    this.#state = { orderId, status: 'received', steps: [], compensations: [] };
    this.#changed();
  }

  #changed(): void {
    this.listener.changed?.(this.#state);
  }

  get status(): OrderStatus {
    return this.#state.status;
  }

  /** A copy, so that a query's answer is never changed afterwards. */
  snapshot(): OrderState {
    return JSON.parse(JSON.stringify(this.#state)) as OrderState;
  }

  set(status: OrderStatus): void {
    const from = this.#state.status;
    this.#state.status = status;
    if (from === status) return;
    const fields = { orderId: this.#state.orderId, from, status };
    if (status === 'needs_attention') log.warn('order needs attention: a compensation keeps failing', fields);
    else log.info(`order ${status}`, fields);
    this.listener.status?.(status);
    this.#changed();
  }

  remember(ids: Pick<OrderState, 'paymentId' | 'reservationId' | 'shipmentId'>): void {
    Object.assign(this.#state, ids);
    this.#changed();
  }

  /**
   * Runs one step of the order, recording its start, end, attempts and error. A `then` rather than an await: in
   * workflow code each await costs a promise whose stack the SDK captures (docs/benchmark-journal.md).
   */
  step<T>(name: StepName, run: () => Promise<Attempted<T>>, maxAttempts = 1): Promise<T> {
    const record: StepRecord = { name, status: 'running', attempts: 0, startedAt: now() };
    this.#state.steps.push(record);
    this.#changed();
    const orderId = this.#state.orderId;
    log.info(`step ${name} started`, { orderId, step: name });
    return promiseOf(run).then(
      ({ value, attempt }) => {
        Object.assign(record, { status: 'completed', attempts: attempt, finishedAt: now() });
        log.info(`step ${name} completed`, { orderId, step: name, attempts: attempt });
        this.#changed();
        return value;
      },
      (err: unknown) => {
        Object.assign(record, { status: 'failed', attempts: attemptsOf(err, maxAttempts), finishedAt: now(), error: messageOf(err) });
        log.warn(`step ${name} failed`, { orderId, step: name, attempts: record.attempts, error: record.error });
        this.#changed();
        throw err;
      },
    );
  }

  /** Whether the step has run and ended (completed or failed), or the order is past it for good. */
  hasFinished(name: StepName): boolean {
    const record = this.#lastStep(name);
    return (record !== undefined && record.status !== 'running') || FINAL_ORDER_STATUSES.includes(this.#state.status);
  }

  /** The step the order was in last: the one that stopped it, when it stopped. */
  currentStep(): StepName | undefined {
    return this.#state.steps.at(-1)?.name;
  }

  failed(failure: OrderFailure): void {
    this.#state.failure = failure;
    this.#changed();
  }

  compensated(step: StepName, name: CompensationName, report: CompensationReport): void {
    log.info(`compensation ${name} completed`, { orderId: this.#state.orderId, step, compensation: name, undone: report.undone, attempts: report.attempts });
    const record = this.#compensation(name);
    record.status = 'completed';
    record.attempts += report.attempts;
    delete record.error;
    if (report.undone) {
      const stepRecord = this.#lastStep(step);
      if (stepRecord) stepRecord.status = 'compensated';
      // An effect first learned while undoing it (its step never answered) still belongs on the record.
      const field = ID_FIELDS[step];
      if (field && report.id !== undefined) this.#state[field] ??= report.id;
    }
    this.#changed();
  }

  compensationFailed(step: StepName, name: CompensationName, error: unknown): void {
    log.warn(`compensation ${name} failed`, { orderId: this.#state.orderId, step, compensation: name, error: messageOf(error) });
    const record = this.#compensation(name);
    record.status = 'failed';
    record.attempts += attemptsOf(error, 1);
    record.error = messageOf(error);
    this.#changed();
  }

  abandoned(pending: PendingCompensation<StepName, CompensationName>[]): void {
    this.#state.unresolved = pending.map((p): UnresolvedEffect => {
      const field = ID_FIELDS[p.step];
      const id = field && this.#state[field];
      return { compensation: p.compensation, step: p.step, ...(id !== undefined && { id }), error: messageOf(p.error) };
    });
    this.#changed();
  }

  #compensation(name: CompensationName): CompensationRecord {
    let record = this.#state.compensations.find((c) => c.name === name);
    if (!record) {
      record = { name, status: 'completed', attempts: 0 };
      this.#state.compensations.push(record);
    }
    return record;
  }

  #lastStep(name: StepName): StepRecord | undefined {
    return this.#state.steps.findLast((s) => s.name === name);
  }
}
