// Delivers a PaymentEvent to the caller's callback URL, retrying what might succeed later.
import type { PaymentEvent } from '../../contracts';
import type { Logger } from '../../lib/logger';
import { redactUrl } from '../../lib/redact';
import { waitFor } from './faults';

export interface CallbackRetryOptions {
  /** Total tries, the first included. */
  attempts: number;
  /** Wait before the second try; doubles after each further failure. */
  baseDelayMs: number;
  /** Per try. */
  timeoutMs: number;
}

export const DEFAULT_CALLBACK_RETRY: CallbackRetryOptions = { attempts: 5, baseDelayMs: 250, timeoutMs: 5000 };

export type CallbackOutcome = 'delivered' | 'rejected' | 'gave-up' | 'cancelled';

/** Network errors, timeouts, 408, 429 and 5xx may pass on a later try; other answers will not. */
const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

export async function deliverCallback(
  url: string,
  event: PaymentEvent,
  options: { retry: CallbackRetryOptions; signal: AbortSignal; logger: Logger; onAttempt?: () => void },
): Promise<CallbackOutcome> {
  const { retry, signal, logger } = options;
  const body = JSON.stringify(event);
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    if (signal.aborted) return 'cancelled';
    options.onAttempt?.();
    let status: number | undefined;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        // A redirect would turn the POST into a GET; treat it as an answer instead.
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(retry.timeoutMs)]),
      });
      status = res.status;
      await res.body?.cancel();
    } catch (err) {
      if (signal.aborted) return 'cancelled';
      logger.warn({ err, url: redactUrl(url), attempt, paymentId: event.paymentId }, 'payment callback failed');
    }
    if (status !== undefined && status < 300) return 'delivered';
    if (status !== undefined && !retryable(status)) {
      logger.warn({ url: redactUrl(url), status, paymentId: event.paymentId }, 'payment callback rejected; not retrying');
      return 'rejected';
    }
    if (attempt < retry.attempts) await waitFor(retry.baseDelayMs * 2 ** (attempt - 1), signal);
  }
  return signal.aborted ? 'cancelled' : 'gave-up';
}
