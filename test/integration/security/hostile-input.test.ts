// The hostile-input properties of test/unit/api/hostile-input.test.ts, a few runs per route, against the
// real thing: the API over HTTP on the shared Temporal dev server, with the sample services behind the
// compositions, so Temporal's own answers to odd IDs, page tokens and queries are covered too. No worker:
// workflows that valid-looking requests start wait on a task queue of their own, and every generated ID
// carries a random suffix, so no request reads a run another one started.
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startSampleServices, type RunningSampleServices } from '../../../services';
import { startTestApi, TEST_TOKEN, uniqueTaskQueue, type TestApi } from '../../support/api';
import { expectSafeAnswer, requestsFor, routeName, routesOf, sendRaw, type OpenApiDocument } from '../../support/hostile-requests';

const RUNS = 15;
const address = inject('temporalAddress');
const namespace = inject('temporalNamespace');

const services: RunningSampleServices = await startSampleServices();
const api: TestApi = await startTestApi({
  address,
  namespace,
  taskQueue: uniqueTaskQueue('hostile'),
  // No localhost in what the API may legitimately answer, so any that shows up is a leak.
  config: { temporalUiUrl: 'https://temporal-ui.example' },
  composition: { baseUrls: services.urls, retry: { retries: 0 } },
});
const doc = JSON.parse((await sendRaw(api.url, { method: 'GET', path: '/openapi.json' })).text) as OpenApiDocument;
const urls = Object.values(services.urls);
const secrets = [address, ...urls, ...urls.map((u) => new URL(u).host)];
const routes = routesOf(doc);

afterAll(async () => {
  await api.stopAll();
  await services.close();
});

// `Prefer: wait=N` would hold a request for up to 30 s on a queue no worker polls; the unit run covers it.
const refuseHeader = (name: string, value: string) => name === 'prefer' && /wait/i.test(value);

describe('every route of the served document, on real Temporal', () => {
  it('finds the routes', () => expect(routes.length).toBeGreaterThan(20));

  it.each(routes.map((r) => [routeName(r), r] as const))('%s: no 5xx, stack trace, host or downstream URL for hostile requests', async (_, route) => {
    await fc.assert(
      fc.asyncProperty(requestsFor(doc, route, { token: TEST_TOKEN, uniqueIds: true, refuseHeader }), async (req) => {
        expectSafeAnswer(req, await sendRaw(api.url, req), { secrets });
      }),
      { numRuns: RUNS },
    );
  });
});
