// Every row of the contract's "Synchronous composition" section, against the real sample services.
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { profileDeadlines } from '../../../api/profiles/profile-routes';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { startTestApi, uniqueTaskQueue, type TestApi } from '../../support/api';
import { elapsed, requestCounts, resetAll, setFaults } from './sample-services';

// Between the optional sources' 500 ms and the users source's 800 ms, so each limit can be seen on its own.
const DEADLINE_MS = 650;

interface ProfileBody {
  user: { id: string; name: string; email: string };
  recentOrders: { orderId: string }[] | null;
  loyalty: { userId: string; tier: string } | null;
  partial: boolean;
  errors: { source: string; reason: string }[];
}

let services: RunningSampleServices;
let api: TestApi;

beforeAll(async () => {
  services = await startSampleServices();
  api = await startTestApi({
    address: inject('temporalAddress'),
    namespace: inject('temporalNamespace'),
    taskQueue: uniqueTaskQueue('profiles'),
    composition: {
      baseUrls: services.urls,
      deadlines: profileDeadlines(DEADLINE_MS),
      // The breaker has its own file; here it must never open across tests.
      breaker: { threshold: 10_000 },
    },
  });
});
afterAll(async () => {
  await api?.stopAll();
  await services?.close();
});
beforeEach(() => resetAll(services));

async function profile(userId = 'u-1') {
  const response = await api.call(`/profiles/${userId}`);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

function expectNoLeak(text: string) {
  for (const url of Object.values(services.urls)) expect(text).not.toContain(new URL(url).port);
  expect(text).not.toMatch(/127\.0\.0\.1|localhost|__admin|\.ts:\d+/);
}

describe('GET /profiles/{userId} against the sample services', () => {
  it('all sources fine: the full profile, not partial', async () => {
    const { status, text } = await profile('u-7');
    expect(status).toBe(200);
    const body = JSON.parse(text) as ProfileBody;
    expect(body.user.id).toBe('u-7');
    expect(body.loyalty?.userId).toBe('u-7');
    expect(Array.isArray(body.recentOrders)).toBe(true);
    expect(body.recentOrders?.length).toBeLessThanOrEqual(10);
    expect(body).toMatchObject({ partial: false, errors: [] });
    for (const name of ['users', 'orderHistory', 'loyalty'] as const) {
      expect(await requestCounts(services, name)).toMatchObject({ received: 1, completed: 1 });
    }
  });

  describe.each([
    ['orderHistory', 'recentOrders'],
    ['loyalty', 'loyalty'],
  ] as const)('optional source %s', (source, field) => {
    it('timing out: 200, field null, reason timeout, and the slow call hung up on', async () => {
      await setFaults(services, source, { latencyMs: 5000 });
      const { value, ms } = await elapsed(() => profile());
      expect(value.status).toBe(200);
      expect(JSON.parse(value.text)).toMatchObject({ [field]: null, partial: true, errors: [{ source, reason: 'timeout' }] });
      // Its own timeout (500 ms), well before the slow answer (5 s).
      expect(ms).toBeGreaterThanOrEqual(450);
      expect(ms).toBeLessThan(DEADLINE_MS + 300);
      await expect.poll(() => requestCounts(services, source)).toMatchObject({ aborted: 1 });
    });

    it('failing with 5xx: reason unavailable', async () => {
      await setFaults(services, source, { errorRate: 1 });
      const { status, text } = await profile();
      expect(status).toBe(200);
      expect(JSON.parse(text)).toMatchObject({ [field]: null, partial: true, errors: [{ source, reason: 'unavailable' }] });
    });

    it('a single 5xx is absorbed by the retry of the idempotent GET', async () => {
      await setFaults(services, source, { failNext: 1 });
      const { text } = await profile();
      expect(JSON.parse(text)).toMatchObject({ partial: false, errors: [] });
      expect(await requestCounts(services, source)).toMatchObject({ received: 2 });
    });

    it.each(['json', 'schema'] as const)('answering malformed %s: reason bad_response, no crash', async (malformedKind) => {
      await setFaults(services, source, { malformedNext: 1, malformedKind });
      const { status, text } = await profile();
      expect(status).toBe(200);
      expect(JSON.parse(text)).toMatchObject({ [field]: null, partial: true, errors: [{ source, reason: 'bad_response' }] });
      // A bad body is not transient: it is not retried.
      expect(await requestCounts(services, source)).toMatchObject({ received: 1 });
    });
  });

  it('both optional sources failing at once: both reported', async () => {
    await setFaults(services, 'orderHistory', { errorRate: 1 });
    await setFaults(services, 'loyalty', { malformedNext: 1 });
    const body = JSON.parse((await profile()).text) as ProfileBody;
    expect(body).toMatchObject({ recentOrders: null, loyalty: null, partial: true });
    expect(body.errors).toEqual([
      { source: 'orderHistory', reason: 'unavailable' },
      { source: 'loyalty', reason: 'bad_response' },
    ]);
  });

  it('unknown user: 404 problem+json', async () => {
    const { status, type, text } = await profile('u-5000');
    expect(status).toBe(404);
    expect(type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(text)).toMatchObject({ status: 404, detail: 'No user u-5000.' });
    expectNoLeak(text);
  });

  it('invalid userId: 400 naming the field, no downstream call', async () => {
    const { status, text } = await profile('%E2%9C%93');
    expect(status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ errors: [{ path: 'param.userId' }] });
    expect(await requestCounts(services, 'users')).toMatchObject({ received: 0 });
  });

  it.each([
    ['5xx', { errorRate: 1 }],
    ['malformed JSON', { malformedNext: 1 }],
    ['a body of the wrong shape', { malformedNext: 1, malformedKind: 'schema' }],
  ] as const)('users answering %s: 502 problem+json, nothing leaked', async (_what, faults) => {
    await setFaults(services, 'users', faults);
    const { status, type, text } = await profile();
    expect(status).toBe(502);
    expect(type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(text)).toMatchObject({ status: 502, title: 'Bad gateway' });
    expectNoLeak(text);
  });

  it('users failing aborts the optional calls still outstanding', async () => {
    await setFaults(services, 'users', { latencyMs: 50, errorRate: 1 });
    await setFaults(services, 'orderHistory', { hang: true });
    await setFaults(services, 'loyalty', { hang: true });
    const { value, ms } = await elapsed(() => profile());
    expect(value.status).toBe(502);
    expect(ms).toBeLessThan(400);
    await expect.poll(() => requestCounts(services, 'orderHistory')).toMatchObject({ received: 1, aborted: 1 });
    await expect.poll(() => requestCounts(services, 'loyalty')).toMatchObject({ received: 1, aborted: 1 });
  });

  it('users slower than the deadline: 504 at the deadline, not when the slow call ends', async () => {
    await setFaults(services, 'users', { latencyMs: 3000 });
    const { value, ms } = await elapsed(() => profile());
    expect(value.status).toBe(504);
    expect(JSON.parse(value.text)).toMatchObject({ status: 504, title: 'Gateway timeout' });
    expectNoLeak(value.text);
    // The deadline (650 ms) comes before the users source's own 800 ms and long before its 3 s answer.
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 10);
    expect(ms).toBeLessThan(DEADLINE_MS + 300);
    await expect.poll(() => requestCounts(services, 'users')).toMatchObject({ aborted: 1 });
  });

  it('users hanging: 504 at the deadline too', async () => {
    await setFaults(services, 'users', { hangNext: 1 });
    const { value, ms } = await elapsed(() => profile());
    expect(value.status).toBe(504);
    expect(ms).toBeLessThan(DEADLINE_MS + 300);
  });
});

