import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../../../api/http/deps';
import { verifyCallback } from '../../../api/orders/callback-signature';
import { orderServerInput } from '../../../api/orders/order-server-input';
import type { OrderInput } from '../../../contracts';
import { orderRequest } from '../../support/orders';

const config = {
  publicUrl: 'https://baton.example',
  webhookSecrets: ['unit-webhook-secret-0123456789'],
  paymentClearanceTimeout: '2 hours',
} as unknown as AppConfig;

const order = orderRequest({ orderId: 'ord-7', paymentMethod: 'bank_transfer' });

describe('the order fields the API owns', () => {
  it('gives every order the signed callback and the configured clearance timeout', () => {
    const input = orderServerInput(order, config) as OrderInput;
    const url = new URL(input.callbackUrl ?? '');
    expect(url.origin + url.pathname).toBe('https://baton.example/webhooks/payments');
    const exp = Number(url.searchParams.get('exp'));
    expect(verifyCallback(config.webhookSecrets, 'ord-7', String(exp), url.searchParams.get('token') ?? undefined)).toBe('valid');
    // Valid through the clearance wait (2 hours) and a day's grace for late deliveries, not for ever.
    expect(exp * 1000 - Date.now()).toBeGreaterThan(26 * 3_600_000 - 60_000);
    expect(exp * 1000 - Date.now()).toBeLessThanOrEqual(26 * 3_600_000 + 1000);
    expect(input.paymentClearanceTimeout).toBe('2 hours');
    expect(input.orderId).toBe('ord-7');
  });
});
