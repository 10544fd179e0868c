// Load shedding, through createApp with a fake Temporal client (and a fake composer) whose calls wait
// until the test lets them go: a saturated workflow engine (or downstream services), made to order.
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { ServiceError, type Client, type Connection } from '@temporalio/client';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../../api/app';
import type { Composer } from '../../../composition';
import { apiEnv, parseEnv } from '../../../config/env';
import { orderRequest } from '../../support/orders';
import { unitConfig, UNIT_TOKEN as TOKEN } from '../../support/unit-app';

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

/** A Temporal client whose `workflow.start` answers only when `release()` is called (or fails as told). */
function slowTemporal() {
  const waiting: (() => void)[] = [];
  let failWith: Error | undefined;
  const start = () =>
    new Promise<{ firstExecutionRunId: string }>((resolve, reject) => {
      if (failWith) return reject(failWith);
      waiting.push(() => resolve({ firstExecutionRunId: 'run-1' }));
    });
  const client = { workflow: { start } } as unknown as Client;
  const connection = { withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn() } as unknown as Connection;
  return {
    temporal: { client, connection },
    waiting: () => waiting.length,
    release: () => waiting.splice(0).forEach((go) => go()),
    failStartsWith: (err: Error | undefined) => (failWith = err),
  };
}

/** A composer whose compositions answer (the user not found) only when `release()` is called. */
function slowComposer() {
  const waiting: (() => void)[] = [];
  const composition: Composer = {
    run: () => new Promise((resolve) => waiting.push(() => resolve({ ok: false, source: 'users', reason: 'not_found' }))),
    circuitStates: () => ({}),
    close: () => Promise.resolve(),
  };
  return { composition, waiting: () => waiting.length, release: () => waiting.splice(0).forEach((go) => go()) };
}

function appWith(maxInflightTemporal: number | undefined, temporal: { client: Client; connection: Connection }) {
  const config = unitConfig(maxInflightTemporal !== undefined ? { maxInflightTemporal } : {});
  return createApp({ config, temporal, logger: pino({ level: 'silent' }) });
}

const placeOrder = async (app: ReturnType<typeof createApp>): Promise<Response> =>
  app.request('/orders', { method: 'POST', headers: auth, body: JSON.stringify(orderRequest()) });

/** Lets the app's middleware run up to the fake's `start`. */
async function until(condition: () => boolean) {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(condition()).toBe(true);
}

/** Checks the shed's answer and returns its problem body. */
async function expectShed(res: Response): Promise<{ type: string; detail: string }> {
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  const problem = (await res.json()) as { type: string; detail: string };
  expect(problem.type).toMatch(/\/overloaded$/);
  return problem;
}

