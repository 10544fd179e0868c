// JWT bearer tokens from the team's identity provider, checked with jose against the provider's JWKS.
// jose's remote key set fetches the JWKS when first needed, keeps it (cacheMaxAge), and fetches it again
// when a token names a key ID it does not hold (at most once per cooldown), which is how a key rotation
// reaches Baton without a restart. Only asymmetric algorithms are accepted: `none` and HS* never, so a
// token "signed" with the provider's public key as an HMAC secret is refused before any key is looked at.
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { scopesFromClaims, type Scope } from './scopes';
import type { JwtSettings } from '../../config/api-auth';

export const JWT_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;

export type { JwtSettings };

export interface JwtPrincipal {
  subject: string;
  tenant?: string;
  scopes: ReadonlySet<Scope>;
}

/** A token Baton does not accept; `reason` is safe to show the caller (it names no key and no secret). */
export class JwtRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'JwtRejected';
  }
}

/** The identity provider's keys could not be fetched: no verdict on the token either way. */
export class JwksUnavailable extends Error {
  constructor(cause: unknown) {
    super('the identity provider’s signing keys cannot be fetched', { cause });
    this.name = 'JwksUnavailable';
  }
}

/** Three base64url parts: what a compact JWS looks like (the signature part may be empty, as `alg: none` sends it). */
export const looksLikeJwt = (token: string): boolean => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);

function rejection(err: unknown): JwtRejected | JwksUnavailable {
  if (err instanceof errors.JWTExpired) return new JwtRejected('the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return new JwtRejected('the token was issued by another issuer');
    if (err.claim === 'aud') return new JwtRejected('the token is meant for another audience');
    if (err.claim === 'nbf') return new JwtRejected('the token is not valid yet');
    return new JwtRejected(`the token's "${err.claim}" claim is missing or invalid`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return new JwtRejected(`the token's algorithm is not accepted (only ${JWT_ALGORITHMS.join(', ')})`);
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new JwtRejected('the token is signed with a key the identity provider does not publish');
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return new JwtRejected('the token’s signature does not verify');
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return new JwksUnavailable(err);
  if (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC') return new JwksUnavailable(err);
  if (err instanceof errors.JOSEError) return new JwtRejected('the token is not a well-formed JWT');
  // fetch itself failed (connection refused, DNS): the provider, not the token.
  return new JwksUnavailable(err);
}

export type JwtVerifier = (token: string) => Promise<JwtPrincipal>;

/** Verifies tokens against the provider; throws JwtRejected (401) or JwksUnavailable (503). */
export function createJwtVerifier(settings: JwtSettings): JwtVerifier {
  const keys = createRemoteJWKSet(new URL(settings.jwksUrl), {
    cooldownDuration: settings.jwksCooldownMs,
    cacheMaxAge: 10 * 60_000,
    timeoutDuration: 5000,
  });
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: [...JWT_ALGORITHMS],
        clockTolerance: settings.clockToleranceSeconds,
        // A token without an expiry would be good forever; one without a subject could not be limited.
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      throw rejection(err);
    }
    const tenant = payload[settings.tenantClaim];
    return {
      subject: String(payload.sub),
      ...(typeof tenant === 'string' && tenant !== '' && { tenant }),
      scopes: scopesFromClaims(payload),
    };
  };
}
