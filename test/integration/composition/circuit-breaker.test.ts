// The per-service circuit breaker end to end: it opens after repeated failures, spares the failing
// service while open, and closes again once a trial call after the cool-down succeeds.
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { startTestApi, uniqueTaskQueue, type TestApi } from '../../support/api';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { requestCounts, resetAll, setFaults } from './sample-services';

const THRESHOLD = 3;
const COOLDOWN_MS = 400;

let services: RunningSampleServices;
let api: TestApi;

beforeAll(async () => {
  services = await startSampleServices();
  api = await startTestApi({
    address: inject('temporalAddress'),
    namespace: inject('temporalNamespace'),
    taskQueue: uniqueTaskQueue('breaker'),
    composition: {
      baseUrls: services.urls,
      breaker: { threshold: THRESHOLD, cooldownMs: COOLDOWN_MS },
      // One attempt per request keeps the failure count easy to follow.
      retry: { retries: 0 },
    },
  });
});
afterAll(async () => {
  await api?.stopAll();
  await services?.close();
});
beforeEach(() => resetAll(services));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function profile() {
  const response = await api.call('/profiles/u-1');
  return { status: response.status, body: (await response.json()) as { errors?: { source: string; reason: string }[]; detail?: string } };
}

describe('circuit breaker per downstream service', () => {
  it('an optional source: circuit_open after N failures, no calls while open, closed again after the cool-down', async () => {
    await setFaults(services, 'loyalty', { errorRate: 1 });
    for (let i = 0; i < THRESHOLD; i++) {
      expect((await profile()).body.errors).toEqual([{ source: 'loyalty', reason: 'unavailable' }]);
    }
    expect(api.composition.circuitStates().loyalty).toBe('open');

    const before = await requestCounts(services, 'loyalty');
    for (let i = 0; i < 3; i++) {
      const { status, body } = await profile();
      expect(status).toBe(200);
      expect(body.errors).toEqual([{ source: 'loyalty', reason: 'circuit_open' }]);
    }
    // While open, the failing service is left alone.
    expect((await requestCounts(services, 'loyalty')).received).toBe(before.received);
    // Other services have breakers of their own.
    expect(api.composition.circuitStates()).toMatchObject({ users: 'closed', orderHistory: 'closed' });

    await setFaults(services, 'loyalty', {});
    await sleep(COOLDOWN_MS + 50);
    expect((await profile()).body).toMatchObject({ partial: false, errors: [] });
    expect(api.composition.circuitStates().loyalty).toBe('closed');
    expect((await profile()).body).toMatchObject({ partial: false, errors: [] });
  });

  it('a failed trial call keeps it open for another cool-down', async () => {
    await setFaults(services, 'orderHistory', { errorRate: 1 });
    for (let i = 0; i < THRESHOLD; i++) await profile();
    expect(api.composition.circuitStates().orderHistory).toBe('open');
    await sleep(COOLDOWN_MS + 50);
    expect((await profile()).body.errors).toEqual([{ source: 'orderHistory', reason: 'unavailable' }]);
    expect((await profile()).body.errors).toEqual([{ source: 'orderHistory', reason: 'circuit_open' }]);

    await setFaults(services, 'orderHistory', {});
    await sleep(COOLDOWN_MS + 50);
    expect((await profile()).body.errors).toEqual([]);
    expect(api.composition.circuitStates().orderHistory).toBe('closed');
  });

  it('the required source: 502 while its circuit is open, 200 once it has closed', async () => {
    await setFaults(services, 'users', { errorRate: 1 });
    for (let i = 0; i < THRESHOLD; i++) expect((await profile()).status).toBe(502);
    const before = await requestCounts(services, 'users');
    const open = await profile();
    expect(open.status).toBe(502);
    expect(open.body.detail).toMatch(/circuit open/);
    expect((await requestCounts(services, 'users')).received).toBe(before.received);

    await setFaults(services, 'users', {});
    await sleep(COOLDOWN_MS + 50);
    expect((await profile()).status).toBe(200);
    expect(api.composition.circuitStates().users).toBe('closed');
  });
});
