import { randomUUID } from 'node:crypto';
import { isId } from '../../contracts/ids';

/**
 * The key a start derives its workflow ID from when the client sent no Idempotency-Key: the request ID,
 * so a retry with the same X-Request-Id finds the same run. The request ID may come from the client
 * (hono's requestId middleware takes any `[\w=-]{1,255}`), so one outside the ID rules is replaced by a
 * fresh key rather than let into a workflow ID.
 */
export function requestKey(requestId: string): string {
  return isId(requestId) ? requestId : randomUUID();
}
