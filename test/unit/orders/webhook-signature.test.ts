import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { paymentCallbackUrl, signOrderId, verifyOrderSignature } from '../../../api/webhook-signature';

const SECRET = 'unit-webhook-secret-0123456789';

describe('payment callback token', () => {
  it('is the HMAC-SHA256 of the order ID under the webhook secret', () => {
    expect(signOrderId(SECRET, 'ord-1')).toBe(createHmac('sha256', SECRET).update('ord-1').digest('hex'));
  });

  it('verifies for exactly the order it signs, hex or base64url', () => {
    const hex = signOrderId(SECRET, 'ord-1');
    expect(verifyOrderSignature(SECRET, 'ord-1', hex)).toBe(true);
    expect(verifyOrderSignature(SECRET, 'ord-1', Buffer.from(hex, 'hex').toString('base64url'))).toBe(true);
    expect(verifyOrderSignature(SECRET, 'ord-2', hex)).toBe(false);
    expect(verifyOrderSignature('another-secret-0123456789', 'ord-1', hex)).toBe(false);
  });

  it('rejects missing, truncated and garbage tokens', () => {
    for (const token of [undefined, '', 'abc', signOrderId(SECRET, 'ord-1').slice(0, 63), 'z'.repeat(64)]) {
      expect(verifyOrderSignature(SECRET, 'ord-1', token)).toBe(false);
    }
  });

  it('builds the callbackUrl under the public URL, keeping its path', () => {
    const url = new URL(paymentCallbackUrl('https://baton.example.com/api', SECRET, 'ord:1'));
    expect(url.pathname).toBe('/api/webhooks/payments');
    expect(url.searchParams.get('orderId')).toBe('ord:1');
    expect(url.searchParams.get('token')).toBe(signOrderId(SECRET, 'ord:1'));
  });
});
