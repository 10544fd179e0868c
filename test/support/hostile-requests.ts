// Hostile requests for every route of the served OpenAPI document, generated with fast-check, and the
// checks every answer must pass (contract, "Conventions"): never a 5xx, never a stack trace, internal
// host or downstream URL, errors as problem+json, and a 400 names fields the request actually has.
// Shared by the unit run (createApp with fakes) and the integration run (real Temporal).
import { request as httpRequest, Agent } from 'node:http';
import fc from 'fast-check';
import { expect } from 'vitest';

// --- The OpenAPI document, as far as the generators need it ---------------------------------------

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: Record<string, string[]>[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface Route {
  method: string;
  /** The OpenAPI template, e.g. /orders/{orderId}. */
  path: string;
  params: Parameter[];
  body: JsonSchema | undefined;
  /** Declares the bearer scheme (the webhook too: it takes a bearer token or its signed token). */
  secured: boolean;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

export function routesOf(doc: OpenApiDocument): Route[] {
  const routes: Route[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      if (!METHODS.includes(method)) continue;
      routes.push({
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).filter((p) => p.in !== 'cookie'),
        body: op.requestBody?.content?.['application/json']?.schema,
        secured: (op.security ?? []).some((s) => 'bearer' in s),
      });
    }
  }
  return routes;
}

export const routeName = (r: Route) => `${r.method} ${r.path}`;

export function resolve(doc: OpenApiDocument, schema: JsonSchema): JsonSchema {
  let s = schema;
  for (let i = 0; s.$ref && i < 10; i++) {
    const name = s.$ref.replace('#/components/schemas/', '');
    const target = doc.components?.schemas?.[name];
    if (!target) throw new Error(`unresolved ${s.$ref}`);
    s = target;
  }
  return s;
}

// --- Values -------------------------------------------------------------------------------------------

/** A JSON literal written as is: numbers JSON.stringify cannot spell (1e400, -0, 2^64). */
class RawJson {
  constructor(readonly text: string) {}
}

export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Strings an attacker tries first: traversal, encodings, NUL, control and bidi characters, injection. */
export const NASTY_STRINGS = [
  '',
  '.',
  '..',
  '../',
  '../../etc/passwd',
  '..%2F..%2Fadmin',
  '%2e%2e%2f',
  'a/b',
  '%2F',
  '%',
  '%zz',
  '%00',
  '\u0000',
  'a\u0000b',
  ' ',
  '\t',
  'a b',
  '\r\n',
  '-leading',
  '_leading',
  ':',
  '__proto__',
  'constructor',
  'prototype',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  '\u202eevil',
  '\uFEFFbom',
  'ä',
  '😀',
  '\uD800',
  'x'.repeat(129),
  'x'.repeat(301),
];

const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 4000 }).map((n) => 'y'.repeat(n)) },
);

const hostileNumber = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    1.5,
    -0.5,
    2 ** 31,
    -(2 ** 31) - 1,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    -Number.MAX_SAFE_INTEGER - 2,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
  ),
  fc.constantFrom('1e400', '-1e400', '-0', '18446744073709551616', '1e-400', '0.0000000000000000000001').map((t) => new RawJson(t)),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Nested arrays or objects `depth` deep (a parser or validator that recurses would fall over). */
const deeplyNested = fc.oneof(
  fc.integer({ min: 100, max: 20_000 }).map((depth) => new RawJson('['.repeat(depth) + ']'.repeat(depth))),
  fc.integer({ min: 100, max: 5_000 }).map((depth) => new RawJson('{"a":'.repeat(depth) + '1' + '}'.repeat(depth))),
);

const pollution = fc.constantFrom<unknown>(new RawJson('{"__proto__":{"polluted":"yes"}}'), new RawJson('{"constructor":{"prototype":{"polluted":"yes"}}}'), {
  prototype: { polluted: 'yes' },
});

/** Anything JSON can carry, and some things it should not. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], { '': '' }) },
  { weight: 1, arbitrary: deeplyNested },
  { weight: 1, arbitrary: pollution },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

export interface ValueOptions {
  /** Integration runs: IDs get a random suffix, so no two runs touch the same workflow. */
  uniqueIds?: boolean;
}

