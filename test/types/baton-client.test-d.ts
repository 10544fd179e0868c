// The typed client's types come from the workflow definitions: wrong names and payloads do not compile.
import { describe, expectTypeOf, it } from 'vitest';
import { createBatonClient, type SignalName, type SignalPayload, type WorkflowInput, type WorkflowType } from '../../client/baton-client';
import type { OrderRequest, OrderState, WelcomeResult } from '../../contracts';
import type { z } from 'zod';

const baton = createBatonClient({ baseUrl: 'http://localhost:3000', token: 't' });
const order: WorkflowInput<'order'> = {
  orderId: 'ord-1',
  customerId: 'cus-1',
  items: [{ sku: 'SKU-1', quantity: 1 }],
  amount: { currency: 'EUR', value: 100 },
  paymentMethod: 'card',
  shippingAddress: { line1: 'a', city: 'b', postalCode: 'c', country: 'DE' },
};

describe('typed client', () => {
  it('knows the registered workflow types and their signals', () => {
    expectTypeOf<WorkflowType>().toEqualTypeOf<'welcomeUser' | 'order'>();
    expectTypeOf<SignalName<'order'>>().toEqualTypeOf<'paymentEvent' | 'resolve'>();
    expectTypeOf<SignalName<'welcomeUser'>>().toEqualTypeOf<never>();
    expectTypeOf<SignalPayload<'order', 'resolve'>>().toEqualTypeOf<{ action: 'retry' | 'abandon' }>();
  });

  it('types signal payloads, query and update results, and start inputs from the schemas', () => {
    type PaymentEventPayload = Parameters<typeof baton.signal<'order', 'paymentEvent'>>[3];
    expectTypeOf<PaymentEventPayload>().toEqualTypeOf<{ paymentId: string; orderId: string; status: 'cleared' | 'failed' }>();
    expectTypeOf(baton.query('order', 'order-1', 'state')).resolves.toEqualTypeOf<OrderState>();
    expectTypeOf(baton.update('order', 'order-1', 'paymentAuthorized', {})).resolves.toEqualTypeOf<OrderState>();
    expectTypeOf(baton.describe('welcomeUser', 'welcome-1')).resolves.toHaveProperty('result').toEqualTypeOf<WelcomeResult | undefined>();
    expectTypeOf(baton.start('welcomeUser', { userId: 'u-1' }))
      .resolves.toHaveProperty('run')
      .toHaveProperty('result')
      .toEqualTypeOf<WelcomeResult | undefined>();
  });

  it('takes an order as a client may send it: without the fields the API sets itself', () => {
    expectTypeOf<WorkflowInput<'order'>>().toEqualTypeOf<z.input<typeof OrderRequest>>();
  });

  it('refuses a wrong type, signal name or payload', () => {
    // @ts-expect-error: no such workflow type
    void baton.start('shipment', { userId: 'u-1' });
    // @ts-expect-error: welcomeUser takes a userId
    void baton.start('welcomeUser', { user: 'u-1' });
    // @ts-expect-error: no such signal on an order
    void baton.signal('order', 'order-1', 'paymentCleared', { paymentId: 'p', orderId: 'o', status: 'cleared' });
    // @ts-expect-error: not a payment event status
    void baton.signal('order', 'order-1', 'paymentEvent', { paymentId: 'p', orderId: 'o', status: 'settled' });
    // @ts-expect-error: resolve takes { action }
    void baton.signal('order', 'order-1', 'resolve', { decision: 'retry' });
    // @ts-expect-error: welcomeUser has no signals at all
    void baton.signal('welcomeUser', 'welcome-1', 'resolve', { action: 'retry' });
    // @ts-expect-error: no such query
    void baton.query('order', 'order-1', 'status');
    // @ts-expect-error: no such update
    void baton.update('order', 'order-1', 'shipNow', {});
    // @ts-expect-error: the callback URL is the API's to set (it answers 400 naming the field)
    void baton.start('order', { ...order, callbackUrl: 'https://attacker.example/hook' });
  });
});
