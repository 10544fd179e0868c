import { hash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps';
import { JwksUnavailable, JwtRejected, looksLikeJwt, type JwtVerifier } from '../jwt';
import { problems } from '../problems';
import { requiredScope, type Scope } from '../scopes';

// The one-shot hash: no Hash object per request (auth runs on every protected call).
const digest = (s: string): Buffer => hash('sha256', s, 'buffer');
const shortDigest = (s: string): string => digest(s).toString('hex').slice(0, 16);

/** Who a request is: a static token (every scope), an identity provider's JWT, or Prometheus with the metrics token. */
export type Principal = { kind: 'static' } | { kind: 'metrics' } | { kind: 'jwt'; subject: string; tenant?: string; scopes: ReadonlySet<Scope> };

export interface AuthOptions {
  /** Static bearer tokens (BATON_API_TOKENS): every scope each. */
  tokens: readonly string[];
  /** Checks identity-provider JWTs (BATON_JWKS_URL); JWT-shaped tokens are refused without it. */
  jwt?: JwtVerifier;
  /** A token that opens GET /metrics and nothing else (BATON_METRICS_TOKEN). */
  metricsToken?: string;
  isPublic?: (path: string) => boolean;
  /** For a JWKS that cannot be fetched (logged once per request, never the token). */
  onJwksUnavailable?: (err: JwksUnavailable) => void;
}

/** Whether `principal` holds `scope` (a static token holds them all). */
export const grants = (principal: Principal, scope: Scope): boolean => principal.kind === 'static' || (principal.kind === 'jwt' && principal.scopes.has(scope));

/**
 * Bearer auth: a static token (compared as SHA-256 digests with timingSafeEqual, so neither content nor
 * length leaks through timing), else a JWT checked against the identity provider, then the scope the route
 * needs (api/http/scopes.ts). 401 for a missing or refused token, 403 for a missing scope, 503 when the
 * provider's keys cannot be fetched. Sets `principal`, and `rateLimitKey` for the limiter: the JWT's tenant
 * (else its subject) or the static token, each as a digest prefix, so no raw value is ever a store key.
 */
export function authenticate(options: AuthOptions): MiddlewareHandler<AppEnv> {
  const known = tokenDigests(options.tokens);
  const keys = known.map((d) => `s:${d.toString('hex').slice(0, 16)}`);
  const metricsDigest = options.metricsToken === undefined ? undefined : digest(options.metricsToken);
  const isPublic = options.isPublic ?? (() => false);
  return async (c, next) => {
    if (isPublic(c.req.path)) return next();
    const token = bearerOf(c.req.header('authorization'));
    if (token === undefined) throw problems.unauthorized();
    // Prometheus's token opens /metrics only, and is never counted against a budget.
    if (
      metricsDigest &&
      /^\/metrics\/?$/.test(c.req.path) &&
      requiredScope(c.req.method, c.req.path) === 'operator' &&
      timingSafeEqual(digest(token), metricsDigest)
    ) {
      c.set('principal', { kind: 'metrics' });
      return next();
    }

    let principal: Principal;
    const index = matchToken(token, known);
    if (index >= 0) {
      principal = { kind: 'static' };
      c.set('rateLimitKey', keys[index]);
    } else if (options.jwt && looksLikeJwt(token)) {
      try {
        const claims = await options.jwt(token);
        principal = { kind: 'jwt', ...claims };
        c.set('rateLimitKey', claims.tenant !== undefined ? `t:${shortDigest(claims.tenant)}` : `u:${shortDigest(claims.subject)}`);
      } catch (err) {
        if (err instanceof JwtRejected) throw problems.unauthorized(`The bearer token is refused: ${err.reason}.`, true);
        if (err instanceof JwksUnavailable) {
          options.onJwksUnavailable?.(err);
          throw problems.identityProviderUnavailable();
        }
        throw err;
      }
    } else {
      throw problems.unauthorized(undefined, true);
    }
    // A static token holds every scope: only a JWT pays for finding the route's.
    const scope = principal.kind === 'static' ? undefined : requiredScope(c.req.method, c.req.path);
    if (scope !== undefined && !grants(principal, scope)) throw problems.forbidden(scope);
    c.set('principal', principal);
    return next();
  };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] || undefined;
}

/** The index of the configured token presented, or -1. */
function matchToken(token: string, known: readonly Buffer[]): number {
  const presented = digest(token);
  // Check every token so that the time taken does not depend on which one matched.
  let found = -1;
  for (let i = 0; i < known.length; i++) if (timingSafeEqual(presented, known[i] as Buffer)) found = i;
  return found;
}

/** The index of the configured token the header presents, or -1. */
export function matchBearer(header: string | undefined, known: readonly Buffer[]): number {
  const token = bearerOf(header);
  return token === undefined ? -1 : matchToken(token, known);
}

export const hasValidBearer = (header: string | undefined, known: readonly Buffer[]): boolean => matchBearer(header, known) >= 0;

const digestsByList = new WeakMap<readonly string[], Buffer[]>();
/** The tokens' digests, computed once per configured list (the webhook asks on every request). */
export function tokenDigests(tokens: readonly string[]): Buffer[] {
  let known = digestsByList.get(tokens);
  if (!known) {
    known = tokens.map(digest);
    digestsByList.set(tokens, known);
  }
  return known;
}
