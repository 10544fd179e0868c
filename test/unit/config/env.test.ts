import { describe, expect, it } from 'vitest';
import { apiEnv, parseEnv, workerEnv } from '../../../config/env';
import { issuesOf } from '../../support/env-issues';

const validApi = { BATON_API_TOKENS: 'token-aaaaaaaaaaaaaaaa', BATON_WEBHOOK_SECRET: 'secret-bbbbbbbbbbbbbbbb', BATON_PAYLOAD_KEYS: 'off' };

describe('environment validation', () => {
  it('applies the documented defaults', () => {
    const env = parseEnv(apiEnv, validApi);
    expect(env.PORT).toBe(3000);
    expect(env.TEMPORAL_ADDRESS).toBe('localhost:7233');
    expect(env.TEMPORAL_TASK_QUEUE).toBe('baton');
    expect(env.USERS_URL).toBe('http://127.0.0.1:4001');
    expect(env.BATON_API_TOKENS).toEqual(['token-aaaaaaaaaaaaaaaa']);
  });

  it('names a missing required variable', () => {
    // (BATON_API_TOKENS may be missing beside an identity provider: config/api-auth.ts checks that pair.)
    expect(issuesOf(() => parseEnv(apiEnv, { BATON_API_TOKENS: validApi.BATON_API_TOKENS, BATON_PAYLOAD_KEYS: 'off' }))).toEqual([
      { variable: 'BATON_WEBHOOK_SECRET', message: 'is required' },
    ]);
  });

  it('names every bad variable with its problem', () => {
    const issues = issuesOf(() => parseEnv(apiEnv, { ...validApi, PORT: 'eighty', PAYMENTS_URL: 'not a url', TEMPORAL_ADDRESS: 'nope' }));
    expect(issues.map((i) => i.variable).sort()).toEqual(['PAYMENTS_URL', 'PORT', 'TEMPORAL_ADDRESS']);
  });

  it('treats an empty value as unset', () => {
    expect(parseEnv(workerEnv, { TEMPORAL_ADDRESS: '', BATON_PAYLOAD_KEYS: 'off' }).TEMPORAL_ADDRESS).toBe('localhost:7233');
  });

  it('splits comma-separated tokens and rejects short ones', () => {
    expect(parseEnv(apiEnv, { ...validApi, BATON_API_TOKENS: 'token-aaaaaaaaaaaaaaaa, token-cccccccccccccccc' }).BATON_API_TOKENS).toHaveLength(2);
    expect(issuesOf(() => parseEnv(apiEnv, { ...validApi, BATON_API_TOKENS: 'short' }))[0]?.variable).toBe('BATON_API_TOKENS');
  });
});
