// BATON_COMPOSITIONS_FILE on the real API process against the real sample services: a file composition
// equal to GET /profiles/{userId} answers as it does for every row of the contract's composition table,
// and the file is reloaded while requests run, a broken version never replacing the last good one.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import type { FaultConfig } from '../../../dev/services';
import { TEST_TOKEN, TEST_WEBHOOK_SECRET, uniqueTaskQueue } from '../../support/api';
import { DASHBOARD, fileOf } from '../../support/compositions-file';
import { exitCode, serviceUrlEnv, startChild, type ChildHandle } from '../../support/processes';
import { requestCounts, resetAll, setFaults } from './sample-services';

const DEADLINE_MS = 650;

/** GET /profiles/{userId} as a file: the same sources, budgets, deadline and fields. */
const PROFILE_AS_FILE = `
  - name: file-profile
    path: /file-profiles/{userId}
    deadlineMs: ${DEADLINE_MS}
    sources:
      users: { service: users, path: "/users/{input.userId}", required: true, timeoutMs: 800 }
      orderHistory: { service: orderHistory, path: "/users/{input.userId}/orders", query: { limit: 10 }, timeoutMs: 500, select: /orders }
      loyalty: { service: loyalty, path: "/loyalty/{input.userId}", timeoutMs: 500 }
    output:
      user: users
      recentOrders: orderHistory
      loyalty: loyalty
`;
const EXTRA = `
  - name: extra
    path: /extras/{userId}
    deadlineMs: 500
    sources:
      user: { service: users, path: "/users/{input.userId}", required: true }
    output:
      name: user/name
`;
/** A source reading Baton's own orders, from Temporal. */
const ACTIVITY = `
  - name: activity
    path: /activity/{userId}
    deadlineMs: 2000
    sources:
      user: { service: users, path: "/users/{input.userId}", required: true }
      inFlight: { service: baton, path: "/customers/{user.id}/orders-in-flight", query: { limit: 5 }, after: [user], select: /orders }
    output:
      id: user/id
      ordersInFlight: inFlight
`;
/** The dashboard's two lookups, cached as the services allow (they send Cache-Control and an ETag here). */
const CACHED = `
  - name: cached
    path: /cached/{userId}
    deadlineMs: 800
    sources:
      user: { service: users, path: "/users/{input.userId}", required: true, timeoutMs: 500, cache: true }
      loyalty: { service: loyalty, path: "/loyalty/{user.id}", after: [user], timeoutMs: 300, cache: true }
    output:
      name: user/name
      tier: loyalty/tier
`;
/** What the sample services let caches do here: fresh for a second, then usable for 5 minutes if they fail. */
const SERVICES_CACHE_CONTROL = 'max-age=1, stale-if-error=300';
/** A composition whose users call can be held for longer than a reload takes. */
const slowly = (output: string) => `
  - name: slow
    path: /slow/{userId}
    deadlineMs: 10000
    sources:
      user: { service: users, path: "/users/{input.userId}", required: true }
    output:
${output}
`;

let services: RunningSampleServices;
let dir: string;
let file: string;
let api: ChildHandle;
let url: string;

function startApi(compositionsFile: string): ChildHandle {
  return startChild('api/main.ts', {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('compositions-file'),
    ...serviceUrlEnv(services.urls),
    PORT: '0',
    HOST: '127.0.0.1',
    BATON_API_TOKENS: TEST_TOKEN,
    BATON_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    BATON_PROFILE_DEADLINE_MS: String(DEADLINE_MS),
    // The breaker has its own tests; here it must never open across rows.
    BATON_BREAKER_THRESHOLD: '10000',
    BATON_COMPOSITIONS_FILE: compositionsFile,
  });
}

/** Replaces the file the way editors and ConfigMaps do: a new file renamed over the old one. */
async function replaceFile(text: string) {
  const next = `${file}.${Date.now()}.tmp`;
  await writeFile(next, text);
  await rename(next, file);
}

