// Why a source gave no value. The four public reasons are the contract's; `cancelled` never
// reaches a response (it means the composition had already answered or the client left).
import { z } from '@hono/zod-openapi';

export const FailureReason = z.enum(['timeout', 'unavailable', 'bad_response', 'circuit_open']);
export type FailureReason = z.infer<typeof FailureReason>;

/** One failed source in a partial answer. */
export const SourceError = z
  .object({ source: z.string(), reason: FailureReason })
  .openapi('SourceError', { description: 'A source that gave no value; its field in the answer is null.' });
export type SourceError = z.infer<typeof SourceError>;

/** Spread into an output schema: every composition reports partial answers the same way. */
export const partialAnswerFields = {
  partial: z.boolean().openapi({ description: 'True when an optional source failed and its field is null.' }),
  errors: z.array(SourceError),
};

/**
 * A timer that fires later than this was held up by Baton's own event loop (overload, a long GC), not
 * by a service: an answer may well be sitting unread in its socket.
 */
export const LAG_TOLERANCE_MS = 100;

/** Abort reasons the engine gives its signal, so the HTTP layer can tell a deadline from a cancellation. */
export const DEADLINE_EXCEEDED: unique symbol = Symbol('deadline exceeded');
export const CANCELLED: unique symbol = Symbol('cancelled');

/** A 429, a 5xx, a refused or reset connection, or a timeout: trying again later may help. */
export class TransientFailure extends Error {
  constructor(
    readonly reason: 'timeout' | 'unavailable',
    /** Set by the caller, who alone knows whether the budget leaves room for another attempt. */
    readonly retryable: boolean,
    /**
     * False for a timeout Baton caused itself (the call waited for a connection for most of its
     * budget, or its timer fired well after it was due because the event loop was busy): the
     * service's breaker does not count it.
     */
    readonly blamesService = true,
  ) {
    super(reason);
    this.name = 'TransientFailure';
  }
}

/** The call was abandoned by the composition, not failed by the service: it must not count against the breaker. */
export class CancelledCall extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledCall';
  }
}
