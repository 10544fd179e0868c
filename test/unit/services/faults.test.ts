import { afterEach, describe, expect, it } from 'vitest';
import { Payment, User } from '../../../contracts';
import { parseFaults } from '../../../dev/services/faults';
import { createInventoryService } from '../../../dev/services/inventory-service';
import type { CommonServiceOptions, SampleService } from '../../../dev/services/kit';
import { createPaymentsService } from '../../../dev/services/payments-service';
import { createUsersService } from '../../../dev/services/users-service';
import { call, card, expectProblem, items } from './support';

const started: SampleService[] = [];
const track = (service: SampleService) => {
  started.push(service);
  return service;
};
const users = (options: CommonServiceOptions = {}) => track(createUsersService(options));
const payments = (options: CommonServiceOptions = {}) => track(createPaymentsService({ ...options, settleOutcome: 'never' }));
afterEach(() => {
  for (const service of started.splice(0)) service.shutdown();
});

const charges = (service: SampleService, orderId: string) => (service.state().orders as Record<string, { charges: number } | undefined>)[orderId]?.charges ?? 0;
const setFaults = (service: SampleService, faults: unknown) => call(service, 'PUT', '/__admin/faults', { body: faults });

describe('fault injection', () => {
  it('failNext answers failStatus N times without effect, then recovers', async () => {
    const service = payments();
    expect((await setFaults(service, { failNext: 2 })).json).toEqual({ failNext: 2 });
    expectProblem(await call(service, 'POST', '/payments', { key: 'k', body: card('o-1') }), 503, 'injected-fault');
    expect((await call(service, 'GET', '/__admin/faults')).json).toEqual({ failNext: 1 });
    expectProblem(await call(service, 'POST', '/payments', { key: 'k', body: card('o-1') }), 503);
    expect(charges(service, 'o-1')).toBe(0);
    const ok = await call(service, 'POST', '/payments', { key: 'k', body: card('o-1') });
    expect(ok.status).toBe(201);
    expect(ok.headers.get('idempotent-replayed')).toBeNull();
    expect(charges(service, 'o-1')).toBe(1);
  });

  it('failNext uses failStatus when given', async () => {
    const service = users();
    await setFaults(service, { failNext: 1, failStatus: 429 });
    expectProblem(await call(service, 'GET', '/users/u-1'), 429);
    expect((await call(service, 'GET', '/users/u-1')).status).toBe(200);
  });

  it('errorRate 1 always answers 503; errorRate 0 never does', async () => {
    const service = payments();
    await setFaults(service, { errorRate: 1 });
    for (let i = 0; i < 3; i++) expectProblem(await call(service, 'POST', '/payments', { key: `k${i}`, body: card('o-1') }), 503);
    expect(charges(service, 'o-1')).toBe(0);
    await setFaults(service, { errorRate: 0 });
    expect((await call(service, 'POST', '/payments', { key: 'k0', body: card('o-1') })).status).toBe(201);
  });

  it('errorRate draws from the injected random source', async () => {
    const draws = [0.9, 0.1];
    const service = users({ random: () => draws.shift() ?? 0.9, faults: { errorRate: 0.5 } });
    expect((await call(service, 'GET', '/users/u-1')).status).toBe(200);
    expect((await call(service, 'GET', '/users/u-1')).status).toBe(503);
  });

  it('malformedNext answers 200 with a body that is not JSON, or not the schema', async () => {
    const service = users();
    await setFaults(service, { malformedNext: 1 });
    const broken = await call(service, 'GET', '/users/u-1');
    expect(broken.status).toBe(200);
    expect(() => JSON.parse(broken.text) as unknown).toThrow();
    await setFaults(service, { malformedNext: 1, malformedKind: 'schema' });
    const wrong = await call(service, 'GET', '/users/u-1');
    expect(wrong.status).toBe(200);
    expect(User.safeParse(wrong.json).success).toBe(false);
    expect(User.safeParse((await call(service, 'GET', '/users/u-1')).json).success).toBe(true);
  });

  it('malformedNext has no effect on state-changing calls', async () => {
    const service = payments();
    await setFaults(service, { malformedNext: 1 });
    expect((await call(service, 'POST', '/payments', { key: 'k', body: card('o-1') })).status).toBe(200);
    expect(charges(service, 'o-1')).toBe(0);
  });

  it('commitThenFail applies the effect, answers 503, and the retry gets the stored success', async () => {
    const service = payments();
    await setFaults(service, { commitThenFail: 1 });
    expectProblem(await call(service, 'POST', '/payments', { key: 'k', body: card('o-1') }), 503, 'injected-fault');
    expect(charges(service, 'o-1')).toBe(1);
    const retry = await call(service, 'POST', '/payments', { key: 'k', body: card('o-1') });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const listed = (await call(service, 'GET', '/__admin/payments?orderId=o-1')).json as { payments: Payment[] };
    expect(Payment.parse(retry.json).paymentId).toBe(listed.payments[0]?.paymentId);
    expect(charges(service, 'o-1')).toBe(1);
  });

  it('commitThenFail spares reads and counts only state-changing calls', async () => {
    const service = createInventoryService({ faults: { commitThenFail: 1 } });
    const answer = await call(service, 'GET', '/nothing-here');
    expect(answer.status).toBe(404);
    expect(service.faults.get().commitThenFail).toBe(1);
    expectProblem(await call(service, 'POST', '/reservations', { key: 'k', body: { orderId: 'o-1', items } }), 503);
    expect(service.faults.get().commitThenFail).toBe(0);
  });

  it('hangNext holds the call until the client gives up, and counts it as aborted', async () => {
    const service = users();
    await setFaults(service, { hangNext: 1 });
    const controller = new AbortController();
    let settled = false;
    const pending = call(service, 'GET', '/users/u-1', { signal: controller.signal }).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    controller.abort();
    await pending;
    expect(service.state().requests).toEqual({ received: 1, completed: 0, aborted: 1 });
    expect((await call(service, 'GET', '/users/u-1')).status).toBe(200);
  });

  it('hang holds every call until the service shuts down', async () => {
    const service = users({ faults: { hang: true } });
    const pending = [call(service, 'GET', '/users/u-1'), call(service, 'GET', '/users/u-2')];
    await new Promise((resolve) => setTimeout(resolve, 20));
    service.shutdown();
    for (const res of await Promise.all(pending)) expectProblem(res, 503);
  });

  it('latencyMs and jitterMs delay the answer', async () => {
    const service = users({ faults: { latencyMs: 60, jitterMs: 40 }, random: () => 0.99 });
    const started = performance.now();
    expect((await call(service, 'GET', '/users/u-1')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('match restricts faults to a path prefix', async () => {
    const service = payments({ faults: { errorRate: 1, match: '/payments/' } });
    const created = await call(service, 'POST', '/payments', { key: 'k', body: card('o-1') });
    expect(created.status).toBe(201);
    expectProblem(await call(service, 'GET', `/payments/${Payment.parse(created.json).paymentId}`), 503);
  });

  it('never touches /healthz or /__admin', async () => {
    const service = users({ faults: { errorRate: 1, hang: true } });
    expect((await call(service, 'GET', '/healthz')).status).toBe(200);
    expect((await call(service, 'GET', '/__admin/state')).status).toBe(200);
    expect(service.state().requests.received).toBe(0);
  });

  it('starts with configured faults; reset clears them', async () => {
    const service = users({ faults: { failNext: 5 } });
    expect((await call(service, 'GET', '/__admin/faults')).json).toEqual({ failNext: 5 });
    expect((await call(service, 'POST', '/__admin/reset')).status).toBe(204);
    expect((await call(service, 'GET', '/__admin/faults')).json).toEqual({});
    expect((await call(service, 'GET', '/users/u-1')).status).toBe(200);
  });

  it('PUT replaces the whole configuration and validates it', async () => {
    const service = users();
    await setFaults(service, { failNext: 1, latencyMs: 5 });
    expect((await setFaults(service, { hangNext: 1 })).json).toEqual({ hangNext: 1 });
    expectProblem(await setFaults(service, { errorRate: 2 }), 400, 'validation');
    expectProblem(await setFaults(service, { failNex: 1 }), 400, 'validation');
    expectProblem(await setFaults(service, { failNext: 1, failStatus: 200 }), 400, 'validation');
    expectProblem(await setFaults(service, { match: 'users' }), 400, 'validation');
    expectProblem(await call(service, 'PUT', '/__admin/faults', { rawBody: '{' }), 400, 'malformed-json');
    expect((await call(service, 'GET', '/__admin/faults')).json).toEqual({ hangNext: 1 });
  });
});

describe('parseFaults', () => {
  it('parses a fault configuration', () => {
    expect(parseFaults('{"failNext":2,"failStatus":500}')).toEqual({ failNext: 2, failStatus: 500 });
  });

  it.each(['not json', '{"errorRate":-1}', '{"bogus":true}', '[]'])('rejects %s with a readable message', (text) => {
    expect(() => parseFaults(text)).toThrow(/./);
  });
});
