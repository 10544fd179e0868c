// The compositions file as the API reads it: what it serves, and every hostile or broken file refused
// with the path of each bad field. The engine runs the compiled compositions against fake services.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { compileOptionsFor, FileCompositions } from '../../../api/compositions/file-compositions';
import { DownstreamHttp, runComposition } from '../../../composition';
import { compileCompositions, type CompiledFile } from '../../../composition/file/compile';
import { compositionsJsonSchema, LIMITS } from '../../../composition/file/schema';
import { DASHBOARD as DASHBOARD_COMPOSITION, fileOf } from '../../support/compositions-file';
import { repoRoot } from '../../support/processes';
import { hang, json, startFakeBackend, type FakeBackend } from './fake-backend';

const options = compileOptionsFor({ users: 'http://127.0.0.1:1', loyalty: 'http://127.0.0.1:1', orderHistory: 'http://127.0.0.1:1' });

/** The example of the docs, with its templates quoted as YAML wants inside { … }. */
const DASHBOARD = fileOf(DASHBOARD_COMPOSITION);

function compiled(text: string): CompiledFile {
  const result = compileCompositions(text, options);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.file;
}

function refused(text: string): readonly string[] {
  const result = compileCompositions(text, options);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.errors;
}

/** One composition with `sources` (YAML flow text per source) and an output of its first source. */
const withSources = (sources: Record<string, string>, extra = '') => `
compositions:
  - name: c
    path: /things/{id}
    deadlineMs: 500
    sources:
${Object.entries(sources)
  .map(([name, spec]) => `      ${name}: ${spec}`)
  .join('\n')}
    output:
      first: ${Object.keys(sources)[0]}
${extra}`;

describe('a compositions file', () => {
  it('compiles the example: dependencies first, templates filled, select and query applied', () => {
    const [dashboard] = compiled(DASHBOARD).compositions;
    expect(dashboard?.path).toBe('/dashboards/{userId}');
    const context = { input: { userId: 'u-1' }, user: { id: 'U 1', name: 'Ada' } };
    expect(dashboard?.composition.sources.map((s) => [s.name, s.after, s.url(context)])).toEqual([
      ['user', [], '/users/u-1'],
      ['loyalty', [0], '/loyalty/U%201'],
      ['orders', [0], '/users/U%201/orders?limit=3'],
    ]);
    // The orders source's timeout defaults to the deadline.
    expect(dashboard?.composition.sources[2]?.timeoutMs).toBe(800);
  });

  it('maps the output and drops the rest; a failed optional source gives its fallback, partial and errors as TypeScript ones', () => {
    const [dashboard] = compiled(DASHBOARD).compositions;
    const values = { input: { userId: 'u-1' }, user: { id: 'u-1', name: 'Ada', email: 'secret@example.com' }, loyalty: null, orders: [{ orderId: 'o-1' }] };
    const errors = [{ source: 'loyalty', reason: 'timeout' as const }];
    expect(dashboard?.composition.merge(values, { partial: true, errors })).toEqual({
      id: 'u-1',
      name: 'Ada',
      tier: null,
      lastOrders: [{ orderId: 'o-1' }],
      partial: true,
      errors,
    });
  });

  it('gives each source the call policy it declares (cache, coalescing, hedging), and none when it keeps the defaults', () => {
    const [c] = compiled(
      withSources({
        a: '{ service: users, path: /u, cache: true, hedgeAfterMs: 100 }',
        b: '{ service: loyalty, path: /l, coalesce: false }',
        d: '{ service: orderHistory, path: /o, coalesce: true, cache: false }',
        e: '{ service: users, path: /e, cache: false }',
      }),
    ).compositions;
    expect(c?.composition.sources.map((s) => s.policy)).toEqual([{ cache: true, hedgeAfterMs: 100 }, { coalesce: false }, { coalesce: true }, undefined]);
  });

  it('a version is the content digest: the same text, the same version; any change, another', () => {
    expect(compiled(DASHBOARD).version).toBe(compiled(DASHBOARD).version);
    expect(compiled(DASHBOARD).version).not.toBe(compiled(DASHBOARD.replace('800', '801')).version);
  });

  it('reads JSON as well as YAML', () => {
    const file = {
      compositions: [
        {
          name: 'j',
          path: '/j/{userId}',
          deadlineMs: 300,
          sources: { user: { service: 'users', path: '/users/{input.userId}', required: true } },
          output: { u: 'user' },
        },
      ],
    };
    expect(compiled(JSON.stringify(file)).compositions[0]?.name).toBe('j');
  });

  it('takes templates naming a query parameter of the request as required query input', () => {
    const [c] = compiled(withSources({ a: '{ service: users, path: "/users/{input.id}", query: { region: "{input.region}", v: 2 } }' })).compositions;
    expect(Object.keys(c!.query.shape)).toEqual(['region']);
    expect(c!.query.safeParse({}).success).toBe(false);
    expect(c!.composition.sources[0]?.url({ input: { id: 'x', region: 'eu west' } })).toBe('/users/x?region=eu%20west&v=2');
  });

  it('ships the JSON Schema generated from the zod schema that validates files', async () => {
    const shipped = JSON.parse(await readFile(`${repoRoot}/docs/compositions.schema.json`, 'utf8')) as unknown;
    expect(shipped).toEqual(compositionsJsonSchema());
    expect(JSON.stringify(shipped)).toContain('"after"');
  });

  it('ships an example file that compiles', async () => {
    const result = compileCompositions(await readFile(`${repoRoot}/examples/compositions.yaml`, 'utf8'), options);
    expect(result.ok ? result.file.compositions.map((c) => c.path) : result.errors).toEqual(['/dashboards/{userId}', '/activity/{userId}']);
  });
});

