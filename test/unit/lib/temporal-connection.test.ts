import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvError, parseEnv, temporalEnv, workerEnv } from '../../../config/env';
import { clientConnectionOptions, describeTemporalSecurity, temporalTlsConfig, workerConnectionOptions } from '../../../lib/temporal-connection';
import { issuesOf } from '../../support/env-issues';

const dir = mkdtempSync(join(tmpdir(), 'baton-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
const certPath = file('client.pem', 'CERT');
const keyPath = file('client.key', 'KEY');
const caPath = file('ca.pem', 'CA');
const missing = join(dir, 'missing.pem');

const env = (vars: Record<string, string> = {}) => parseEnv(temporalEnv, vars);
const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : Buffer.from(bytes).toString());

describe('TEMPORAL_* environment', () => {
  it('defaults to a plaintext connection without credentials', () => {
    const parsed = env();
    expect(parsed.TEMPORAL_TLS).toBe(false);
    expect(clientConnectionOptions(parsed)).toEqual({ address: 'localhost:7233' });
    expect(workerConnectionOptions(parsed)).toEqual({ address: 'localhost:7233' });
    expect(describeTemporalSecurity(parsed)).toBe('plaintext');
  });

  it('reads TEMPORAL_TLS as a boolean, any case', () => {
    for (const on of ['true', 'TRUE', '1', 'yes', 'on']) expect(env({ TEMPORAL_TLS: on }).TEMPORAL_TLS).toBe(true);
    for (const off of ['false', '0', 'no', 'Off']) expect(env({ TEMPORAL_TLS: off }).TEMPORAL_TLS).toBe(false);
    expect(issuesOf(() => env({ TEMPORAL_TLS: 'maybe' }))).toEqual([{ variable: 'TEMPORAL_TLS', message: 'must be true or false' }]);
  });

  it('is part of the worker and API environments', () => {
    expect(parseEnv(workerEnv, { TEMPORAL_API_KEY: 'k', BATON_PAYLOAD_KEYS: 'off' }).TEMPORAL_API_KEY).toBe('k');
  });
});

describe('connection options', () => {
  it('turns on TLS with the system roots for TEMPORAL_TLS=true', () => {
    expect(clientConnectionOptions(env({ TEMPORAL_TLS: 'true' }))).toEqual({ address: 'localhost:7233', tls: {} });
  });

  it('sends an API key over TLS (Temporal Cloud)', () => {
    const parsed = env({ TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233', TEMPORAL_API_KEY: 'secret-key' });
    const expected = { address: 'my-ns.a1b2c.tmprl.cloud:7233', tls: {}, apiKey: 'secret-key' };
    expect(workerConnectionOptions(parsed)).toEqual(expected);
    expect(clientConnectionOptions(parsed, { connectTimeout: '3 seconds' })).toEqual({ ...expected, connectTimeout: '3 seconds' });
    expect(describeTemporalSecurity(parsed)).toBe('tls+api-key');
  });

  it('reads the mTLS client pair, the CA and the server name from the files', () => {
    const parsed = env({
      TEMPORAL_TLS_CERT_PATH: certPath,
      TEMPORAL_TLS_KEY_PATH: keyPath,
      TEMPORAL_TLS_CA_PATH: caPath,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    const tls = temporalTlsConfig(parsed);
    expect(text(tls?.clientCertPair?.crt)).toBe('CERT');
    expect(text(tls?.clientCertPair?.key)).toBe('KEY');
    expect(text(tls?.serverRootCACertificate)).toBe('CA');
    expect(tls?.serverNameOverride).toBe('temporal.internal');
    expect(workerConnectionOptions(parsed).tls).toEqual(tls);
    expect(describeTemporalSecurity(parsed)).toBe('mtls');
  });

  it('needs the client certificate and key together, naming the missing one', () => {
    expect(issuesOf(() => temporalTlsConfig(env({ TEMPORAL_TLS_CERT_PATH: certPath })))).toEqual([
      { variable: 'TEMPORAL_TLS_KEY_PATH', message: expect.stringContaining('TEMPORAL_TLS_CERT_PATH') as string },
    ]);
    expect(issuesOf(() => workerConnectionOptions(env({ TEMPORAL_TLS_KEY_PATH: keyPath }))).map((i) => i.variable)).toEqual(['TEMPORAL_TLS_CERT_PATH']);
  });

  it('names every variable whose file is missing', () => {
    const issues = issuesOf(() =>
      clientConnectionOptions(env({ TEMPORAL_TLS_CERT_PATH: missing, TEMPORAL_TLS_KEY_PATH: keyPath, TEMPORAL_TLS_CA_PATH: missing })),
    );
    expect(issues).toEqual([
      { variable: 'TEMPORAL_TLS_CERT_PATH', message: `cannot read ${missing} (no such file)` },
      { variable: 'TEMPORAL_TLS_CA_PATH', message: `cannot read ${missing} (no such file)` },
    ]);
    expect(String(new EnvError(issues))).toContain('TEMPORAL_TLS_CERT_PATH: cannot read');
  });

  it('does not read files for a plaintext connection', () => {
    const reads: string[] = [];
    temporalTlsConfig(env(), (path) => (reads.push(path), new Uint8Array()));
    expect(reads).toEqual([]);
  });
});

// A real certificate and key, so the client's gRPC channel credentials are built from them for real
// (no server needed: a lazy connection builds its channel without dialling).
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasOpenssl)('with real PEM files', () => {
  it('builds a TLS client connection from them', async () => {
    const crt = join(dir, 'real.pem');
    const key = join(dir, 'real.key');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        crt,
        '-days',
        '1',
        '-subj',
        '/CN=baton-test',
      ],
      { stdio: 'ignore' },
    );
    const parsed = env({ TEMPORAL_TLS_CERT_PATH: crt, TEMPORAL_TLS_KEY_PATH: key, TEMPORAL_TLS_CA_PATH: crt });
    const options = clientConnectionOptions(parsed, { connectTimeout: '1 second' });
    expect(text(options.tls === true || !options.tls ? undefined : options.tls.clientCertPair?.crt)).toBe(readFileSync(crt, 'utf8'));
    const connection = Connection.lazy(options);
    await connection.close();
  });
});