/** `token` null: no Authorization header. */
async function get(path: string, token: string | null = TEST_TOKEN) {
  const response = await fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

interface Readiness {
  compositions: { version: string; compositions: string[]; lastError?: { errors: string[] } };
}
const readiness = async () => (await get('/readyz')).body as unknown as Readiness;

beforeAll(async () => {
  services = await startSampleServices({ cacheControl: SERVICES_CACHE_CONTROL });
  dir = await mkdtemp(join(tmpdir(), 'baton-compositions-'));
  file = join(dir, 'compositions.yaml');
  await writeFile(file, fileOf(PROFILE_AS_FILE, DASHBOARD, ACTIVITY, CACHED));
  api = startApi(file);
  const line = await api.waitFor(/api listening on http:\/\/127\.0\.0\.1:\d+/, 60_000);
  url = line.slice(line.indexOf('http://'));
});
afterAll(async () => {
  await api?.stop();
  await services?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});
beforeEach(() => resetAll(services));

describe('a file composition equal to GET /profiles/{userId}', () => {
  type Row = [string, string, Partial<Record<'users' | 'orderHistory' | 'loyalty', FaultConfig>>];
  const rows: Row[] = [
    ['all sources fine', 'u-7', {}],
    ['order history timing out', 'u-1', { orderHistory: { latencyMs: 5000 } }],
    ['loyalty timing out', 'u-1', { loyalty: { latencyMs: 5000 } }],
    ['order history failing with 5xx', 'u-2', { orderHistory: { errorRate: 1 } }],
    ['loyalty failing with 5xx', 'u-2', { loyalty: { errorRate: 1 } }],
    ['a single 5xx absorbed by the retry', 'u-3', { loyalty: { failNext: 1 } }],
    ['loyalty answering malformed JSON', 'u-4', { loyalty: { malformedNext: 1 } }],
    ['order history answering the wrong shape', 'u-4', { orderHistory: { malformedNext: 1, malformedKind: 'schema' } }],
    ['both optional sources failing', 'u-5', { orderHistory: { errorRate: 1 }, loyalty: { malformedNext: 1 } }],
    ['an unknown user', 'u-5000', {}],
    ['an invalid userId', '%E2%9C%93', {}],
    ['users failing with 5xx', 'u-1', { users: { errorRate: 1 } }],
    ['users answering the wrong shape', 'u-1', { users: { malformedNext: 1, malformedKind: 'schema' } }],
    ['users slower than the deadline', 'u-1', { users: { latencyMs: 3000 } }],
    ['users hanging', 'u-1', { users: { hangNext: 1 } }],
  ];

  it.each(rows)('%s: the same answer', async (_row, userId, faults) => {
    const answer = async (path: string) => {
      await resetAll(services);
      for (const [name, config] of Object.entries(faults)) await setFaults(services, name as keyof typeof faults, config);
      const { status, type, body } = await get(path);
      // A problem's detail may word the missing resource differently; its kind and status may not differ.
      return status === 200 ? { status, type, body } : { status, type, body: { type: body.type, title: body.title, status: body.status, errors: body.errors } };
    };
    const builtIn = await answer(`/profiles/${userId}`);
    const fromFile = await answer(`/file-profiles/${userId}`);
    expect(fromFile).toEqual(builtIn);
  });
});

describe('the example of the docs', () => {
  it('answers with exactly the fields it maps', async () => {
    const { status, body } = await get('/dashboards/u-1');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['id', 'name', 'tier', 'lastOrders', 'partial', 'errors']);
    expect(body).toMatchObject({ id: 'u-1', partial: false, errors: [] });
    expect((body.lastOrders as unknown[]).length).toBeLessThanOrEqual(3);
  });

  it("reads Baton's own orders from Temporal: a customer with none in flight has an empty list, not a partial answer", async () => {
    expect(await get('/activity/u-9')).toMatchObject({ status: 200, body: { id: 'u-9', ordersInFlight: [], partial: false, errors: [] } });
  });

  it('needs a token like every route; the schema of the file is public; the OpenAPI document lists it', async () => {
    expect((await get('/dashboards/u-1', null)).status).toBe(401);
    const schema = await get('/compositions/schema.json', null);
    expect(schema.status).toBe(200);
    expect(schema.body.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const openapi = (await get('/openapi.json', null)).body as { paths: Record<string, { get?: { security?: unknown } }> };
    expect(openapi.paths['/dashboards/{userId}']?.get?.security).toEqual([{ bearer: ['compositions:read'] }]);
    expect(openapi.paths['/profiles/{userId}']).toBeDefined();
  });
});

describe('a file composition whose sources cache', () => {
  /** The answer with its Cache-Status members by name: `{ user: 'hit; ttl=0', … }`. */
  async function cached(path: string) {
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    const members = (response.headers.get('cache-status') ?? '').split(', ').map((m) => [m.slice(0, m.indexOf(';')), m.slice(m.indexOf(';') + 2)]);
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, cache: Object.fromEntries(members) as Record<string, string> };
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('serves fresh answers from the cache, revalidates stale ones with a 304, and rides out an outage of the users service', async () => {
    const first = await cached('/cached/u-21');
    expect(first).toMatchObject({ status: 200, cache: { 'baton-user': 'fwd=miss; stored', 'baton-loyalty': 'fwd=miss; stored' } });
    const second = await cached('/cached/u-21');
    expect(second.body).toEqual(first.body);
    expect(second.cache['baton-user']).toMatch(/^hit; ttl=0$/);
    expect((await requestCounts(services, 'users')).received).toBe(1);

    await sleep(1100);
    const revalidated = await cached('/cached/u-21');
    expect(revalidated).toMatchObject({ status: 200, body: first.body, cache: { 'baton-user': 'fwd=stale; fwd-status=304; stored' } });
    expect((await requestCounts(services, 'users')).received).toBe(2);

    // The users service goes down: within stale-if-error the dashboard still answers, whole, and says how.
    await sleep(1100);
    await setFaults(services, 'users', { errorRate: 1 });
    const outage = await cached('/cached/u-21');
    expect(outage).toMatchObject({ status: 200, body: { ...first.body, partial: false } });
    expect(outage.cache['baton-user']).toMatch(/^fwd=stale; ttl=-\d+; detail="stale-if-error unavailable"$/);
    // A user never cached has nothing to fall back on: the contract's 502.
    expect((await cached('/cached/u-22')).status).toBe(502);
  });
});

describe('hot reload', () => {
  it('adds, changes and removes compositions while requests run, none failing; a broken file changes nothing', async () => {
    const before = await readiness();
    let running = true;
    const failures: string[] = [];
    let served = 0;
    const driver = (async () => {
      while (running) {
        const [dashboard, profile] = await Promise.all([get('/dashboards/u-2'), get('/file-profiles/u-3')]);
        for (const [name, r] of [
          ['dashboard', dashboard],
          ['file-profile', profile],
        ] as const)
          if (r.status !== 200) failures.push(`${name} ${r.status} ${JSON.stringify(r.body)}`);
        served += 2;
      }
    })();
    const newVersion = async (previous: string) => {
      await expect.poll(async () => (await readiness()).compositions.version, { timeout: 10_000 }).not.toBe(previous);
      return (await readiness()).compositions.version;
    };

    // Added.
    expect((await get('/extras/u-1')).status).toBe(404);
    await replaceFile(fileOf(PROFILE_AS_FILE, DASHBOARD, ACTIVITY, EXTRA));
    const added = await newVersion(before.compositions.version);
    expect(await get('/extras/u-1')).toMatchObject({ status: 200, body: { name: expect.any(String) as unknown, partial: false } });
    expect((await readiness()).compositions.compositions).toEqual(['file-profile', 'dashboard', 'activity', 'extra']);

    // Changed.
    await replaceFile(fileOf(PROFILE_AS_FILE, DASHBOARD.replace('      name: user/name', '      name: user/name\n      email: user/email'), EXTRA));
    const changed = await newVersion(added);
    expect(Object.keys((await get('/dashboards/u-1')).body)).toContain('email');

    // Broken: refused, named, counted; the last good version keeps serving.
    await replaceFile(fileOf(PROFILE_AS_FILE, DASHBOARD.replace('service: loyalty', 'service: mailer'), EXTRA));
    await expect
      .poll(async () => (await readiness()).compositions.lastError?.errors ?? [], { timeout: 10_000 })
      .toEqual([expect.stringContaining('compositions[1] (dashboard).sources.loyalty.service')]);
    expect((await readiness()).compositions.version).toBe(changed);
    expect(Object.keys((await get('/dashboards/u-1')).body)).toContain('email');
    const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).text();
    expect(metrics).toMatch(/baton_compositions_reloads_total\{result="invalid"\} [1-9]/);
    expect(metrics).toContain(`baton_compositions_version_info{version="${changed}"} 1`);
    // Named like every route and every composition: by the declared route, by composition and source.
    expect(metrics).toMatch(/baton_http_requests_total\{method="GET",route="\/dashboards\/\{userId\}",status="200"\} [1-9]/);
    expect(metrics).toMatch(/baton_composition_source_total\{composition="dashboard",source="user",outcome="ok"\} [1-9]/);

    // Removed (from a good file again): 404 once swapped; the error is history.
    await replaceFile(fileOf(PROFILE_AS_FILE, DASHBOARD));
    await newVersion(changed);
    expect((await get('/extras/u-1')).status).toBe(404);
    expect((await readiness()).compositions.lastError).toBeUndefined();

    running = false;
    await driver;
    expect(served).toBeGreaterThan(10);
    expect(failures).toEqual([]);
  });
});