describe('a hostile or broken file is refused, each bad field named', () => {
  it.each([
    ['an unknown service', withSources({ a: '{ service: mailer, path: /x }' }), 'compositions[0] (c).sources.a.service: Invalid option'],
    [
      'a service this process has no URL for',
      withSources({ a: '{ service: payments, path: /x }' }),
      'compositions[0] (c).sources.a.service: service "payments" is not configured here',
    ],
    [
      'a template naming an unknown source',
      withSources({ a: '{ service: users, path: "/users/{ghost.id}" }' }),
      'compositions[0] (c).sources.a.path: {ghost.id} names no source of this composition',
    ],
    [
      'a template reading a source it does not wait for',
      withSources({ a: '{ service: users, path: /users/1 }', b: '{ service: loyalty, path: "/loyalty/{a.id}" }' }),
      'compositions[0] (c).sources.b.path: {a.id} reads source "a": list it in "after"',
    ],
    [
      'a cycle in after',
      withSources({ a: '{ service: users, path: "/u/{b.id}", after: [b] }', b: '{ service: users, path: "/u/{a.id}", after: [a] }' }),
      'compositions[0] (c).sources.a.after: "after" makes a cycle: a → b → a',
    ],
    [
      'a source waiting for itself',
      withSources({ a: '{ service: users, path: /u, after: [a] }' }),
      'compositions[0] (c).sources.a.after[0]: a source cannot wait for itself',
    ],
    [
      'a path climbing out with ..',
      withSources({ a: '{ service: users, path: "/users/../admin" }' }),
      'compositions[0] (c).sources.a.path: ".." would climb out of the path',
    ],
    [
      'an encoded dot',
      withSources({ a: '{ service: users, path: "/users/%2e%2e/admin" }' }),
      'compositions[0] (c).sources.a.path: segment "%2e%2e" may hold only',
    ],
    [
      'a template glued to text in a path',
      withSources({ a: '{ service: users, path: "/users/x{input.id}" }' }),
      'compositions[0] (c).sources.a.path: segment "x{input.id}" may hold only',
    ],
    [
      'a query in the path',
      withSources({ a: '{ service: users, path: "/users?admin=1" }' }),
      'compositions[0] (c).sources.a.path: segment "users?admin=1" may hold only',
    ],
    ['an unknown key', withSources({ a: '{ service: users, path: /u, retries: 3 }' }), 'compositions[0] (c).sources.a: Unrecognized key: "retries"'],
    [
      'a required source with a fallback',
      withSources({ a: '{ service: users, path: /u, required: true, fallback: {} }' }),
      'compositions[0] (c).sources.a.fallback: a required source has no fallback',
    ],
    [
      'a read Baton’s own side does not have',
      withSources({ a: '{ service: baton, path: "/orders/{input.id}/secrets" }' }),
      'compositions[0] (c).sources.a.path: the baton source answers only /orders/{orderId} and /customers/{customerId}/orders-in-flight',
    ],
    [
      'an output naming no source',
      withSources({ a: '{ service: users, path: /u }' }, '      ghost: nobody/x'),
      'compositions[0] (c).output.ghost: "nobody/x" names no source of this composition',
    ],
    [
      'a path of one of Baton’s own routes',
      DASHBOARD.replace('/dashboards/{userId}', '/orders/{userId}'),
      "compositions[0] (dashboard).path: /orders is one of Baton's own routes",
    ],
    [
      'a cache on Baton’s own side',
      withSources({ a: '{ service: baton, path: "/orders/{input.id}", cache: true }' }),
      'compositions[0] (c).sources.a.cache: "baton" sources read Temporal, not HTTP: no cache, no hedging',
    ],
    [
      'a hedge that could never go out',
      withSources({ a: '{ service: users, path: /u, timeoutMs: 200, hedgeAfterMs: 200 }' }),
      'compositions[0] (c).sources.a.hedgeAfterMs: a hedge after 200 ms never goes out within a budget of 200 ms',
    ],
    ['not YAML at all', 'compositions: [ {', '(file): not YAML or JSON'],
    ['an unquoted template inside { }', DASHBOARD.replace('"/users/{input.userId}"', '/users/{input.userId}'), 'quote values with templates'],
    ['no compositions key', 'dashboards: []', '(file): Unrecognized key: "dashboards"'],
  ])('%s', (_what, text, expected) => {
    expect(refused(text).join('\n')).toContain(expected);
  });

  it('a huge file, before parsing it', () => {
    const huge = `compositions: []\n#${'x'.repeat(LIMITS.fileBytes)}`;
    expect(refused(huge)).toEqual([`(file): ${huge.length} bytes; a compositions file may hold at most ${LIMITS.fileBytes}`]);
  });

  it('an alias bomb', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    expect(refused(lines.join('\n')).join('\n')).toContain('(file): not YAML or JSON');
  });

  it('names every fault of a file in one pass, across compositions', () => {
    const errors = refused(`
compositions:
  - name: a
    path: /a/{id}
    deadlineMs: 0
    sources:
      s: { service: mailer, path: "/x/{input.nope}" }
    output: { x: s }
  - name: a
    path: /a/{other}
    deadlineMs: 100
    sources:
      s: { service: users, path: /x }
    output: { x: t }
`);
    expect(errors.map((e) => e.split(':')[0])).toEqual(
      expect.arrayContaining([
        'compositions[0] (a).deadlineMs',
        'compositions[0] (a).sources.s.service',
        'compositions[1] (a).name',
        'compositions[1] (a).path',
        'compositions[1] (a).output.x',
      ]),
    );
  });
});