describe('load shedding on the Temporal routes', () => {
  it('answers 503 with Retry-After at once beyond the bound, and serves again once a slot frees', async () => {
    const fake = slowTemporal();
    const app = appWith(2, fake.temporal);
    const first = [placeOrder(app), placeOrder(app)];
    await until(() => fake.waiting() === 2);

    // Both slots taken: the third is refused without reaching Temporal.
    await expectShed(await placeOrder(app));
    expect(fake.waiting()).toBe(2);
    // Routes without Temporal are not bounded.
    expect((await app.request('/healthz')).status).toBe(200);

    fake.release();
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([202, 202]);
    const next = placeOrder(app);
    await until(() => fake.waiting() === 1);
    fake.release();
    expect((await next).status).toBe(202);
  });

  it('shares one bound across the Temporal routes', async () => {
    const fake = slowTemporal();
    const app = appWith(1, fake.temporal);
    const order = placeOrder(app);
    await until(() => fake.waiting() === 1);
    await expectShed(await app.request('/workflows/welcomeUser', { method: 'POST', headers: auth, body: JSON.stringify({ userId: 'u-1' }) }));
    await expectShed(await app.request('/orders/ord-1', { headers: auth }));
    fake.release();
    expect((await order).status).toBe(202);
  });

  it('frees the slot of a request that failed', async () => {
    const fake = slowTemporal();
    const app = appWith(1, fake.temporal);
    fake.failStartsWith(new Error('boom'));
    expect((await placeOrder(app)).status).toBe(500);
    fake.failStartsWith(undefined);
    const next = placeOrder(app);
    await until(() => fake.waiting() === 1);
    fake.release();
    expect((await next).status).toBe(202);
  });

  it('defaults to 256 requests in progress', async () => {
    const fake = slowTemporal();
    const app = appWith(undefined, fake.temporal);
    const running = Array.from({ length: 256 }, () => placeOrder(app));
    await until(() => fake.waiting() === 256);
    await expectShed(await placeOrder(app));
    fake.release();
    expect(new Set((await Promise.all(running)).map((r) => r.status))).toEqual(new Set([202]));
  });

  it("answers Temporal's own RESOURCE_EXHAUSTED with 503 and Retry-After, not 500", async () => {
    const fake = slowTemporal();
    const app = appWith(8, fake.temporal);
    const exhausted = Object.assign(new Error('8 RESOURCE_EXHAUSTED: namespace rate limit exceeded'), {
      code: GrpcStatus.RESOURCE_EXHAUSTED,
      details: 'namespace rate limit exceeded',
      metadata: new Metadata(),
    });
    fake.failStartsWith(new ServiceError('Failed to start Workflow', { cause: exhausted }));
    const res = await placeOrder(app);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await res.json()) as { type: string }).type).toMatch(/\/temporal-unavailable$/);
  });

  it('takes its bounds from BATON_MAX_INFLIGHT_TEMPORAL (256) and BATON_MAX_INFLIGHT_COMPOSITIONS (256), refusing one below 1 by name', () => {
    const required = { BATON_API_TOKENS: TOKEN, BATON_WEBHOOK_SECRET: 'unit-webhook-secret-0123456789', BATON_PAYLOAD_KEYS: 'off' };
    expect(parseEnv(apiEnv, required)).toMatchObject({ BATON_MAX_INFLIGHT_TEMPORAL: 256, BATON_MAX_INFLIGHT_COMPOSITIONS: 256 });
    expect(parseEnv(apiEnv, { ...required, BATON_MAX_INFLIGHT_TEMPORAL: '32' }).BATON_MAX_INFLIGHT_TEMPORAL).toBe(32);
    expect(parseEnv(apiEnv, { ...required, BATON_MAX_INFLIGHT_COMPOSITIONS: '64' }).BATON_MAX_INFLIGHT_COMPOSITIONS).toBe(64);
    expect(() => parseEnv(apiEnv, { ...required, BATON_MAX_INFLIGHT_TEMPORAL: '0' })).toThrow(/BATON_MAX_INFLIGHT_TEMPORAL/);
    expect(() => parseEnv(apiEnv, { ...required, BATON_MAX_INFLIGHT_COMPOSITIONS: '0' })).toThrow(/BATON_MAX_INFLIGHT_COMPOSITIONS/);
  });
});

describe('load shedding on the composition routes', () => {
  // Unbounded, a moment of overload leaves the process failing every composition after the load has dropped
  // (docs/benchmark-journal.md, "The compositions' bound"); the default holds whichever routes are busy.
  it('defaults to 256 composition requests in progress, a bound of their own', async () => {
    const fake = slowTemporal();
    const composer = slowComposer();
    const app = createApp({ config: unitConfig(), temporal: fake.temporal, composition: composer.composition, logger: pino({ level: 'silent' }) });
    const profile = async (userId: string): Promise<Response> => app.request(`/profiles/${userId}`, { headers: auth });
    const running = Array.from({ length: 256 }, (_, i) => profile(`u-${i}`));
    await until(() => composer.waiting() === 256);

    expect((await expectShed(await profile('u-256'))).detail).toMatch(/composition requests/);
    expect(composer.waiting()).toBe(256);
    // The Temporal routes' bound is not taken by them.
    const order = placeOrder(app);
    await until(() => fake.waiting() === 1);
    fake.release();
    expect((await order).status).toBe(202);

    composer.release();
    expect(new Set((await Promise.all(running)).map((r) => r.status))).toEqual(new Set([404]));
    const next = profile('u-257');
    await until(() => composer.waiting() === 1);
    composer.release();
    expect((await next).status).toBe(404);
  });
});
