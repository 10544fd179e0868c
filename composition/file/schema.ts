// The format of BATON_COMPOSITIONS_FILE: one zod schema validates the file, types it, and is the JSON
// Schema editors validate against (docs/compositions.schema.json, GET /compositions/schema.json).
// Rules that span fields (templates naming sources, cycles in `after`) are refinements here too, so
// the file is refused with every bad field named at once.
import { z } from '@hono/zod-openapi';
import { SERVICE_NAMES } from '../../contracts';
import { BATON_SOURCE } from '../endpoint';
import { INPUT, parsePathTemplate, parseRouteTemplate, parseValueTemplate, type TemplatePart } from './templates';

/** Past these, a file is a mistake (or an attack), not a configuration. */
export const LIMITS = { fileBytes: 1024 * 1024, compositions: 200, sourcesPerComposition: 32, outputDepth: 8, templateLength: 512 } as const;

/** Every service a file may name; which of them this process can call is checked when it loads. */
export const SOURCE_SERVICES = [...SERVICE_NAMES, BATON_SOURCE] as const;

const SourceName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'a source name is a letter, then letters, digits or "_" (at most 64)')
  .refine((name) => name !== INPUT, '"input" names the request, not a source');
const FieldName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'an output field is a letter or "_", then letters, digits or "_"');
const JsonPointer = z
  .string()
  .max(LIMITS.templateLength)
  .regex(/^(\/([^~/]|~[01])*)*$/, 'a JSON pointer (RFC 6901): "" or "/field/0/…", "~" written "~0" and "/" written "~1"');
const Timeout = z.number().int().min(1).max(60_000);

const Source = z
  .strictObject({
    service: z.enum(SOURCE_SERVICES).describe(`A configured downstream service, or "${BATON_SOURCE}" for Baton's own orders`),
    path: z.string().max(LIMITS.templateLength).describe('Path on the service; segments are literals or one template: {input.x} or {source.field}'),
    query: z
      .record(
        z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a query name is letters, digits, "_", "." or "-"'),
        z.union([z.string().max(LIMITS.templateLength), z.number(), z.boolean()]),
      )
      .optional()
      .describe('Query parameters: literals, or templates like the path'),
    after: z.array(SourceName).max(LIMITS.sourcesPerComposition).optional().describe('Sources whose values this one needs; it starts when the last arrives'),
    required: z.boolean().optional().describe('A required source that fails fails the composition (502/504); default false'),
    timeoutMs: Timeout.optional().describe("Budget for this source, retries included; default and cap: the composition's deadline"),
    select: JsonPointer.optional().describe('The part of the body kept (a JSON pointer); default all of it'),
    fallback: z.json().optional().describe('The value of this source when it fails or finds nothing; default null'),
    absentOn404: z.boolean().optional().describe("404 means 'nothing' (value null, not partial) rather than a bad answer; known endpoints bring their own"),
    cache: z.boolean().optional().describe("Reuse answers as long as the service's Cache-Control and ETag allow (RFC 9111, a shared cache); default false"),
    coalesce: z.boolean().optional().describe('Identical calls in flight share one request; default: as cache'),
    hedgeAfterMs: Timeout.optional().describe('Send a second request when the first has not answered after this long; the first answer wins. Default off'),
  })
  .describe('One call; every field of its answer is reachable by templates and by the output');

/** `source`, `source/json/pointer`, or `input/x`. */
const OutputRef = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}(\/([^~/]|~[01])*)*$/, 'a source name, optionally followed by a JSON pointer: "user/name"');
export type OutputMap = { [field: string]: string | OutputMap };
const OutputMap: z.ZodType<OutputMap> = z.lazy(() =>
  z.record(FieldName, z.union([OutputRef, OutputMap])).refine((map) => Object.keys(map).length > 0, 'the output needs at least one field'),
);

const CompositionShape = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'a composition name is lower-case letters, digits and "-"'),
  path: z.string().max(LIMITS.templateLength).describe('Served as GET, with auth like every route: "/dashboards/{userId}"'),
  summary: z.string().max(200).optional(),
  deadlineMs: Timeout.describe('The whole answer, every source included'),
  sources: z.record(SourceName, Source),
  output: OutputMap.describe('Answer field → source or source path; nothing else is passed on ("partial" and "errors" are always added)'),
});
// `when`: run even where a field is already wrong, so one pass names every bad field (the checks are defensive).
const Composition = CompositionShape.superRefine(checkComposition, { when: () => true });

export const CompositionsFile = z
  .strictObject({
    compositions: z.array(Composition).max(LIMITS.compositions),
  })
  .superRefine(
    (file, ctx) => {
      const seen = new Map<string, number>();
      const routes = new Map<string, number>();
      (Array.isArray(file.compositions) ? file.compositions : []).forEach((composition, index) => {
        if (!isRecord(composition) || typeof composition.name !== 'string' || typeof composition.path !== 'string') return;
        const before = seen.get(composition.name);
        if (before !== undefined)
          ctx.addIssue({ code: 'custom', path: ['compositions', index, 'name'], message: `"${composition.name}" is also compositions[${before}]` });
        seen.set(composition.name, index);
        const route = routeShape(composition.path);
        const same = route === undefined ? undefined : routes.get(route);
        if (same !== undefined)
          ctx.addIssue({ code: 'custom', path: ['compositions', index, 'path'], message: `serves the same requests as compositions[${same}]` });
        if (route !== undefined) routes.set(route, index);
      });
    },
    { when: () => true },
  )
  .meta({ title: 'Baton compositions', description: 'Declarative compositions served by the Baton API (docs/compositions.md)' });
