// What a person reads about an order in the Web UI: the run's summary and details at start, its
// progress as it moves.
import { describe, expect, it } from 'vitest';
import { formatMoney, orderDetails, orderSummary } from '../../../contracts';
import { orderProgress } from '../../../workflows/order-progress';
import { orderRequest } from '../../support/orders';

describe('the order as the Web UI shows it', () => {
  it('writes amounts in the currency’s own units', () => {
    expect(formatMoney({ currency: 'EUR', value: 1999 })).toBe('19.99 EUR');
    expect(formatMoney({ currency: 'JPY', value: 1999 })).toBe('1999 JPY');
    expect(formatMoney({ currency: 'KWD', value: 1999 })).toBe('1.999 KWD');
  });

  it('sums an order up in one line, and details who, what and where to', () => {
    const order = orderRequest({
      orderId: 'ord-2',
      customerId: 'cus-9',
      paymentMethod: 'bank_transfer',
      items: [
        { sku: 'SKU-1', quantity: 2 },
        { sku: 'SKU-2', quantity: 1 },
      ],
    });
    expect(orderSummary(order)).toBe('Order ord-2: 19.99 EUR by bank transfer for cus-9');
    expect(orderDetails(order).split('  \n')).toEqual([
      '**Order** ord-2',
      '**Customer** cus-9',
      '**Amount** 19.99 EUR by bank transfer',
      '**Items** 2 × SKU-1, 1 × SKU-2',
      '**Ships to** Berlin, DE',
    ]);
  });

  it('shows the progress: status, why it stopped, each step and compensation, with errors kept to their cell', () => {
    const progress = orderProgress({
      orderId: 'ord-2',
      status: 'failed',
      paymentId: 'pay_1',
      steps: [
        { name: 'authorizePayment', status: 'compensated', attempts: 1, startedAt: 't0', finishedAt: 't1' },
        { name: 'reserveInventory', status: 'failed', attempts: 1, startedAt: 't1', finishedAt: 't2', error: 'out of stock | SKU-1\nnone left' },
      ],
      compensations: [{ name: 'refundPayment', status: 'completed', attempts: 2 }],
      failure: { step: 'reserveInventory', reason: 'out_of_stock', detail: 'out of stock' },
    });
    expect(progress).toBe(
      [
        '**Status** failed  \n**Stopped at** reserveInventory: out_of_stock (out of stock)  \n**Downstream** payment pay_1',
        '| Step | Status | Attempts | Error |\n| --- | --- | --- | --- |\n| authorizePayment | compensated | 1 |  |\n| reserveInventory | failed | 1 | out of stock \\| SKU-1 none left |',
        '| Compensation | Status | Attempts | Error |\n| --- | --- | --- | --- |\n| refundPayment | completed | 2 |  |',
      ].join('\n\n'),
    );
    expect(orderProgress({ orderId: 'ord-3', status: 'received', steps: [], compensations: [] })).toBe('**Status** received');
  });
});
