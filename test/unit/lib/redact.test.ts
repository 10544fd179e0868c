import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../../lib/redact';

describe('redactUrl', () => {
  it("keeps a callback URL's token out, and the rest readable", () => {
    const url = 'https://baton.example/webhooks/payments?orderId=ord-1&exp=1798000000&token=0123456789abcdef';
    const redacted = redactUrl(url);
    expect(redacted).not.toContain('0123456789abcdef');
    expect(new URL(redacted).searchParams.get('orderId')).toBe('ord-1');
    expect(new URL(redacted).searchParams.get('token')).toBe('REDACTED');
  });

  it('leaves URLs without a token as they are, and shows nothing of one it cannot parse', () => {
    expect(redactUrl('http://127.0.0.1:4004/payments')).toBe('http://127.0.0.1:4004/payments');
    expect(redactUrl('not a url token=abc')).toBe('(unparseable URL)');
  });
});
