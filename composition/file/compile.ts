// A compositions file made into what the engine runs: each declared composition becomes the same
// Composition a TypeScript `compose(...)` builds, so file compositions share the engine, its deadline,
// the breakers, retries and bulkheads of the downstream client, and the metrics.
import { createHash } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import { parse as parseYaml } from 'yaml';
import { Id } from '../../contracts';
import { callPolicy, type Composition, type PartialMeta, type SourceNode } from '../define';
import { BATON_SOURCE, type AnyEndpoint, type SourceService } from '../endpoint';
import { partialAnswerFields } from '../source-failures';
import { CompositionsFile, LIMITS, SOURCE_SERVICES, type FileComposition, type FileSource, type OutputMap } from './schema';
import { INPUT, inputNames, parsePathTemplate, parseRouteTemplate, parseValueTemplate, renderPath, renderValue, type RouteSegment } from './templates';

export type FileInput = Readonly<Record<string, string>>;

export interface CompiledComposition {
  readonly name: string;
  /** The OpenAPI path it is served at: "/dashboards/{userId}". */
  readonly path: string;
  readonly summary: string | undefined;
  readonly route: readonly RouteSegment[];
  /** Path parameters, each validated by the ID rule. */
  readonly params: z.ZodObject<Record<string, typeof Id>>;
  /** Query parameters the templates read (`{input.x}` that is no path parameter): required, ID rule. */
  readonly query: z.ZodObject<Record<string, typeof Id>>;
  readonly composition: Composition<FileInput, z.ZodType>;
  /** A source reads Baton's own orders: the route needs the scope reading orders needs. */
  readonly readsOrders: boolean;
}

export interface CompiledFile {
  /** The first 12 hex digits of the file's SHA-256: changes exactly when the content does. */
  readonly version: string;
  readonly compositions: readonly CompiledComposition[];
}

export interface CompileOptions {
  /** The services a source may call: those with a base URL, and `baton` when its orders can be read. */
  services: readonly SourceService[];
  /** Calls Baton knows: a source that makes one gets its answer's schema (checked, documented) and its 404 rule. */
  endpoints: readonly AnyEndpoint[];
  /** First path segments of Baton's own routes: a composition may not shadow them. */
  reservedPrefixes: readonly string[];
}

export type CompileResult = { readonly ok: true; readonly file: CompiledFile } | { readonly ok: false; readonly errors: readonly string[] };

/** `compositions[0].sources.user.service`, with the composition's name when it has one. */
function fieldPath(path: readonly PropertyKey[], data: unknown): string {
  let out = '';
  for (const [i, key] of path.entries()) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += `${out === '' ? '' : '.'}${String(key)}`;
    if (i === 1 && path[0] === 'compositions' && typeof key === 'number') {
      const name = (data as { compositions?: { name?: unknown }[] } | null)?.compositions?.[key]?.name;
      if (typeof name === 'string') out += ` (${name})`;
    }
  }
  return out || '(file)';
}