const ID_LIKE = 'A-Za-z0-9._:-';

/** Values the schema accepts (as far as a JSON schema can tell). */
export function validValue(doc: OpenApiDocument, schema: JsonSchema, options: ValueOptions = {}, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(doc, schema);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => validValue(doc, a, options, depth + 1)));
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'string': {
      const min = s.minLength ?? 0;
      const max = Math.min(s.maxLength ?? 40, 40);
      if (s.format === 'uri') return fc.webUrl();
      if (s.pattern) {
        const arb = fc.stringMatching(new RegExp(s.pattern), { maxLength: max }).filter((v) => v.length >= min);
        if (!options.uniqueIds || !s.pattern.includes(ID_LIKE)) return arb;
        return fc.tuple(arb, fc.noBias(fc.uuid())).map(([v, id]) => `${v.slice(0, 40)}-${id}`);
      }
      return fc.string({ minLength: Math.max(min, 1), maxLength: Math.max(max, min, 1) });
    }
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: s.minimum ?? -1000, max: s.maximum ?? 1_000_000, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(validValue(doc, s.items ?? {}, options, depth + 1), {
        minLength: s.minItems ?? 0,
        maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 3, 3)),
      });
    case 'object': {
      const props = s.properties ?? {};
      const required = new Set(s.required ?? []);
      // Optional parts only near the top: the order definition's timings are deep and long.
      const keys = Object.keys(props).filter((k) => required.has(k) || depth < 1);
      return fc.record(Object.fromEntries(keys.map((k) => [k, validValue(doc, props[k] as JsonSchema, options, depth + 1)])), {
        requiredKeys: keys.filter((k) => required.has(k)),
      });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** The paths into a value where a mutation can land, with the value found there. */
function locations(value: unknown, at: string[] = []): string[][] {
  const here = [at];
  if (Array.isArray(value)) return here.concat(...value.map((v, i) => locations(v, [...at, String(i)])));
  if (value !== null && typeof value === 'object') return here.concat(...Object.entries(value).map(([k, v]) => locations(v, [...at, k])));
  return here;
}

function replaceAt(value: unknown, path: string[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(value)) return (value as unknown[]).map((v, i) => (String(i) === head ? replaceAt(v, rest, replacement) : v));
  const copy = { ...(value as Record<string, unknown>) };
  copy[head] = replaceAt(copy[head], rest, replacement);
  return copy;
}

function removeAt(value: unknown, path: string[]): unknown {
  if (path.length === 0) return value;
  if (path.length === 1 && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const copy = { ...(value as Record<string, unknown>) };
    delete copy[path[0] as string];
    return copy;
  }
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(value)) return (value as unknown[]).map((v, i) => (String(i) === head ? removeAt(v, rest) : v));
  return { ...(value as Record<string, unknown>), [head]: removeAt((value as Record<string, unknown>)[head], rest) };
}

type BodyMutation = 'none' | 'replace' | 'remove' | 'extra';

