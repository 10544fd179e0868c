// One downstream GET, described once: which service, which path, which query, which answer.
// Compositions refer to endpoints, so the types of a call's parameters and body come from here.
import type { z } from '@hono/zod-openapi';
import type { ServiceName } from '../contracts';
import { appendQuery, compilePath, type PathParamNames, type PathParams, type QueryValue } from './url-template';

/**
 * Baton's own durable side as a source: its orders, read from Temporal (api/compositions/baton-sources.ts)
 * rather than over HTTP, so a composition can put an order's progress beside what the services answer.
 */
export const BATON_SOURCE = 'baton';
export type SourceService = ServiceName | typeof BATON_SOURCE;

export type QuerySchema = z.ZodType<Readonly<Record<string, QueryValue>>>;

/** What a caller passes to reach an endpoint: its path parameters and, if it has one, its query. */
export type EndpointRequest<P extends string, Q extends QuerySchema | undefined> = ([PathParamNames<P>] extends [never]
  ? { params?: PathParams<P> }
  : { params: PathParams<P> }) &
  (Q extends QuerySchema ? { query: z.input<Q> } : { query?: undefined });

export interface Endpoint<P extends string, Q extends QuerySchema | undefined, R extends z.ZodType> {
  readonly service: SourceService;
  readonly path: P;
  readonly query: Q;
  readonly response: R;
  /** 404 is an answer ("no such thing"), not a failure. */
  readonly absentOn404: boolean;
  /** The path and query of one call; throws on a query that breaks the endpoint's schema (a bug in the caller). */
  url(request: EndpointRequest<P, Q>): string;
}

export type AnyEndpoint = Endpoint<string, QuerySchema | undefined, z.ZodType>;
export type RequestOf<E extends AnyEndpoint> = E extends Endpoint<infer P, infer Q, z.ZodType> ? EndpointRequest<P, Q> : never;
export type BodyOf<E extends AnyEndpoint> = z.output<E['response']>;

export interface EndpointDefinition<P extends string, Q extends QuerySchema | undefined, R extends z.ZodType> {
  service: SourceService;
  path: P;
  response: R;
  query?: Q;
  /** Default false: a 404 from an endpoint that does not promise one is a bad response. */
  absentOn404?: boolean;
}

export function endpoint<const P extends string, R extends z.ZodType, Q extends QuerySchema | undefined = undefined>(
  definition: EndpointDefinition<P, Q, R>,
): Endpoint<P, Q, R> {
  const buildPath = compilePath(definition.path);
  const querySchema = definition.query;
  return {
    service: definition.service,
    path: definition.path,
    query: querySchema as Q,
    response: definition.response,
    absentOn404: definition.absentOn404 ?? false,
    url(request) {
      const path = buildPath((request.params ?? {}) as PathParams<P>);
      if (!querySchema) return path;
      const parsed = querySchema.safeParse(request.query);
      if (!parsed.success) throw new Error(`bad query for ${definition.service} ${definition.path}: ${parsed.error.message}`);
      return appendQuery(path, parsed.data);
    },
  };
}
