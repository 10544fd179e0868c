// TEMPORAL_AUTH_TOKEN_FILE: the identity provider's JWT for Temporal's own JWT authorizer, read from a file that
// whatever issues it keeps fresh; no TLS implied (compose's Temporal listens in plaintext on its own network).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvError } from '../../../config/env';
import { clientConnectionOptions, describeTemporalSecurity, followAuthTokenFile, workerConnectionOptions } from '../../../lib/temporal-connection';

const dir = mkdtempSync(join(tmpdir(), 'baton-token-'));
const base = { TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS: false };

const issuesOf = (fn: () => unknown) => {
  try {
    fn();
    return [];
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    return err.issues.map((i) => `${i.variable}: ${i.message}`);
  }
};

describe('TEMPORAL_AUTH_TOKEN_FILE', () => {
  it('sends the file’s token as the bearer token, without turning TLS on', () => {
    const file = join(dir, 'token-1');
    writeFileSync(file, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3b3JrZXIifQ.c2ln\n');
    const env = { ...base, TEMPORAL_AUTH_TOKEN_FILE: file };
    // tls: false in so many words: the SDK would take a bare API key for a TLS one (Temporal Cloud).
    expect(clientConnectionOptions(env)).toEqual({ address: 'temporal:7233', tls: false, apiKey: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3b3JrZXIifQ.c2ln' });
    expect(workerConnectionOptions(env).apiKey).toBe('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3b3JrZXIifQ.c2ln');
    expect(workerConnectionOptions(env).tls).toBe(false);
    // With TLS asked for, it stays on.
    expect(clientConnectionOptions({ ...env, TEMPORAL_TLS: true }).tls).toEqual({});
    expect(describeTemporalSecurity(env)).toBe('plaintext+jwt');
  });

  it('names the variable for a missing or empty file, and for a second token source', () => {
    expect(issuesOf(() => clientConnectionOptions({ ...base, TEMPORAL_AUTH_TOKEN_FILE: join(dir, 'nope') }))).toEqual([
      `TEMPORAL_AUTH_TOKEN_FILE: cannot read ${join(dir, 'nope')} (no such file)`,
    ]);
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    expect(issuesOf(() => clientConnectionOptions({ ...base, TEMPORAL_AUTH_TOKEN_FILE: empty }))[0]).toMatch(/^TEMPORAL_AUTH_TOKEN_FILE: .* holds no token/);
    expect(issuesOf(() => clientConnectionOptions({ ...base, TEMPORAL_AUTH_TOKEN_FILE: empty, TEMPORAL_API_KEY: 'key' }))[0]).toMatch(
      /^TEMPORAL_AUTH_TOKEN_FILE: set it or TEMPORAL_API_KEY, not both/,
    );
  });

  it('hands a refreshed token to the connection, and keeps the last one while the file cannot be read', async () => {
    const file = join(dir, 'token-2');
    writeFileSync(file, 'first-token');
    const given: string[] = [];
    const errors: unknown[] = [];
    const stop = followAuthTokenFile(
      { TEMPORAL_AUTH_TOKEN_FILE: file },
      { setApiKey: (t: string) => given.push(t) },
      { intervalMs: 20, onError: (e) => errors.push(e) },
    );
    try {
      await new Promise((r) => setTimeout(r, 80));
      expect(given).toEqual([]); // unchanged: nothing to hand over
      writeFileSync(file, 'second-token\n');
      await expect.poll(() => given, { timeout: 2000, interval: 20 }).toEqual(['second-token']);
      writeFileSync(file, '');
      await expect.poll(() => errors.length, { timeout: 2000, interval: 20 }).toBeGreaterThan(0);
      expect(given).toEqual(['second-token']);
    } finally {
      stop();
    }
  });

  it('does nothing without the variable', () => {
    const stop = followAuthTokenFile({}, { setApiKey: () => expect.unreachable() });
    stop();
  });
});