describe('GET /profiles/{userId}/summary against the sample services', () => {
  it('answers the summary', async () => {
    const response = await api.call('/profiles/u-3/summary?orders=2');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { userId: string; name: string; tier: string; lastOrders: unknown[]; partial: boolean };
    expect(body).toMatchObject({ userId: 'u-3', partial: false, errors: [] });
    expect(body.lastOrders.length).toBeLessThanOrEqual(2);
    expect(typeof body.tier).toBe('string');
  });

  it('calls order history and loyalty only after the user has arrived', async () => {
    await setFaults(services, 'users', { latencyMs: 150 });
    await setFaults(services, 'loyalty', { latencyMs: 150 });
    const summary = await elapsed(() => api.call('/profiles/u-3/summary'));
    expect(summary.value.status).toBe(200);
    // In sequence: at least both latencies.
    expect(summary.ms).toBeGreaterThanOrEqual(290);
    // The profile calls the same services side by side.
    const parallel = await elapsed(() => api.call('/profiles/u-3'));
    expect(parallel.value.status).toBe(200);
    expect(parallel.ms).toBeLessThan(summary.ms - 100);
  });

  it('unknown user: 404, and nobody else is asked', async () => {
    const response = await api.call('/profiles/u-9999/summary');
    expect(response.status).toBe(404);
    expect(await requestCounts(services, 'orderHistory')).toMatchObject({ received: 0 });
    expect(await requestCounts(services, 'loyalty')).toMatchObject({ received: 0 });
  });

  it('loyalty failing: partial, tier and points null', async () => {
    await setFaults(services, 'loyalty', { errorRate: 1 });
    const response = await api.call('/profiles/u-3/summary');
    expect(await response.json()).toMatchObject({ tier: null, points: null, partial: true, errors: [{ source: 'loyalty', reason: 'unavailable' }] });
  });
});
