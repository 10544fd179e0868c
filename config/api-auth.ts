// The API's credentials from its environment: static tokens, an identity provider's JWTs, or both. The
// cross-checks the schema cannot express field by field live here, and throw an EnvError naming the variable.
import { EnvError, type ApiEnv } from './env';

export interface ApiAuthConfig {
  apiTokens: readonly string[];
  jwt?: JwtSettings;
  metricsToken?: string;
}

type AuthEnv = Pick<
  ApiEnv,
  | 'BATON_API_TOKENS'
  | 'BATON_JWKS_URL'
  | 'BATON_JWT_ISSUER'
  | 'BATON_JWT_AUDIENCE'
  | 'BATON_JWT_CLOCK_TOLERANCE_SECONDS'
  | 'BATON_JWKS_COOLDOWN_MS'
  | 'BATON_JWT_TENANT_CLAIM'
  | 'BATON_METRICS_TOKEN'
>;

const JWT_VARIABLES = ['BATON_JWKS_URL', 'BATON_JWT_ISSUER', 'BATON_JWT_AUDIENCE'] as const;

export function apiAuthConfig(env: AuthEnv): ApiAuthConfig {
  const given = JWT_VARIABLES.filter((name) => env[name] !== undefined);
  if (given.length > 0 && given.length < JWT_VARIABLES.length) {
    // Without an issuer or an audience any token the provider signs for any application would pass.
    throw new EnvError(
      JWT_VARIABLES.filter((name) => env[name] === undefined).map((variable) => ({
        variable,
        message: `is required with ${given.join(' and ')} (JWTs are checked for all three)`,
      })),
    );
  }
  if (given.length === 0 && (env.BATON_API_TOKENS ?? []).length === 0) {
    throw new EnvError([{ variable: 'BATON_API_TOKENS', message: 'is required unless BATON_JWKS_URL, BATON_JWT_ISSUER and BATON_JWT_AUDIENCE are set' }]);
  }
  return {
    apiTokens: env.BATON_API_TOKENS ?? [],
    ...(env.BATON_JWKS_URL !== undefined &&
      env.BATON_JWT_ISSUER !== undefined &&
      env.BATON_JWT_AUDIENCE !== undefined && {
        jwt: {
          jwksUrl: env.BATON_JWKS_URL,
          issuer: env.BATON_JWT_ISSUER,
          audience: env.BATON_JWT_AUDIENCE,
          clockToleranceSeconds: env.BATON_JWT_CLOCK_TOLERANCE_SECONDS,
          jwksCooldownMs: env.BATON_JWKS_COOLDOWN_MS,
          tenantClaim: env.BATON_JWT_TENANT_CLAIM,
        },
      }),
    ...(env.BATON_METRICS_TOKEN !== undefined && { metricsToken: env.BATON_METRICS_TOKEN }),
  };
}

/** How the API checks JWTs from the identity provider (docs/security.md). */
export interface JwtSettings {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Skew allowed on `exp`/`nbf`, seconds (BATON_JWT_CLOCK_TOLERANCE_SECONDS, at most 300). */
  clockToleranceSeconds: number;
  /** Least time between two fetches caused by unknown key IDs (BATON_JWKS_COOLDOWN_MS). */
  jwksCooldownMs: number;
  /** The claim naming the tenant whose budget a request spends (BATON_JWT_TENANT_CLAIM). */
  tenantClaim: string;
}