export type CompositionsFile = z.infer<typeof CompositionsFile>;
export type FileComposition = CompositionsFile['compositions'][number];
export type FileSource = FileComposition['sources'][string];

/** The route with its parameter names erased: two paths with one shape serve the same requests. */
function routeShape(path: string): string | undefined {
  try {
    return parseRouteTemplate(path)
      .map((s) => (s.kind === 'literal' ? s.value : '{}'))
      .join('/');
  } catch {
    return undefined;
  }
}

type Ctx = z.RefinementCtx;

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** Cross-field rules. `composition` may be malformed elsewhere (see `when`), so every read is guarded. */
function checkComposition(composition: z.infer<typeof CompositionShape>, ctx: Ctx) {
  const declared: unknown = composition;
  if (!isRecord(declared)) return;
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  let params: string[] = [];
  if (typeof declared.path === 'string') {
    try {
      params = parseRouteTemplate(declared.path).flatMap((s) => (s.kind === 'param' ? [s.name] : []));
    } catch (err) {
      issue(['path'], (err as Error).message);
    }
  }
  const sources: Record<string, unknown> = isRecord(declared.sources) ? declared.sources : {};
  const names = Object.keys(sources);
  if (isRecord(declared.sources) && names.length === 0) issue(['sources'], 'a composition needs at least one source');
  if (names.length > LIMITS.sourcesPerComposition) issue(['sources'], `${names.length} sources; at most ${LIMITS.sourcesPerComposition}`);

  const afterOf = (name: string) => strings(isRecord(sources[name]) ? sources[name].after : undefined);
  for (const name of names) {
    const source = sources[name];
    if (!isRecord(source)) continue;
    const after = afterOf(name);
    for (const [i, dep] of after.entries()) {
      if (dep === name) issue(['sources', name, 'after', i], 'a source cannot wait for itself');
      else if (!(dep in sources)) issue(['sources', name, 'after', i], `no source "${dep}" in this composition`);
    }
    const checkParts = (parts: readonly TemplatePart[], path: (string | number)[]) => {
      for (const part of parts) {
        if (part.kind !== 'ref' || part.source === INPUT) continue;
        if (!(part.source in sources)) issue(path, `{${part.text}} names no source of this composition`);
        else if (!after.includes(part.source)) issue(path, `{${part.text}} reads source "${part.source}": list it in "after"`);
      }
    };
    const templated = (path: (string | number)[], parse: () => TemplatePart[]) => {
      try {
        checkParts(parse(), path);
      } catch (err) {
        issue(path, (err as Error).message);
      }
    };
    if (typeof source.path === 'string') templated(['sources', name, 'path'], () => parsePathTemplate(source.path as string));
    if (isRecord(source.query))
      for (const [key, value] of Object.entries(source.query))
        if (typeof value === 'string') templated(['sources', name, 'query', key], () => parseValueTemplate(value));
    if (source.required === true && source.fallback !== undefined)
      issue(['sources', name, 'fallback'], 'a required source has no fallback: its failure fails the composition');
    if (source.service === BATON_SOURCE && (source.cache === true || source.hedgeAfterMs !== undefined))
      issue(['sources', name, source.cache === true ? 'cache' : 'hedgeAfterMs'], `"${BATON_SOURCE}" sources read Temporal, not HTTP: no cache, no hedging`);
    const budget = typeof source.timeoutMs === 'number' ? source.timeoutMs : typeof declared.deadlineMs === 'number' ? declared.deadlineMs : undefined;
    if (typeof source.hedgeAfterMs === 'number' && budget !== undefined && source.hedgeAfterMs >= budget)
      issue(['sources', name, 'hedgeAfterMs'], `a hedge after ${source.hedgeAfterMs} ms never goes out within a budget of ${budget} ms`);
  }

  const cycle = findCycle(Object.fromEntries(names.map((name) => [name, afterOf(name)])));
  if (cycle) issue(['sources', cycle[0]!, 'after'], `"after" makes a cycle: ${cycle.join(' → ')}`);

  const walk = (map: Record<string, unknown>, path: (string | number)[], depth: number) => {
    if (depth > LIMITS.outputDepth) return issue(path, `output nested deeper than ${LIMITS.outputDepth}`);
    for (const [field, value] of Object.entries(map)) {
      if (isRecord(value)) {
        walk(value, [...path, field], depth + 1);
        continue;
      }
      if (typeof value !== 'string') continue;
      const source = value.split('/', 1)[0]!;
      if (source === INPUT) {
        const param = value.slice(INPUT.length + 1);
        if (!params.includes(param)) issue([...path, field], `"${value}": the path has no parameter "${param}"`);
      } else if (!(source in sources)) issue([...path, field], `"${value}" names no source of this composition`);
    }
  };
  if (isRecord(declared.output)) walk(declared.output, ['output'], 1);
}

/** The first cycle through `after`, as source names ending where it started. */
function findCycle(after: Readonly<Record<string, readonly string[]>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'open') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'open');
    stack.push(name);
    for (const dep of after[name] ?? []) {
      if (!(dep in after) || dep === name) continue;
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(after)) {
    const found = visit(name);
    if (found) return found;
  }
  return undefined;
}

/** The JSON Schema of the file, for editors (`# yaml-language-server: $schema=…`) and GET /compositions/schema.json. */
export function compositionsJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(CompositionsFile, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
}
