// List page tokens: what the API hands out comes back as Temporal's own token; anything else is a 400
// at once, instead of a request Temporal retries until the deadline.
import { describe, expect, it } from 'vitest';
import { issuePageToken, readPageToken } from '../../../api/http/page-token';
import { ApiProblem } from '../../../api/http/problems';

const SECRET = ['unit-webhook-secret-0123456789'];
const temporalToken = Buffer.from('{"LastStartTime":1,"LastRunID":"r"}');

function refusal(value: string, secret = SECRET) {
  try {
    readPageToken(secret, value);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('page tokens', () => {
  it('gives back the token Temporal issued', () => {
    const issued = issuePageToken(SECRET, temporalToken);
    expect(issued).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(readPageToken(SECRET, issued as string)).toEqual(temporalToken);
    // Rotated: a token signed with the old secret still reads while that secret is listed.
    expect(readPageToken(['unit-webhook-secret-new-01234', ...SECRET], issued as string)).toEqual(temporalToken);
  });

  it('has none to give on the last page', () => {
    expect(issuePageToken(SECRET, new Uint8Array())).toBeUndefined();
    expect(issuePageToken(SECRET, null)).toBeUndefined();
  });

  it.each([
    ['a raw Temporal token', temporalToken.toString('base64url')],
    ['garbage', '{"__proto__":{}}'],
    ['a short one', 'abc'],
    ['a tampered one', `${(issuePageToken(SECRET, temporalToken) as string).slice(0, -2)}AA`],
  ])('refuses %s with a 400 naming query.nextPageToken', (_, value) => {
    const err = refusal(value);
    expect(err).toBeInstanceOf(ApiProblem);
    expect((err as ApiProblem).status).toBe(400);
    expect((err as ApiProblem).extra.errors?.map((e) => e.path)).toEqual(['query.nextPageToken']);
  });

  it('refuses a token issued under another secret', () => {
    expect(refusal(issuePageToken(['another-secret-0123456789'], temporalToken) as string)).toBeInstanceOf(ApiProblem);
  });
});
