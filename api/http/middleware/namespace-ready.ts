import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps';
import type { NamespaceReadiness } from '../namespace-readiness';
import { NamespaceCheckError } from '../../../lib/namespace-setup';
import { problemFromTemporal } from '../temporal-errors';

const NOT_SET_UP = new Set(['namespace-not-found', 'search-attributes-missing']);

/**
 * For the routes that start or search orders: while the namespace lacks Baton's search attributes (or
 * does not exist), a 503 naming the fix instead of a refused start. A route whose own Temporal call
 * finds the namespace not set up (the attributes were removed, another process raced) makes the next
 * request check again.
 */
export function requireNamespace(readiness: NamespaceReadiness): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    try {
      await readiness.require();
    } catch (err) {
      if (!(err instanceof NamespaceCheckError)) throw err;
      // Temporal could not be asked: unreachable is a 503 like any route's; anything else proves
      // nothing about the namespace, so the route goes ahead and its own call has the last word.
      const problem = problemFromTemporal(err.cause, c.var.deps.config.namespace);
      if (problem) throw problem;
      c.var.deps.logger.warn({ err, requestId: c.var.requestId }, 'could not check the namespace; serving the request anyway');
    }
    await next();
    if (c.error && NOT_SET_UP.has(problemFromTemporal(c.error, c.var.deps.config.namespace)?.slug ?? '')) readiness.invalidate();
  };
}
