// The random fault kinds the chaos suite mixes in: occasional hangs and effects whose answer is lost.
import { afterEach, describe, expect, it } from 'vitest';
import { createPaymentsService } from '../../../dev/services/payments-service';
import type { CommonServiceOptions, SampleService } from '../../../dev/services/kit';
import { call, card, expectProblem } from './support';

const started: SampleService[] = [];
const payments = (options: CommonServiceOptions = {}) => {
  const service = createPaymentsService({ ...options, settleOutcome: 'never' });
  started.push(service);
  return service;
};
afterEach(() => {
  for (const service of started.splice(0)) service.shutdown();
});

const charges = (service: SampleService, orderId: string) => (service.state().orders as Record<string, { charges: number } | undefined>)[orderId]?.charges ?? 0;

/** A random source that answers the given draws, then 0.99 (no fault fires). */
const draws =
  (...values: number[]) =>
  () =>
    values.shift() ?? 0.99;

describe('hangRate', () => {
  it('holds a drawn call until the client gives up, without effect; the others pass', async () => {
    const service = payments({ faults: { hangRate: 0.5 }, random: draws(0.2) });
    const controller = new AbortController();
    let settled = false;
    const hung = call(service, 'POST', '/payments', { key: 'k', body: card('o-1'), signal: controller.signal }).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    controller.abort();
    await hung;
    expect(charges(service, 'o-1')).toBe(0);
    expect((await call(service, 'POST', '/payments', { key: 'k', body: card('o-1') })).status).toBe(201);
    expect(charges(service, 'o-1')).toBe(1);
  });

  it('is refused outside 0..1', async () => {
    const service = payments();
    expectProblem(await call(service, 'PUT', '/__admin/faults', { body: { hangRate: 1.5 } }), 400, 'validation');
  });
});

describe('commitThenFailRate', () => {
  it('applies the effect of a drawn call and answers 503; the retry gets the stored success', async () => {
    const service = payments({ faults: { commitThenFailRate: 0.5 }, random: draws(0.2) });
    expectProblem(await call(service, 'POST', '/payments', { key: 'k', body: card('o-1') }), 503, 'injected-fault');
    expect(charges(service, 'o-1')).toBe(1);
    const retry = await call(service, 'POST', '/payments', { key: 'k', body: card('o-1') });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(charges(service, 'o-1')).toBe(1);
  });

  it('answers calls that are not drawn normally', async () => {
    const service = payments({ faults: { commitThenFailRate: 0.5 }, random: draws(0.7) });
    expect((await call(service, 'POST', '/payments', { key: 'k', body: card('o-1') })).status).toBe(201);
    expect(charges(service, 'o-1')).toBe(1);
  });
});
