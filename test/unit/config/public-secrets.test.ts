// Published secrets are refused: every secret .env.example or the README shows stops the API and the worker at
// start, naming the variable; the README carries no usable secret; the API's credential cross-checks.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiAuthConfig } from '../../../config/api-auth';
import { apiEnv, EnvError, parseEnv, workerEnv } from '../../../config/env';
import { isPublicSecret, PUBLIC_SECRET_MESSAGE, SECRET_VARIABLES } from '../../../config/public-secrets';
import { parseEnvFile } from '../../../dev/compose/compose-env-check';
import { repoRoot } from '../../support/processes';

const envExample = parseEnvFile(readFileSync(`${repoRoot}/.env.example`, 'utf8'));
const readme = readFileSync(`${repoRoot}/README.md`, 'utf8');

// Real-looking values that pass every rule: the baseline each case changes one variable of.
const good = {
  BATON_API_TOKENS: 'a3f9c2e17b5d48e0a1c6f3b9d2e7a4c8',
  BATON_WEBHOOK_SECRET: '9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a',
  BATON_PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  BATON_METRICS_TOKEN: '5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b',
};

function refusal(schema: typeof apiEnv | typeof workerEnv, variable: string, value: string): string | undefined {
  try {
    parseEnv(schema, { ...good, [variable]: value });
    return undefined;
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    return err.issues.find((i) => i.variable === variable)?.message;
  }
}

describe('.env.example', () => {
  const present = SECRET_VARIABLES.filter((v) => envExample[v] !== undefined);

  it('has a placeholder for every secret compose needs', () => {
    expect(present).toEqual(
      expect.arrayContaining(['BATON_API_TOKENS', 'BATON_WEBHOOK_SECRET', 'BATON_PAYLOAD_KEYS', 'BATON_METRICS_TOKEN', 'POSTGRES_PASSWORD']),
    );
  });

  it.each(present.map((v) => [v]))('%s: its placeholder is refused', (variable) => {
    const value = envExample[variable] as string;
    expect(isPublicSecret(value.split(':').pop() as string) || isPublicSecret(value), value).toBe(true);
    if (variable in apiEnv.shape) expect(refusal(apiEnv, variable, value)).toMatch(/published placeholder/);
    if (variable in workerEnv.shape) expect(refusal(workerEnv, variable, value)).toMatch(/published placeholder/);
  });

  it('accepts the same variables with generated values (the refusal is about the placeholder, not the shape)', () => {
    expect(() => parseEnv(apiEnv, good)).not.toThrow();
    expect(() => parseEnv(workerEnv, good)).not.toThrow();
  });
});

describe('the README', () => {
  const assignments = [...readme.matchAll(/\b(BATON_[A-Z_]*(?:TOKENS?|SECRET|KEYS)|TOKEN)=([^\s$"'`<)]+)/g)].map(
    (m) => [m[1] as string, m[2] as string] as const,
  );
  const bearers = [...readme.matchAll(/Bearer ([A-Za-z0-9._~+/-]{16,})/g)].map((m) => m[1] as string);

  it('shows no secret that the API or the worker would accept', () => {
    for (const [variable, value] of assignments) {
      // `off` is a choice, not a secret.
      if (variable === 'BATON_PAYLOAD_KEYS' && value === 'off') continue;
      if (variable === 'BATON_PAYLOAD_KEYS') expect(refusal(workerEnv, variable, value), `${variable}=${value}`).toBeDefined();
      else if (variable in apiEnv.shape) expect(refusal(apiEnv, variable, value), `${variable}=${value}`).toBeDefined();
      else expect(isPublicSecret(value) || value.length < 16, `${variable}=${value}`).toBe(true);
    }
    for (const token of bearers) expect(refusal(apiEnv, 'BATON_API_TOKENS', token), `Bearer ${token}`).toBeDefined();
  });

  it('tells where npm start’s token comes from instead', () => {
    expect(readme).toContain('TOKEN=$(cat .data/dev-api-token)');
  });
});

describe('published secrets', () => {
  it.each([
    ['the old npm start token', 'BATON_API_TOKENS', 'dev-token-change-me-0123456789'],
    ['the old npm start webhook secret', 'BATON_WEBHOOK_SECRET', 'dev-webhook-secret-change-me-0123'],
    ['a placeholder among real tokens', 'BATON_API_TOKENS', `${good.BATON_API_TOKENS},replace-me-with-a-long-random-token`],
    ['any "change me" spelling', 'BATON_METRICS_TOKEN', 'please-CHANGE_ME-0123456789'],
  ])('refuses %s, naming the variable', (_, variable, value) => {
    expect(refusal(apiEnv, variable, value)).toBe(PUBLIC_SECRET_MESSAGE);
  });
});

describe('the API’s credentials', () => {
  const jwt = { BATON_JWKS_URL: 'https://idp.example/.well-known/jwks.json', BATON_JWT_ISSUER: 'https://idp.example/', BATON_JWT_AUDIENCE: 'baton' };
  const auth = (env: Record<string, string>) =>
    apiAuthConfig(parseEnv(apiEnv, { BATON_WEBHOOK_SECRET: good.BATON_WEBHOOK_SECRET, BATON_PAYLOAD_KEYS: 'off', ...env }));
  const issues = (env: Record<string, string>) => {
    try {
      auth(env);
      return [];
    } catch (err) {
      if (!(err instanceof EnvError)) throw err;
      return err.issues.map((i) => i.variable);
    }
  };

  it('takes static tokens, an identity provider, or both', () => {
    expect(auth({ BATON_API_TOKENS: good.BATON_API_TOKENS })).toEqual({ apiTokens: [good.BATON_API_TOKENS] });
    const both = auth({ ...jwt, BATON_API_TOKENS: good.BATON_API_TOKENS, BATON_METRICS_TOKEN: good.BATON_METRICS_TOKEN });
    expect(both.jwt).toMatchObject({
      jwksUrl: jwt.BATON_JWKS_URL,
      issuer: jwt.BATON_JWT_ISSUER,
      audience: 'baton',
      clockToleranceSeconds: 30,
      tenantClaim: 'tenant',
    });
    expect(both.metricsToken).toBe(good.BATON_METRICS_TOKEN);
    expect(auth(jwt).apiTokens).toEqual([]);
  });

  it('needs one of them, and all three JWT settings together', () => {
    expect(issues({})).toEqual(['BATON_API_TOKENS']);
    expect(issues({ BATON_JWKS_URL: jwt.BATON_JWKS_URL })).toEqual(['BATON_JWT_ISSUER', 'BATON_JWT_AUDIENCE']);
    expect(issues({ BATON_JWKS_URL: jwt.BATON_JWKS_URL, BATON_JWT_ISSUER: jwt.BATON_JWT_ISSUER, BATON_API_TOKENS: good.BATON_API_TOKENS })).toEqual([
      'BATON_JWT_AUDIENCE',
    ]);
  });

  it('bounds the clock tolerance and checks the store URL', () => {
    expect(refusal(apiEnv, 'BATON_JWT_CLOCK_TOLERANCE_SECONDS', '3600')).toMatch(/at most 300/);
    expect(refusal(apiEnv, 'BATON_RATE_LIMIT_REDIS_URL', 'http://valkey:6379')).toMatch(/redis:\/\//);
    expect(refusal(apiEnv, 'BATON_RATE_LIMIT_REDIS_URL', 'redis://valkey:6379')).toBeUndefined();
  });
});
