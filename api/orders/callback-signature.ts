// The payment callback's token. The API puts it in the callbackUrl it hands the payments service, so
// the worker never needs the secret. It signs the order and an expiry (HMAC-SHA256 under the first of
// BATON_WEBHOOK_SECRET's secrets; any of them verifies, so secrets rotate without dropping callbacks in
// flight). The payment is bound where it becomes known: the route checks it against the order's own.
// A valid token only wakes the order: the payments service's record decides (workflows/order-workflow.ts).
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The version tag inside the MAC: a token of another format or purpose can never verify as this one. */
const PURPOSE = 'baton-payment-callback-v2';

const mac = (secret: string, orderId: string, expiresAt: number) =>
  createHmac('sha256', secret).update(`${PURPOSE}\n${orderId}\n${expiresAt}`, 'utf8').digest();

/** Hex, the common spelling of an HMAC; verification also takes base64url. */
export function signCallback(secret: string, orderId: string, expiresAt: number): string {
  return mac(secret, orderId, expiresAt).toString('hex');
}

function decode(token: string): Buffer | undefined {
  if (/^[0-9a-f]{64}$/i.test(token)) return Buffer.from(token, 'hex');
  if (/^[A-Za-z0-9_-]{43}$/.test(token)) return Buffer.from(token, 'base64url');
  return undefined;
}

export type CallbackVerdict = 'valid' | 'expired' | 'invalid';

/**
 * Whether `token` signs this order and expiry under one of `secrets` (compared in constant time), and
 * the expiry (Unix seconds, as the URL carries it) is still ahead.
 */
export function verifyCallback(
  secrets: readonly string[],
  orderId: string,
  expiresAt: string | undefined,
  token: string | undefined,
  nowMs = Date.now(),
): CallbackVerdict {
  const presented = token ? decode(token) : undefined;
  const exp = expiresAt !== undefined && /^\d{1,12}$/.test(expiresAt) ? Number(expiresAt) : undefined;
  if (!presented || exp === undefined) return 'invalid';
  const signed = secrets.some((secret) => {
    const expected = mac(secret, orderId, exp);
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  });
  if (!signed) return 'invalid';
  return exp * 1000 > nowMs ? 'valid' : 'expired';
}

/** The query a callback URL carries: the order, the expiry (Unix seconds) and the token. */
export function callbackParams(secret: string, orderId: string, expiresAt: number): URLSearchParams {
  return new URLSearchParams({ orderId, exp: String(expiresAt), token: signCallback(secret, orderId, expiresAt) });
}

export function paymentCallbackUrl(publicUrl: string, secret: string, orderId: string, expiresAt: number): string {
  const url = new URL('webhooks/payments', publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`);
  url.search = callbackParams(secret, orderId, expiresAt).toString();
  return url.toString();
}
