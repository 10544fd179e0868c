import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../../../api/deps';
import { verifyOrderSignature } from '../../../api/webhook-signature';
import { completeWorkflowInput } from '../../../api/workflow-inputs';
import type { OrderInput } from '../../../definitions';

const config = {
  publicUrl: 'https://baton.example',
  webhookSecret: 'unit-webhook-secret-0123456789',
  paymentClearanceTimeout: '2 hours',
} as AppConfig;

const order = {
  orderId: 'ord-7',
  customerId: 'cus-1',
  items: [{ sku: 'SKU-1', quantity: 1 }],
  amount: { currency: 'EUR', value: 100 },
  paymentMethod: 'bank_transfer',
  shippingAddress: { line1: 'a', city: 'b', postalCode: 'c', country: 'DE' },
  // A client must not choose where payment events go.
  callbackUrl: 'https://attacker.example/hook',
  paymentClearanceTimeout: '1 second',
} satisfies OrderInput;

describe('inputs the API completes before a start', () => {
  it('gives every order, whichever route started it, the signed callback and the configured clearance timeout', () => {
    const input = completeWorkflowInput('order', order, config) as OrderInput;
    const url = new URL(input.callbackUrl ?? '');
    expect(url.origin + url.pathname).toBe('https://baton.example/webhooks/payments');
    expect(verifyOrderSignature(config.webhookSecret, 'ord-7', url.searchParams.get('token') ?? undefined)).toBe(true);
    expect(input.paymentClearanceTimeout).toBe('2 hours');
    expect(input.orderId).toBe('ord-7');
  });

  it('leaves the input of other workflow types as it is', () => {
    const input = { userId: 'u-1' };
    expect(completeWorkflowInput('welcomeUser', input, config)).toBe(input);
  });
});
