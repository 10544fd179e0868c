// A small saga: each step registers its compensation before it runs, so an effect is undone when
// the step succeeded and also when nobody knows whether it did (it timed out, lost its answer or
// was cancelled in flight). Compensations run newest first, cannot be cancelled, and one that keeps
// failing is kept for another round instead of being swallowed.
import { CancellationScope } from '@temporalio/workflow';
import type { CallOutcome } from '../contracts';

/** What `run` returns, a throw before its promise included: as an async function would, without being one. */
export function promiseOf<T>(run: () => Promise<T>): Promise<T> {
  try {
    return run();
  } catch (err) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- whatever was thrown, as an async function rejects with it
    return Promise.reject(err);
  }
}

export interface CompensationReport {
  attempts: number;
  /** False when the compensation found nothing to undo (an unknown outcome turned out to be none). */
  undone: boolean;
  /** The downstream ID of what was undone, when known. */
  id?: string;
}

export interface Compensation<T, C extends string = string> {
  name: C;
  /**
   * Undoes the step. `result` is undefined when the step's outcome is unknown: the compensation
   * must then find out what happened (for example by repeating the step's idempotent request)
   * before undoing it. `round` counts the tries, 1 for the first, more for an operator's retries.
   */
  undo(result: T | undefined, round: number): Promise<CompensationReport>;
}

export interface SagaStep<T, S extends string = string, C extends string = string> {
  name: S;
  run(): Promise<T>;
  compensation: Compensation<T, C>;
}

/** Told about every compensation, so the caller can keep its own account of them. */
export interface SagaListener<S extends string = string, C extends string = string> {
  compensated(step: S, compensation: C, report: CompensationReport): void;
  compensationFailed(step: S, compensation: C, error: unknown): void;
}

export interface PendingCompensation<S extends string = string, C extends string = string> {
  step: S;
  compensation: C;
  error: unknown;
}

interface Entry<S extends string, C extends string> {
  step: S;
  compensation: C;
  /** `none`: nothing to undo; `applied`/`unknown`: to undo; `compensated`: done. */
  state: 'running' | 'applied' | 'unknown' | 'none' | 'compensated';
  undo(round: number): Promise<CompensationReport>;
  error?: unknown;
}

export class Saga<S extends string = string, C extends string = string> {
  readonly #entries: Entry<S, C>[] = [];

  /**
   * `outcomeOf` tells, for a step's failure, whether it may have taken effect. `startsOnlyUncancelled`
   * (v4 orders): a step asked for after a cancellation is never sent, so it has nothing to undo.
   */
  constructor(
    private readonly outcomeOf: (error: unknown) => CallOutcome,
    private readonly listener: SagaListener<S, C>,
    private readonly startsOnlyUncancelled = false,
  ) {}

  /**
   * Runs a step whose compensation is registered before the call leaves. A `then` rather than an await: in
   * workflow code each await costs a promise whose stack the SDK captures (docs/benchmark-journal.md).
   */
  run<T>(step: SagaStep<T, S, C>): Promise<T> {
    const scope = CancellationScope.current();
    if (this.startsOnlyUncancelled && scope.consideredCancelled) return scope.cancelRequested; // rejects with the cancellation
    let result: T | undefined;
    const entry: Entry<S, C> = {
      step: step.name,
      compensation: step.compensation.name,
      state: 'running',
      undo: (round) => step.compensation.undo(result, round),
    };
    this.#entries.push(entry);
    return promiseOf(() => step.run()).then(
      (value) => {
        result = value;
        entry.state = 'applied';
        return value;
      },
      (err: unknown) => {
        entry.state = this.outcomeOf(err) === 'none' ? 'none' : 'unknown';
        throw err;
      },
    );
  }

  /**
   * Undoes, newest first, every effect that took place or may have. A failing compensation does not
   * stop the others: they are independent effects. Resolves true when nothing is left to undo.
   */
  compensate(round: number): Promise<boolean> {
    return CancellationScope.nonCancellable(async () => {
      for (const entry of [...this.#entries].reverse()) {
        if (entry.state !== 'applied' && entry.state !== 'unknown') continue;
        try {
          const report = await entry.undo(round);
          entry.state = 'compensated';
          entry.error = undefined;
          this.listener.compensated(entry.step, entry.compensation, report);
        } catch (err) {
          entry.error = err;
          this.listener.compensationFailed(entry.step, entry.compensation, err);
        }
      }
      return this.pending().length === 0;
    });
  }

  /** Effects still to undo, newest first. */
  pending(): PendingCompensation<S, C>[] {
    return [...this.#entries]
      .reverse()
      .filter((e) => e.state === 'applied' || e.state === 'unknown')
      .map((e) => ({ step: e.step, compensation: e.compensation, error: e.error }));
  }
}