describe('a compiled composition on the engine', () => {
  let users: FakeBackend;
  let loyalty: FakeBackend;
  let orders: FakeBackend;
  let http: DownstreamHttp;

  beforeAll(async () => {
    users = await startFakeBackend((req, res) => json(res, 200, { id: req.url!.split('/')[2], name: 'Ada', email: 'ada@example.com' }));
    loyalty = await startFakeBackend(hang);
    orders = await startFakeBackend((_req, res) => json(res, 200, { orders: [] }));
    http = new DownstreamHttp({ baseUrls: { users: users.url, loyalty: loyalty.url, orderHistory: orders.url } });
  });
  afterAll(async () => {
    await http.close();
    await Promise.all([users, loyalty, orders].map((b) => b.close()));
  });

  it('answers with the mapped fields; a hanging optional source is null, partial, reason timeout', async () => {
    const [dashboard] = compiled(DASHBOARD).compositions;
    const outcome = await runComposition(dashboard!.composition, { userId: 'u-3' }, { http });
    expect(outcome).toEqual({
      ok: true,
      value: { id: 'u-3', name: 'Ada', tier: null, lastOrders: [], partial: true, errors: [{ source: 'loyalty', reason: 'timeout' }] },
    });
    expect(orders.arrivals.at(-1)?.path).toBe('/users/u-3/orders?limit=3');
  });

  it('a value a service answered that cannot be a path segment fails that source as bad_response', async () => {
    users.answer((_req, res) => json(res, 200, { id: '..', name: 'Ada', email: 'ada@example.com' }));
    const [dashboard] = compiled(DASHBOARD).compositions;
    const outcome = await runComposition(dashboard!.composition, { userId: 'u-3' }, { http });
    expect(outcome.ok && outcome.value).toMatchObject({
      lastOrders: null,
      errors: expect.arrayContaining([{ source: 'orders', reason: 'bad_response' }]) as unknown,
    });
  });
});

