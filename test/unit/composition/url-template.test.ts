import { describe, expect, it } from 'vitest';
import { appendQuery, compilePath } from '../../../composition/url-template';

describe('compilePath', () => {
  it('fills every parameter, encoded, so no value can become another path segment', () => {
    const build = compilePath('/users/{userId}/orders/{orderId}');
    expect(build({ userId: 'u-1', orderId: 'o-2' })).toBe('/users/u-1/orders/o-2');
    expect(build({ userId: '../admin?x=1', orderId: 'a/b' })).toBe('/users/..%2Fadmin%3Fx%3D1/orders/a%2Fb');
  });

  it('returns a parameterless template as it is', () => {
    expect(compilePath('/healthz')({})).toBe('/healthz');
  });

  it('rejects malformed templates when the endpoint is declared, not on the first call', () => {
    expect(() => compilePath('users/{id}')).toThrow(/must start with/);
    expect(() => compilePath('/users/{id')).toThrow(/unclosed/);
  });
});

describe('appendQuery', () => {
  it('encodes values and skips undefined ones', () => {
    expect(appendQuery('/x', { limit: 5, q: 'a b&c', skip: undefined, flag: true })).toBe('/x?limit=5&q=a%20b%26c&flag=true');
    expect(appendQuery('/x', undefined)).toBe('/x');
    expect(appendQuery('/x?a=1', { b: 2 })).toBe('/x?a=1&b=2');
  });
});
