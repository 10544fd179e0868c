// What a person reads about an order in the Temporal Web UI and `temporal workflow describe`: one
// line and a few lines of markdown, from the input. Plain functions: the API sets them when it starts
// the run, and the workflow uses the same wording for its calls and its progress.
import type { Money } from './downstream';
import type { OrderInput } from './order';

// Building an Intl.NumberFormat is slow (5% of the API's CPU under a burst of starts; the workflow formats
// amounts too), and a currency's digits never change: each currency is looked up once per process.
const digitsByCurrency = new Map<string, number>();

/** Digits after the decimal point of a currency (JPY has none); 2 for a code Intl does not know. */
function fractionDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

/** `19.99 EUR` from `{ currency: 'EUR', value: 1999 }` (minor units). */
export function formatMoney({ currency, value }: Money): string {
  const digits = fractionDigits(currency);
  return `${(value / 10 ** digits).toFixed(digits)} ${currency}`;
}

export const paymentMethodName = (method: OrderInput['paymentMethod']): string => (method === 'bank_transfer' ? 'bank transfer' : method);

/** `2 × SKU-1, 1 × SKU-2` */
export const formatItems = (items: OrderInput['items']): string => items.map((item) => `${item.quantity} × ${item.sku}`).join(', ');

export const formatDestination = (address: OrderInput['shippingAddress']): string => `${address.city}, ${address.country}`;

/** The run's one-line summary: `Order ord-2: 19.99 EUR by card for cus-9`. */
export function orderSummary(input: Pick<OrderInput, 'orderId' | 'customerId' | 'amount' | 'paymentMethod'>): string {
  return `Order ${input.orderId}: ${formatMoney(input.amount)} by ${paymentMethodName(input.paymentMethod)} for ${input.customerId}`;
}

/** The run's static details (markdown): who, how much, what, where to. */
export function orderDetails(input: Pick<OrderInput, 'orderId' | 'customerId' | 'amount' | 'paymentMethod' | 'items' | 'shippingAddress'>): string {
  return [
    `**Order** ${input.orderId}`,
    `**Customer** ${input.customerId}`,
    `**Amount** ${formatMoney(input.amount)} by ${paymentMethodName(input.paymentMethod)}`,
    `**Items** ${formatItems(input.items)}`,
    `**Ships to** ${formatDestination(input.shippingAddress)}`,
  ].join('  \n');
}
