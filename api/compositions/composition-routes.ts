// The compositions of BATON_COMPOSITIONS_FILE, served as GET routes beside the TypeScript ones, and the
// JSON Schema of that file. Their routes change when the file does, so they are matched here, at
// request time, against the version being served, rather than registered with the router once.
import { createRoute } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { compositionsJsonSchema } from '../../composition/file/schema';
import type { CompiledFile } from '../../composition/file/compile';
import type { AppEnv } from '../http/deps';
import { errorResponses, fieldErrors, problems } from '../http/problems';
import { createRouter } from '../http/router';
import { compositionErrorResponses, serveComposition } from '../profiles/serve-composition';
import { grants } from '../http/middleware/auth';
import { COMPOSITIONS_SCOPE } from '../http/scopes';

export const COMPOSITIONS_SCHEMA_PATH = '/compositions/schema.json';

/** Computed once: it depends on the code, not on the file. */
let schema: Record<string, unknown> | undefined;

/** GET /compositions/schema.json; public, so that editors can fetch it. */
export function compositionSchemaRoutes() {
  return createRouter().get(COMPOSITIONS_SCHEMA_PATH, (c) => {
    schema ??= compositionsJsonSchema();
    return c.json(schema, 200, { 'content-type': 'application/schema+json' });
  });
}

/**
 * Serves a GET that no other route answered when the current compositions file declares its path.
 * `shed` is the compositions' own bound on requests in progress, as for GET /profiles.
 */
export function fileCompositionRoutes(shed: MiddlewareHandler<AppEnv>) {
  return createRouter().get('*', async (c, next) => {
    const files = c.get('deps').fileCompositions;
    const match = files?.match(c.req.path);
    if (!match) return next();
    const { compiled, params } = match;
    // A composition that shows Baton's own orders needs what reading orders needs, besides its own scope.
    const principal = c.get('principal');
    if (principal && compiled.readsOrders && !grants(principal, 'orders:read')) throw problems.forbidden('orders:read');
    // Spans, logs and metrics name the declared route, not the request's path.
    c.set('routePattern', compiled.path);
    const path = compiled.params.safeParse(params);
    if (!path.success) throw problems.validation(fieldErrors(path.error, 'param'));
    const query = compiled.query.safeParse(c.req.query());
    if (!query.success) throw problems.validation(fieldErrors(query.error, 'query'));
    // The shed throws its 503 when the bound is reached; onError renders it.
    let body: unknown;
    await shed(c, async () => {
      body = await serveComposition(c, compiled.composition, { ...path.data, ...query.data });
    });
    return c.json(body as object, 200);
  });
}

const cachedDocs = new WeakMap<CompiledFile, ReturnType<ReturnType<typeof createRouter>['getOpenAPI31Document']>>();

/** The OpenAPI paths (and the schemas they name) of a compositions file's version. */
export function fileCompositionsDocument(file: CompiledFile) {
  let document = cachedDocs.get(file);
  if (document) return document;
  const router = createRouter();
  for (const compiled of file.compositions) {
    const route = createRoute({
      method: 'get',
      path: compiled.path,
      tags: ['compositions'],
      summary: compiled.summary ?? `The ${compiled.name} composition (from the compositions file)`,
      description: `Declared in the compositions file (version ${file.version}); answers as every composition does: an optional source that fails is null, with \`partial\` and \`errors\`.`,
      security: [{ bearer: [COMPOSITIONS_SCOPE] }],
      request: { params: compiled.params, query: compiled.query },
      responses: {
        200: { description: 'The composed answer, possibly partial', content: { 'application/json': { schema: compiled.composition.output } } },
        ...compositionErrorResponses,
        403: errorResponses[403],
      },
    });
    router.openAPIRegistry.registerPath(route);
  }
  document = router.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'compositions file', version: file.version } });
  cachedDocs.set(file, document);
  return document;
}
