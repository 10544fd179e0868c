// In-process calls to a sample service through app.request(), with the answer read once.
import { expect } from 'vitest';
import { Problem } from '../../../contracts';
import type { SampleService } from '../../../dev/services/kit';

export interface CallOptions {
  body?: unknown;
  /** Sent as is, for malformed-JSON cases. */
  rawBody?: string;
  key?: string;
  signal?: AbortSignal;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function call(service: SampleService, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = {};
  if (options.key !== undefined) headers['idempotency-key'] = options.key;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await service.app.request(path, { method, headers, body, signal: options.signal });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Asserts an RFC 9457 answer with the given status. */
export function expectProblem(res: CallResult, status: number, slug?: string): void {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const problem = Problem.parse(res.json);
  expect(problem.status).toBe(status);
  expect(problem.type).toContain(slug ?? '/problems/');
}

export const card = (orderId: string, value = 1999) => ({
  orderId,
  customerId: 'c-1',
  amount: { currency: 'EUR', value },
  method: 'card',
});

export const bankTransfer = (orderId: string, callbackUrl?: string) => ({
  orderId,
  customerId: 'c-1',
  amount: { currency: 'EUR', value: 5000 },
  method: 'bank_transfer',
  ...(callbackUrl && { callbackUrl }),
});

export const items = [{ sku: 'SKU-1', quantity: 2 }];

export const address = (country = 'DE') => ({ line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country });
