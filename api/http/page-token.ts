// Temporal's list page tokens travel to clients and come back. A token Temporal did not issue makes its
// visibility store fail in a way the client retries until the request's deadline: seconds, then a false
// "Temporal unavailable". So the API signs the tokens it hands out (HMAC under the webhook secret, the
// one secret every API replica shares; the first signs, any verifies) and refuses any other at once, naming the field.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { problems } from './problems';

const MAC_BYTES = 16;

const mac = (secret: string, token: Uint8Array) => createHmac('sha256', secret).update('baton page token\0').update(token).digest().subarray(0, MAC_BYTES);

/** Temporal's next-page token as the client sees it; undefined on the last page. */
export function issuePageToken(secrets: readonly string[], token: Uint8Array | null | undefined): string | undefined {
  const [secret] = secrets;
  if (!token?.length || secret === undefined) return undefined;
  return Buffer.concat([mac(secret, token), token]).toString('base64url');
}

/** The Temporal token inside one this API issued; a 400 naming query.nextPageToken for anything else. */
export function readPageToken(secrets: readonly string[], value: string): Buffer {
  const raw = /^[A-Za-z0-9_-]+$/.test(value) ? Buffer.from(value, 'base64url') : Buffer.alloc(0);
  const token = raw.subarray(MAC_BYTES);
  if (raw.length <= MAC_BYTES || !secrets.some((secret) => timingSafeEqual(raw.subarray(0, MAC_BYTES), mac(secret, token)))) {
    throw problems.validation([{ path: 'query.nextPageToken', message: 'is not a page token this API issued' }]);
  }
  return token;
}
