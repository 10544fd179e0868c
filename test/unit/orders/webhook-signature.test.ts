import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { paymentCallbackUrl, signCallback, verifyCallback } from '../../../api/orders/callback-signature';

const SECRET = 'unit-webhook-secret-0123456789';
const NOW = Date.parse('2026-11-30T12:00:00Z');
const LATER = NOW / 1000 + 3600;

describe('payment callback token', () => {
  it('is the HMAC-SHA256 of its purpose, the order ID and the expiry under the webhook secret', () => {
    expect(signCallback(SECRET, 'ord-1', LATER)).toBe(createHmac('sha256', SECRET).update(`baton-payment-callback-v2\nord-1\n${LATER}`).digest('hex'));
  });

  it('verifies for exactly the order and expiry it signs, hex or base64url', () => {
    const hex = signCallback(SECRET, 'ord-1', LATER);
    const exp = String(LATER);
    expect(verifyCallback([SECRET], 'ord-1', exp, hex, NOW)).toBe('valid');
    expect(verifyCallback([SECRET], 'ord-1', exp, Buffer.from(hex, 'hex').toString('base64url'), NOW)).toBe('valid');
    expect(verifyCallback([SECRET], 'ord-2', exp, hex, NOW)).toBe('invalid');
    expect(verifyCallback([SECRET], 'ord-1', String(LATER + 86_400), hex, NOW)).toBe('invalid'); // a stretched expiry
    expect(verifyCallback(['another-secret-0123456789'], 'ord-1', exp, hex, NOW)).toBe('invalid');
  });

  it('expires', () => {
    const hex = signCallback(SECRET, 'ord-1', LATER);
    expect(verifyCallback([SECRET], 'ord-1', String(LATER), hex, LATER * 1000 + 1)).toBe('expired');
  });

  it('verifies under any listed secret, so the secret rotates without dropping callbacks in flight', () => {
    const old = signCallback(SECRET, 'ord-1', LATER);
    expect(verifyCallback(['unit-webhook-secret-new-0123', SECRET], 'ord-1', String(LATER), old, NOW)).toBe('valid');
    expect(verifyCallback(['unit-webhook-secret-new-0123'], 'ord-1', String(LATER), old, NOW)).toBe('invalid');
  });

  it('rejects missing, truncated, garbage and legacy (order-only) tokens', () => {
    const legacy = createHmac('sha256', SECRET).update('ord-1').digest('hex');
    const good = signCallback(SECRET, 'ord-1', LATER);
    for (const token of [undefined, '', 'abc', good.slice(0, 63), 'z'.repeat(64), legacy]) {
      expect(verifyCallback([SECRET], 'ord-1', String(LATER), token, NOW)).toBe('invalid');
    }
    for (const exp of [undefined, '', 'soon', '-1', `${LATER}.5`]) expect(verifyCallback([SECRET], 'ord-1', exp, good, NOW)).toBe('invalid');
  });

  it('builds the callbackUrl under the public URL, keeping its path', () => {
    const url = new URL(paymentCallbackUrl('https://baton.example.com/api', SECRET, 'ord:1', LATER));
    expect(url.pathname).toBe('/api/webhooks/payments');
    expect(url.searchParams.get('orderId')).toBe('ord:1');
    expect(url.searchParams.get('exp')).toBe(String(LATER));
    expect(url.searchParams.get('token')).toBe(signCallback(SECRET, 'ord:1', LATER));
  });
});
