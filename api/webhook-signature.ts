// The payment callback's token: HMAC-SHA256 of the order ID under BATON_WEBHOOK_SECRET. The API puts
// it in the callbackUrl it hands the payments service, so the worker never needs the secret.
import { createHmac, timingSafeEqual } from 'node:crypto';

const mac = (secret: string, orderId: string) => createHmac('sha256', secret).update(orderId, 'utf8').digest();

/** Hex, the common spelling of an HMAC; verification also takes base64url. */
export function signOrderId(secret: string, orderId: string): string {
  return mac(secret, orderId).toString('hex');
}

function decode(token: string): Buffer | undefined {
  if (/^[0-9a-f]{64}$/i.test(token)) return Buffer.from(token, 'hex');
  if (/^[A-Za-z0-9_-]{43}$/.test(token)) return Buffer.from(token, 'base64url');
  return undefined;
}

/** True when `token` signs exactly this order ID; compared in constant time. */
export function verifyOrderSignature(secret: string, orderId: string, token: string | undefined): boolean {
  const presented = token ? decode(token) : undefined;
  const expected = mac(secret, orderId);
  return presented !== undefined && presented.length === expected.length && timingSafeEqual(presented, expected);
}

export function paymentCallbackUrl(publicUrl: string, secret: string, orderId: string): string {
  const url = new URL('webhooks/payments', publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`);
  url.searchParams.set('orderId', orderId);
  url.searchParams.set('token', signOrderId(secret, orderId));
  return url.toString();
}