/** A body built from the schema, then (mostly) broken in one place. */
function bodyArbitrary(doc: OpenApiDocument, schema: JsonSchema, options: ValueOptions): fc.Arbitrary<{ text: string; value: unknown }> {
  return fc
    .tuple(
      validValue(doc, schema, options),
      fc.constantFrom<BodyMutation>('none', 'replace', 'replace', 'replace', 'remove', 'extra'),
      fc.nat(),
      hostileValue,
      fc.constantFrom('__proto__', 'constructor', 'extra', 'x'.repeat(300), ''),
    )
    .map(([valid, mutation, pick, hostile, extraKey]) => {
      const spots = locations(valid);
      const spot = spots[pick % spots.length] ?? [];
      let value: unknown = valid;
      if (mutation === 'replace') value = replaceAt(valid, spot, hostile);
      if (mutation === 'remove') value = removeAt(valid, spot);
      if (mutation === 'extra' && valid !== null && typeof valid === 'object' && !Array.isArray(valid)) {
        // Written by hand: `{ __proto__: … }` as an object literal would set the prototype, not a key.
        const text = toJson(valid).replace(/^\{/, `{${JSON.stringify(extraKey)}:${toJson(hostile)}${Object.keys(valid).length ? ',' : ''}`);
        return { text, value: valid };
      }
      return { text: toJson(value), value };
    });
}

// --- Requests -----------------------------------------------------------------------------------------

export interface HostileRequest {
  method: string;
  /** As sent on the wire: nothing normalises it on the way. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** What the request carries, to check that a 400 names fields that exist. */
  sent: { fields: Set<string>; body: unknown };
}

/** Percent-encodes every byte outside the unreserved set (UTF-8; a lone surrogate becomes U+FFFD). */
export function encodeAll(value: string): string {
  return Array.from(Buffer.from(value, 'utf8'))
    .map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

/** Keeps "/", "%", "?" and "." as they are (a client that does not encode), encodes what HTTP cannot carry. */
function encodeLoosely(value: string): string {
  return Array.from(Buffer.from(value, 'utf8'))
    .map((b) => (b > 0x20 && b < 0x7f && b !== 0x23 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

/** What a header can carry at all (Node refuses the rest before it is sent). */
export const headerSafe = (value: string) => value.replace(/[^\t\x20-\x7e]/g, '?').slice(0, 4000);

/** Parameters stay under 2 KB: a URL or header beyond Node's 16 KB limit never reaches the app (431). */
const paramValue = (doc: OpenApiDocument, p: Parameter, options: ValueOptions) =>
  fc.oneof(
    { weight: 2, arbitrary: validValue(doc, p.schema ?? {}, options).map(String) },
    { weight: 3, arbitrary: hostileValue.map((v) => (typeof v === 'string' ? v : toJson(v)).slice(0, 2000)) },
  );

export interface RequestOptions extends ValueOptions {
  token: string;
  /** Header values that must never be generated (integration: no `Prefer: wait`, which would wait). */
  refuseHeader?: (name: string, value: string) => boolean;
}

/** Requests for one route: path, query, headers and body each valid-looking or hostile. */
export function requestsFor(doc: OpenApiDocument, route: Route, options: RequestOptions): fc.Arbitrary<HostileRequest> {
  const pathParams = route.params.filter((p) => p.in === 'path');
  const query = route.params.filter((p) => p.in === 'query');
  const headers = route.params.filter((p) => p.in === 'header');
  const body = route.body ? bodyArbitrary(doc, route.body, options) : fc.constant(undefined);
  return fc
    .record({
      path: fc.tuple(...pathParams.map((p) => fc.tuple(paramValue(doc, p, options), fc.boolean()))),
      query: fc.tuple(...query.map((p) => fc.option(paramValue(doc, p, options), { nil: undefined }))),
      extraQuery: fc.option(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'x', 'pageSize'), hostileString), { nil: undefined }),
      headers: fc.tuple(...headers.map((p) => fc.option(paramValue(doc, p, options), { nil: undefined }))),
      body,
      contentType: fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', undefined),
    })
    .map((r): HostileRequest => {
      const fields = new Set<string>();
      let path = route.path;
      pathParams.forEach((p, i) => {
        const [value, loose] = r.path[i] as [string, boolean];
        // An empty segment is another route; so is an unencoded "/". Both are fine, but say so.
        path = path.replace(`{${p.name}}`, loose ? encodeLoosely(value) : encodeAll(value));
        fields.add(`param.${p.name}`);
      });
      const pairs: string[] = [];
      query.forEach((p, i) => {
        const value = r.query[i];
        if (value === undefined) return;
        pairs.push(`${encodeAll(p.name)}=${encodeAll(value)}`);
        fields.add(`query.${p.name}`);
      });
      if (r.extraQuery) {
        pairs.push(`${encodeAll(r.extraQuery[0])}=${encodeAll(r.extraQuery[1])}`);
        fields.add(`query.${r.extraQuery[0]}`);
      }
      const sentHeaders: Record<string, string> = { authorization: `Bearer ${options.token}` };
      headers.forEach((p, i) => {
        const raw = r.headers[i];
        if (raw === undefined) return;
        const value = headerSafe(raw);
        if (options.refuseHeader?.(p.name, value)) return;
        sentHeaders[p.name] = value;
        fields.add(`header.${p.name}`);
      });
      if (r.body !== undefined && r.contentType) sentHeaders['content-type'] = r.contentType;
      return {
        method: route.method,
        path: pairs.length ? `${path}?${pairs.join('&')}` : path,
        headers: sentHeaders,
        ...(r.body !== undefined && { body: r.body.text }),
        sent: { fields, body: r.body?.value },
      };
    });
}

// --- Bearer JWTs ----------------------------------------------------------------------------------------

const b64url = (value: string) => Buffer.from(value, 'utf8').toString('base64url');

/**
 * JWT-shaped bearer tokens an attacker sends: headers with `none`, HMAC or made-up algorithms, kids that are
 * paths, huge or absent, embedded keys (`jwk`, `jku`, `x5u`), `crit` and `b64` tricks; payloads that are not
 * objects or carry hostile claims; signatures empty, random or garbage. `kids` adds real key IDs, so some
 * forgeries name a key the provider publishes. Every one must be refused with 401 problem+json, never a 5xx.
 */
export function hostileJwt(kids: readonly string[] = []): fc.Arbitrary<string> {
  const alg = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom('none', 'None', 'NONE', 'nOnE', 'HS256', 'HS384', 'HS512', 'RS256', 'ES256', 'EdDSA', 'PS256', 'RS1', 'ES256K', 'A128KW', ''),
    },
    { weight: 1, arbitrary: hostileValue },
  );
  const kid = fc.oneof(
    { weight: 2, arbitrary: kids.length > 0 ? fc.constantFrom(...kids) : fc.constant('key-1') },
    { weight: 2, arbitrary: fc.constantFrom('../../../etc/passwd', '', ' ', '\u0000', 'x'.repeat(2000), '*', '__proto__', 'https://evil.test/key') },
    { weight: 1, arbitrary: hostileValue },
  );
  const extra = fc.constantFrom<Record<string, unknown>>(
    {},
    {},
    { typ: 'JWT' },
    { jku: 'https://evil.test/jwks.json' },
    { x5u: 'https://evil.test/cert.pem' },
    { jwk: { kty: 'oct', k: 'c2VjcmV0' } },
    { jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } },
    { crit: ['exp'] },
    { crit: ['b64'], b64: false },
    { zip: 'DEF' },
  );
  const header = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.tuple(alg, fc.option(kid, { nil: undefined }), extra).map(([a, k, e]) => toJson({ ...e, alg: a, ...(k !== undefined && { kid: k }) })),
    },
    { weight: 1, arbitrary: hostileValue.map(toJson) },
    { weight: 1, arbitrary: fc.constantFrom('{', 'null', '[]', '"alg"', '{"alg":"none"', '{"alg":"RS256","alg":"none"}') },
  );
  const now = Math.floor(Date.now() / 1000);
  const claims = fc.record(
    {
      iss: fc.oneof(fc.constant('https://idp.test/'), hostileValue),
      aud: fc.oneof(fc.constant('baton-api'), fc.constant(['baton-api', 'x']), hostileValue),
      sub: fc.oneof(fc.constant('user-1'), hostileValue),
      exp: fc.oneof(fc.constant(now + 300), fc.constant(now - 300), hostileValue),
      nbf: hostileValue,
      scope: fc.oneof(fc.constant('orders:read orders:write workflows:* profiles:read operator codec'), hostileValue),
      tenant: hostileValue,
    },
    { requiredKeys: [] },
  );
  const payload = fc.oneof({ weight: 6, arbitrary: claims.map(toJson) }, { weight: 1, arbitrary: hostileValue.map(toJson) });
  const signature = fc.oneof(
    fc.constant(''),
    fc.uint8Array({ minLength: 1, maxLength: 600 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
    fc.constantFrom('AAAA', 'x', '-_-_', '====', 'a.b'),
  );
  // Base64url of anything keeps the token on one header line, as an attacker's client would send it.
  return fc.tuple(header, payload, signature).map(([h, p, sig]) => `${b64url(h).slice(0, 4000)}.${b64url(p).slice(0, 4000)}.${sig}`);
}

// --- Sending and checking -----------------------------------------------------------------------------

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** node:http, not fetch: fetch would resolve "../" and refuse what a hostile client sends anyway. */
export function sendRaw(baseUrl: string, req: { method: string; path: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const headers = { ...req.headers };
  // Node sends a DELETE's body without a length unless told; the server would read it as the next request.
  if (req.body !== undefined && !headers['transfer-encoding'] && !headers['content-length']) headers['content-length'] = String(Buffer.byteLength(req.body));
  return new Promise((resolvePromise, reject) => {
    const r = httpRequest({ host: hostname, port, method: req.method, path: req.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // A server may answer (413) and close before the whole body is written: the answer is what counts.
    r.on('error', reject);
    r.end(req.body);
  });
}

export interface LeakRules {
  /** Strings no answer may contain: downstream URLs, the Temporal address, host names. */
  secrets: string[];
}

const STACK_FRAME = /\bat\s+(?:\S+\s+)?\(?(?:file:\/\/|\/|node:)[^)\s]*:\d+/;

/** The checks every answer must pass, whatever was asked. */
export function expectSafeAnswer(req: HostileRequest, res: RawResponse, rules: LeakRules): void {
  const what = `${req.method} ${req.path.slice(0, 200)} -> ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, what).toBeGreaterThanOrEqual(200);
  expect(res.status, what).toBeLessThan(500);
  expect(res.text, what).not.toMatch(STACK_FRAME);
  expect(res.text, what).not.toMatch(/\.ts:\d|node_modules|\b(?:TypeError|ReferenceError|RangeError|SyntaxError):/);
  expect(res.text, what).not.toMatch(/\b(?:\d{1,3}\.){3}\d{1,3}\b|\blocalhost\b/);
  for (const secret of rules.secrets) expect(res.text.includes(secret), `${what} leaks ${secret}`).toBe(false);
  if (res.status >= 400) expectProblem(req, res, what);
}

interface ProblemBody {
  type?: unknown;
  title?: unknown;
  status?: unknown;
  errors?: { path?: unknown; message?: unknown }[];
}

function expectProblem(req: HostileRequest, res: RawResponse, what: string): void {
  expect(String(res.headers['content-type']), what).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.text) as ProblemBody;
  expect(typeof body.type, what).toBe('string');
  expect(typeof body.title, what).toBe('string');
  expect(body.status, what).toBe(res.status);
  if (res.status !== 400 || !String(body.type).endsWith('/validation')) return;
  expect(Array.isArray(body.errors) && body.errors.length > 0, `${what}: a validation problem lists its errors`).toBe(true);
  for (const e of body.errors ?? []) {
    expect(typeof e.message, what).toBe('string');
    expect(namesSentField(String(e.path), req), `${what}: error path "${String(e.path)}" names no field of the request`).toBe(true);
  }
}

/** `param.x`, `query.x`, `header.x` for what was sent; body paths that exist (or whose parent does). */
function namesSentField(path: string, req: HostileRequest): boolean {
  if (/^(param|query|header)\./.test(path)) return req.sent.fields.has(path) || [...req.sent.fields].some((f) => path.startsWith(`${f}.`));
  if (req.body === undefined) return false;
  if (path === '(body)') return true;
  let at: unknown = req.sent.body;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    if (at instanceof RawJson) return true; // a hand-written literal: whatever lies below it
    if (at === null || typeof at !== 'object') return false;
    const key = parts[i] as string;
    // The last part may be a missing field: its parent exists, which is enough to name it.
    if (!Object.prototype.hasOwnProperty.call(at, key)) return i === parts.length - 1;
    at = (at as Record<string, unknown>)[key];
  }
  return true;
}
