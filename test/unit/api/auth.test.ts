import { describe, expect, it } from 'vitest';
import { hasValidBearer, tokenDigests } from '../../../api/middleware/auth';

const known = tokenDigests(['first-token-0123456789', 'second-token-0123456789']);

describe('bearer tokens', () => {
  it('accepts every configured token', () => {
    expect(hasValidBearer('Bearer first-token-0123456789', known)).toBe(true);
    expect(hasValidBearer('bearer second-token-0123456789', known)).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Basic Zmlyc3QtdG9rZW4='],
    ['a wrong token', 'Bearer first-token-012345678X'],
    ['a prefix of a token', 'Bearer first-token'],
    ['a token with extra words', 'Bearer first-token-0123456789 extra'],
  ])('rejects %s', (_, header) => {
    expect(hasValidBearer(header, known)).toBe(false);
  });
});