/** Reads, validates and compiles a compositions file; every problem is named with its field's path. */
export function compileCompositions(text: string, options: CompileOptions): CompileResult {
  const bytes = Buffer.byteLength(text);
  if (bytes > LIMITS.fileBytes) return { ok: false, errors: [`(file): ${bytes} bytes; a compositions file may hold at most ${LIMITS.fileBytes}`] };
  let data: unknown;
  try {
    // YAML 1.2 reads JSON too. Aliases are bounded, so a "billion laughs" file is an error, not an outage.
    data = parseYaml(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (err) {
    const message = (err as Error).message.split('\n')[0] ?? '';
    // The commonest slip: "{" starts a YAML map, so a template inside a one-line { … } map must be quoted.
    const hint = /flow|comma/i.test(message) ? ' (inside a one-line { … } map, quote values with templates: path: "/users/{input.userId}")' : '';
    return { ok: false, errors: [`(file): not YAML or JSON: ${message}${hint}`] };
  }
  const parsed = CompositionsFile.safeParse(data);
  const errors = parsed.success ? [] : parsed.error.issues.map((issue) => `${fieldPath(issue.path, data)}: ${issue.message}`);
  // What only this process knows (its routes, its configured services), checked on the raw data so that
  // these are named too when the schema found other faults.
  const declared = (data as { compositions?: unknown } | null)?.compositions;
  (Array.isArray(declared) ? (declared as unknown[]) : []).forEach((composition, index) => {
    const at = (...path: (string | number)[]) => fieldPath(['compositions', index, ...path], data);
    const { path, sources } = (composition ?? {}) as { path?: unknown; sources?: unknown };
    const first = typeof path === 'string' ? (path.split('/')[1] ?? '') : '';
    if (options.reservedPrefixes.includes(first)) errors.push(`${at('path')}: /${first} is one of Baton's own routes`);
    for (const [name, source] of Object.entries(sources !== null && typeof sources === 'object' ? sources : {})) {
      const service = (source as { service?: unknown } | null)?.service;
      if (typeof service === 'string' && !(options.services as readonly string[]).includes(service) && (SOURCE_SERVICES as readonly string[]).includes(service))
        errors.push(`${at('sources', name, 'service')}: service "${service}" is not configured here (configured: ${options.services.join(', ')})`);
      // Baton's own side answers only the reads it has: any other path would be a failure on every request.
      const sourcePath = (source as { path?: unknown } | null)?.path;
      const batonPaths = options.endpoints.filter((e) => e.service === BATON_SOURCE).map((e) => e.path);
      if (service === BATON_SOURCE && typeof sourcePath === 'string' && !batonPaths.some((p) => shapeOf(p) === shapeOf(sourcePath)))
        errors.push(`${at('sources', name, 'path')}: the ${BATON_SOURCE} source answers only ${batonPaths.join(' and ')}`);
    }
  });
  if (!parsed.success || errors.length > 0) return { ok: false, errors };

  const version = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return { ok: true, file: { version, compositions: parsed.data.compositions.map((c) => compileComposition(c, options.endpoints)) } };
}

const shapeOf = (path: string) => path.replace(/\{[^}]*\}/g, '{}');
/** The endpoint Baton knows that a file source calls: the same service and the same path shape. */
const knownEndpoint = (source: FileSource, endpoints: readonly AnyEndpoint[]) =>
  endpoints.find((e) => e.service === source.service && shapeOf(e.path) === shapeOf(source.path));

function compileComposition(declared: FileComposition, endpoints: readonly AnyEndpoint[]): CompiledComposition {
  const route = parseRouteTemplate(declared.path);
  const pathParams = route.flatMap((s) => (s.kind === 'param' ? [s.name] : []));
  const queryInputs = new Set<string>();

  // Dependencies first: the engine starts each source once those it waits for have values.
  const order = topologicalOrder(declared.sources);
  const nodes: SourceNode[] = order.map((name) => {
    const source = declared.sources[name]!;
    const pathParts = parsePathTemplate(source.path);
    const queryParts = Object.entries(source.query ?? {}).map(
      ([key, value]) => [key, typeof value === 'string' ? parseValueTemplate(value) : String(value)] as const,
    );
    for (const input of [...inputNames(pathParts), ...queryParts.flatMap(([, v]) => (typeof v === 'string' ? [] : inputNames(v)))])
      if (!pathParams.includes(input)) queryInputs.add(input);
    const known = knownEndpoint(source, endpoints);
    const endpoint: AnyEndpoint = {
      service: source.service,
      path: source.path,
      query: undefined,
      response: known?.response ?? z.unknown(),
      absentOn404: source.absentOn404 ?? known?.absentOn404 ?? false,
      url: () => {
        throw new Error('a file source builds its own URL');
      },
    };
    const pointer = source.select === undefined ? undefined : pointerTokens(source.select);
    return {
      name,
      endpoint,
      after: (source.after ?? []).map((dep) => order.indexOf(dep)),
      url: (context) => {
        let url = renderPath(pathParts, context);
        let sep = '?';
        for (const [key, value] of queryParts) {
          url += `${sep}${encodeURIComponent(key)}=${encodeURIComponent(typeof value === 'string' ? value : renderValue(value, context))}`;
          sep = '&';
        }
        return url;
      },
      select: pointer && ((body: unknown) => at(body, pointer) ?? null),
      timeoutMs: source.timeoutMs ?? declared.deadlineMs,
      required: source.required === true,
      policy: callPolicy(source),
    };
  });

  const fallbacks = Object.entries(declared.sources).flatMap(([name, s]) => (s.fallback !== undefined ? [[name, s.fallback] as const] : []));
  const output = compileOutput(declared.output);
  const params = z.object(Object.fromEntries(pathParams.map((p) => [p, Id])));
  const query = z.object(Object.fromEntries([...queryInputs].map((q) => [q, Id])));
  return {
    name: declared.name,
    path: declared.path,
    summary: declared.summary,
    route,
    params,
    query,
    readsOrders: Object.values(declared.sources).some((s) => s.service === BATON_SOURCE),
    composition: {
      name: declared.name,
      input: params.extend(query.shape),
      output: outputSchema(declared, endpoints),
      deadlineMs: declared.deadlineMs,
      sources: nodes,
      merge: (values: Readonly<Record<string, unknown>>, meta: PartialMeta) => {
        let withFallbacks = values;
        if (fallbacks.length > 0) {
          withFallbacks = { ...values };
          for (const [name, fallback] of fallbacks) if (withFallbacks[name] === null) withFallbacks = { ...withFallbacks, [name]: fallback };
        }
        return { ...output(withFallbacks), ...meta };
      },
    },
  };
}

/** Sources ordered so that each comes after those it waits for (the schema has refused cycles). */
function topologicalOrder(sources: Readonly<Record<string, FileSource>>): string[] {
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    for (const dep of sources[name]?.after ?? []) visit(dep);
    order.push(name);
  };
  for (const name of Object.keys(sources)) visit(name);
  return order;
}

