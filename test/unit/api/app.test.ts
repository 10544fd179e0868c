// The API's cross-cutting behaviour through createApp, with a Temporal connection that goes nowhere.
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../api/app';
import { nowhereTemporal, unitConfig, UNIT_TOKEN as TOKEN } from '../../support/unit-app';

const temporal = nowhereTemporal();
const app = createApp({ config: unitConfig({ bodyLimitBytes: 1024 }), temporal, logger: pino({ level: 'silent' }) });
const auth = { authorization: `Bearer ${TOKEN}` };

afterAll(() => temporal.connection.close());

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  return (await res.json()) as { type: string; title: string; status: number; detail?: string; errors?: { path: string; message: string }[] };
}

describe('API foundation', () => {
  it("fits Hono's fast router: every route is one its RegExpRouter holds (a catch-all like /workflows/:type/* would not)", async () => {
    await app.request('/healthz');
    expect((app as unknown as { router: { name: string } }).router.name).toBe('SmartRouter + RegExpRouter');
  });

  it('answers /healthz without a token', async () => {
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('serves the OpenAPI document generated from the route schemas', async () => {
    const res = await app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/workflows/welcomeUser', '/workflows/welcomeUser/{id}']));
    expect(doc.components.schemas).toHaveProperty('Problem');
  });

  it('serves an interactive API reference at /docs', async () => {
    const res = await app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const init = await app.request('/docs/init.js');
    expect(await init.text()).toContain('/openapi.json');
    const bundle = await app.request('/docs/assets/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect((await app.request('/docs/assets/package.json')).status).toBe(404);
  });

  it('rejects protected routes without a valid token with 401 problem+json', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: 'Basic abc' }];
    for (const headers of attempts) {
      const res = await app.request('/workflows/welcomeUser', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/Bearer/);
      expect((await problem(res)).status).toBe(401);
    }
  });

  it('names every bad field in a 400', async () => {
    const res = await app.request('/workflows/welcomeUser', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: '../../admin' }),
    });
    expect(res.status).toBe(400);
    const body = await problem(res);
    expect(body.errors?.map((e) => e.path)).toEqual(['userId']);
    expect(body.errors?.[0]?.message).toMatch(/letters, digits/);
  });

  it('answers malformed JSON with 400', async () => {
    const res = await app.request('/workflows/welcomeUser', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"userId":' });
    expect(res.status).toBe(400);
    expect((await problem(res)).title).toBe('Malformed JSON');
  });

  it('answers a body over the limit with 413', async () => {
    const res = await app.request('/workflows/welcomeUser', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'x'.repeat(4096) }),
    });
    expect(res.status).toBe(413);
    expect((await problem(res)).status).toBe(413);
  });

  it('answers unknown routes with 404 problem+json', async () => {
    const res = await app.request('/nope', { headers: auth });
    expect(res.status).toBe(404);
    expect((await problem(res)).status).toBe(404);
  });

  it('sets a request ID and secure headers', async () => {
    const res = await app.request('/healthz');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers 503 with Retry-After, never a 500, when Temporal is unreachable', async () => {
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBeTruthy();

    const res = await app.request('/workflows/welcomeUser', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'u-1' }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    const body = await problem(res);
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|stack|at /);
  }, 30_000);
});
