// The HTTP edge of a composition: run it for a request and turn a failed required source into the
// problem the contract promises (404 unknown, 504 too slow, 502 anything else; 503 when Baton itself
// was too busy to hear the answer in time), without ever naming a downstream URL or host.
import type { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../http/deps';
import { recordComposition } from '../http/api-metrics';
import { errorResponses, errorsFor, problems, type ApiProblem } from '../http/problems';
import { clientGone, setResponseHeader } from '../http/node-response';
import type { Composition } from '../../composition/define';
import type { CompositionOutcome } from '../../composition/engine';

/** The error answers every composition route can give; spread into `responses`. */
export const compositionErrorResponses = {
  ...errorsFor(400, 401, 404, 502),
  503: {
    ...errorResponses[503],
    description:
      'This API process is overloaded (too many composition requests in progress, or too busy to read an answer in time); retry after `Retry-After` seconds',
  },
  ...errorsFor(504),
} as const;

export interface ServeOptions<I> {
  /** Detail of the 404 when a required source found nothing. */
  notFound?: (input: I) => string;
}

/** Runs `composition` for the current request; resolves with its output or throws an ApiProblem. */
export async function serveComposition<I, O extends z.ZodType>(
  c: Context<AppEnv>,
  composition: Composition<I, O>,
  input: I,
  options: ServeOptions<I> = {},
): Promise<z.input<O>> {
  // c.get, not c.var: Hono builds a fresh object for every c.var read, and this is the hot path.
  const composer = c.get('deps').composition;
  if (!composer) throw new Error('deps.composition is not configured; createComposer() belongs in the app deps');
  // Server-Timing (RFC 8673's registry, W3C Server Timing): each source that answered, how long it took
  // and, when not ok, why; `total` is the whole composition. A client (or the benchmark) reads from it
  // what Baton added over the slowest call of this very request.
  // Cache-Status (RFC 9211): one member per source that answered, named `baton-<source>`, saying whether
  // the answer came from Baton's cache, was revalidated, or went to the service (`fwd=bypass` for sources
  // without caching; `collapsed` when it shared another call's request).
  const timings: string[] = [];
  const cacheStatuses: string[] = [];
  const startedAt = performance.now();
  const outcome = await composer.run(composition, input, {
    clientGone: clientGone(c),
    headers: { 'x-request-id': c.get('requestId') },
    onSourceAnswered: (source, ms, result, cacheStatus) => {
      timings.push(`${source};${result === 'ok' ? '' : `desc=${result};`}dur=${ms.toFixed(1)}`);
      cacheStatuses.push(`baton-${source}; ${cacheStatus ?? 'fwd=bypass'}`);
    },
  });
  timings.push(`total;dur=${(performance.now() - startedAt).toFixed(1)}`);
  setResponseHeader(c, 'Server-Timing', timings.join(', '));
  if (cacheStatuses.length > 0) setResponseHeader(c, 'Cache-Status', cacheStatuses.join(', '));
  recordComposition(c.get('metrics'), composition, outcome);
  if (outcome.ok) {
    setResponseHeader(c, 'Baton-Complete', completeness(outcome.value));
    return outcome.value;
  }
  throw problemFor(outcome, options.notFound?.(input));
}

/**
 * Whether the answer is whole, readable without parsing the body (a cache or a proxy can act on it): an
 * RFC 8941 boolean, with the sources that gave no value when it is not: `?0;missing="loyalty orderHistory"`.
 */
function completeness(value: unknown): string {
  const { partial, errors } = (value ?? {}) as { partial?: unknown; errors?: { source?: unknown }[] };
  if (partial !== true) return '?1';
  const missing = Array.isArray(errors) ? errors.map((e) => String(e.source)).filter((name) => /^[\w.-]+$/.test(name)) : [];
  return missing.length > 0 ? `?0;missing="${missing.join(' ')}"` : '?0';
}

function problemFor(failure: Exclude<CompositionOutcome<unknown>, { ok: true }>, notFoundDetail?: string): ApiProblem {
  const { source, reason } = failure;
  switch (reason) {
    case 'not_found':
      return problems.notFound(notFoundDetail ?? `The ${source} source has no such resource.`);
    case 'timeout':
      return problems.gatewayTimeout(`The ${source} source did not answer in time.`);
    case 'overloaded':
      // Baton, not the service, was too slow: a 504 would blame a healthy service.
      return problems.overloaded('composition requests');
    case 'circuit_open':
      return problems.badGateway(`The ${source} source is failing; calls to it are paused (circuit open).`);
    case 'bad_response':
      return problems.badGateway(`The ${source} source gave an answer outside its contract.`);
    case 'unavailable':
      return problems.badGateway(`The ${source} source is unavailable.`);
    case 'cancelled':
      // The client has gone; nobody reads this.
      return problems.badGateway('The request was abandoned by the client.');
  }
}