/** RFC 6901: "/a/b~1c" is ["a", "b/c"]. */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value at `tokens`, or undefined when there is none. */
function at(value: unknown, tokens: readonly string[]): unknown {
  let current = value;
  for (const token of tokens) {
    if (Array.isArray(current)) current = /^(0|[1-9]\d*)$/.test(token) ? current[Number(token)] : undefined;
    else if (current !== null && typeof current === 'object' && Object.hasOwn(current, token)) current = (current as Record<string, unknown>)[token];
    else return undefined;
  }
  return current;
}

type Getter = (values: Readonly<Record<string, unknown>>) => unknown;

/** The output mapping as a function: each field reads its source (or the request) at its pointer; absent is null. */
function compileOutput(map: OutputMap): (values: Readonly<Record<string, unknown>>) => Record<string, unknown> {
  const fields: [string, Getter][] = Object.entries(map).map(([field, ref]) => {
    if (typeof ref !== 'string') return [field, compileOutput(ref)];
    const [source = '', ...rest] = ref.split('/');
    const tokens = pointerTokens(rest.length === 0 ? '' : `/${rest.join('/')}`);
    return [field, (values) => at(values[source], tokens) ?? null];
  });
  return (values) => {
    const out: Record<string, unknown> = {};
    for (const [field, get] of fields) out[field] = get(values);
    return out;
  };
}

/** The part of a schema at a pointer, as far as it can be followed; unknown past that. */
function schemaAt(schema: z.ZodType, tokens: readonly string[]): z.ZodType {
  let current: z.ZodType = schema;
  for (const token of tokens) {
    while (current instanceof z.ZodNullable || current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
    if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodType>)[token] ?? z.unknown();
    else if (current instanceof z.ZodArray && /^\d+$/.test(token)) current = current.element as z.ZodType;
    else return z.unknown();
  }
  return current;
}

/** The answer's schema for the OpenAPI document: typed where a source is a known endpoint, nullable where it is optional. */
function outputSchema(declared: FileComposition, endpoints: readonly AnyEndpoint[]): z.ZodType {
  const sourceSchema = (name: string): z.ZodType => {
    const source = declared.sources[name];
    if (!source) return z.string(); // input: an ID
    const known = knownEndpoint(source, endpoints);
    const body = known ? schemaAt(known.response, pointerTokens(source.select ?? '')) : z.unknown();
    return source.required === true ? body : source.fallback === undefined ? body.nullable() : z.unknown();
  };
  const objectOf = (map: OutputMap): z.ZodType =>
    z.object(
      Object.fromEntries(
        Object.entries(map).map(([field, ref]) => {
          if (typeof ref !== 'string') return [field, objectOf(ref)];
          const [source = '', ...rest] = ref.split('/');
          const base = sourceSchema(source);
          if (rest.length === 0 || source === INPUT) return [field, base];
          const inner = schemaAt(base, pointerTokens(`/${rest.join('/')}`));
          return [field, declared.sources[source]?.required === true ? inner : inner.nullable()];
        }),
      ),
    );
  const fields = objectOf(declared.output) as z.ZodObject;
  return fields.extend(partialAnswerFields);
}
