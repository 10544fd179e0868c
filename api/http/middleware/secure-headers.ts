import type { MiddlewareHandler } from 'hono';
import { withResponseHeaders } from '../node-response';

/**
 * Hono's `secureHeaders()` defaults, header for header (test/unit/api/response-headers.test.ts keeps the two
 * equal as Hono changes). Baton serves JSON only, so none of them depends on the request.
 */
export const SECURE_HEADERS: readonly (readonly [string, string])[] = [
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
];

/**
 * The secure headers on every response, problems and streams included, the way Hono's `secureHeaders()` puts
 * them, but on Node's own response (api/http/node-response.ts). A route that sets one of them keeps its value.
 */
export function secureResponseHeaders(): MiddlewareHandler {
  return (c, next) => withResponseHeaders(c, SECURE_HEADERS, next);
}
