import { describe, expect, it } from 'vitest';
import { apiEnv, EnvError, parseEnv } from '../../../config/env';

const required = { BATON_API_TOKENS: 'token-0123456789abcdef', BATON_WEBHOOK_SECRET: 'secret-0123456789abcdef', BATON_PAYLOAD_KEYS: 'off' };

describe('BATON_PAYMENT_CLEARANCE_TIMEOUT', () => {
  it('defaults to 3 days and takes any positive duration', () => {
    expect(parseEnv(apiEnv, required).BATON_PAYMENT_CLEARANCE_TIMEOUT).toBe('3 days');
    expect(parseEnv(apiEnv, { ...required, BATON_PAYMENT_CLEARANCE_TIMEOUT: '90 seconds' }).BATON_PAYMENT_CLEARANCE_TIMEOUT).toBe('90 seconds');
  });

  it('names the variable when it is not a duration', () => {
    for (const value of ['soon', '0', '-1 day']) {
      expect(() => parseEnv(apiEnv, { ...required, BATON_PAYMENT_CLEARANCE_TIMEOUT: value })).toThrow(EnvError);
      expect(() => parseEnv(apiEnv, { ...required, BATON_PAYMENT_CLEARANCE_TIMEOUT: value })).toThrow(/BATON_PAYMENT_CLEARANCE_TIMEOUT/);
    }
  });
});