describe('FileCompositions', () => {
  it('reloads on SIGHUP alone, keeps the last good version on a bad file, and matches literal routes first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-compositions-'));
    const file = join(dir, 'compositions.yaml');
    const route = (path: string, field: string) => `
  - name: r${field}
    path: ${path}
    deadlineMs: 300
    sources: { u: { service: users, path: /users/1 } }
    output: { ${field}: u }`;
    await writeFile(file, `compositions:${route('/a/{x}', 'param')}`);
    const reloads: string[] = [];
    const files = await FileCompositions.load(file, {
      ...options,
      logger: pino({ level: 'silent' }),
      onReload: (result, version) => reloads.push(`${result} ${version}`),
    });
    // The signal only: no file watch can be what reloads here.
    files.watch({ file: false });
    try {
      const first = files.current.version;
      expect(files.match('/a/b')?.params).toEqual({ x: 'b' });
      expect(files.match('/a/b%20c')?.params).toEqual({ x: 'b c' });
      expect(files.match('/a')).toBeUndefined();

      await writeFile(file, `compositions:${route('/a/{x}', 'param')}${route('/a/b', 'literal')}`);
      process.emit('SIGHUP', 'SIGHUP');
      await vi.waitFor(() => expect(files.current.version).not.toBe(first));
      expect(files.match('/a/b')?.compiled.name).toBe('rliteral');
      expect(files.match('/a/c')?.compiled.name).toBe('rparam');

      const good = files.current.version;
      await writeFile(file, 'compositions: [{ name: broken }]');
      expect(await files.reload()).toBe(false);
      expect(files.current.version).toBe(good);
      expect(files.status().lastError?.errors).toEqual(expect.arrayContaining([expect.stringContaining('compositions[0] (broken).path')]));
      expect(reloads).toEqual([`ok ${first}`, `ok ${good}`, `invalid ${good}`]);

      // The bad edit undone: the same version as served, and nothing wrong any more.
      await writeFile(file, `compositions:${route('/a/{x}', 'param')}${route('/a/b', 'literal')}`);
      expect(await files.reload()).toBe(false);
      expect(files.status()).toMatchObject({ version: good });
      expect(files.status().lastError).toBeUndefined();
    } finally {
      await files.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