describe('a request running through a reload', () => {
  it('finishes on the version it started with', async () => {
    await replaceFile(fileOf(PROFILE_AS_FILE, DASHBOARD, slowly('      name: user/name')));
    await expect.poll(async () => (await readiness()).compositions.compositions, { timeout: 10_000 }).toContain('slow');
    const started = (await readiness()).compositions.version;

    await setFaults(services, 'users', { latencyMs: 3000 });
    let answeredAt = Infinity;
    const running = get('/slow/u-1').then((answer) => {
      answeredAt = performance.now();
      return answer;
    });
    await replaceFile(fileOf(PROFILE_AS_FILE, DASHBOARD, slowly('      name: user/name\n      id: user/id')));
    await expect.poll(async () => (await readiness()).compositions.version, { timeout: 10_000 }).not.toBe(started);
    const swappedAt = performance.now();

    const answer = await running;
    // The swap came while the request was waiting for the users service.
    expect(swappedAt).toBeLessThan(answeredAt);
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body)).toEqual(['name', 'partial', 'errors']);
    await resetAll(services);
    expect(Object.keys((await get('/slow/u-1')).body)).toEqual(['name', 'id', 'partial', 'errors']);
  });
});

describe('an invalid file at start', () => {
  it('exits 1 naming every bad field', async () => {
    const broken = join(dir, 'broken.yaml');
    await writeFile(
      broken,
      fileOf(DASHBOARD.replace('"/loyalty/{user.id}"', '"/loyalty/../{user.id}"').replace('after: [user], timeoutMs: 300', 'timeoutMs: 300')),
    );
    const child = startApi(broken);
    expect(await exitCode(child)).toBe(1);
    expect(child.output()).toContain(`compositions[0] (dashboard).sources.loyalty.path: ".." would climb out of the path`);
  });
});
