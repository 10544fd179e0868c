// One place that turns the TEMPORAL_* environment into connection options, so the API's client and the
// worker reach any Temporal the same way: a local dev server (plaintext), a self-hosted cluster behind TLS
// or mTLS, or Temporal Cloud (mTLS or an API key).
import { readFileSync } from 'node:fs';
import type { ConnectionOptions, TLSConfig } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { z } from 'zod';
import { EnvError, type temporalEnv } from '../config/env';

type TemporalEnv = z.infer<typeof temporalEnv>;
export type TemporalConnectionEnv = Pick<
  TemporalEnv,
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_TLS'
  | 'TEMPORAL_TLS_CERT_PATH'
  | 'TEMPORAL_TLS_KEY_PATH'
  | 'TEMPORAL_TLS_CA_PATH'
  | 'TEMPORAL_TLS_SERVER_NAME'
  | 'TEMPORAL_API_KEY'
  | 'TEMPORAL_AUTH_TOKEN_FILE'
>;

/** Reads a file's bytes; injectable for tests. */
export type ReadFile = (path: string) => Uint8Array;

/**
 * The TLS settings the environment asks for, with the certificate files read; undefined for plaintext.
 * Throws an EnvError naming the variable when the certificate and key don't come together or a file
 * can't be read.
 */
export function temporalTlsConfig(env: TemporalConnectionEnv, readFile: ReadFile = readFileSync): TLSConfig | undefined {
  const cert = env.TEMPORAL_TLS_CERT_PATH;
  const key = env.TEMPORAL_TLS_KEY_PATH;
  if ((cert === undefined) !== (key === undefined)) {
    const [missing, given] = cert === undefined ? ['TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH'] : ['TEMPORAL_TLS_KEY_PATH', 'TEMPORAL_TLS_CERT_PATH'];
    throw new EnvError([{ variable: missing, message: `is required with ${given} (mTLS needs both the client certificate and its key)` }]);
  }
  const wantsTls =
    env.TEMPORAL_TLS ||
    env.TEMPORAL_API_KEY !== undefined ||
    cert !== undefined ||
    env.TEMPORAL_TLS_CA_PATH !== undefined ||
    env.TEMPORAL_TLS_SERVER_NAME !== undefined;
  if (!wantsTls) return undefined;

  // Read every file before failing, so one start reports every unreadable one.
  const issues: { variable: string; message: string }[] = [];
  const read = (variable: string, path: string): Uint8Array => {
    try {
      return readFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(err);
      issues.push({ variable, message: `cannot read ${path} (${why})` });
      return new Uint8Array();
    }
  };
  const tls: TLSConfig = {};
  if (cert !== undefined && key !== undefined) {
    tls.clientCertPair = { crt: read('TEMPORAL_TLS_CERT_PATH', cert), key: read('TEMPORAL_TLS_KEY_PATH', key) };
  }
  if (env.TEMPORAL_TLS_CA_PATH !== undefined) tls.serverRootCACertificate = read('TEMPORAL_TLS_CA_PATH', env.TEMPORAL_TLS_CA_PATH);
  if (env.TEMPORAL_TLS_SERVER_NAME !== undefined) tls.serverNameOverride = env.TEMPORAL_TLS_SERVER_NAME;
  if (issues.length > 0) throw new EnvError(issues);
  return tls;
}

/** The bearer token in TEMPORAL_AUTH_TOKEN_FILE; an EnvError naming the variable when it is unreadable or empty. */
export function readAuthTokenFile(path: string, readFile: ReadFile = readFileSync): string {
  let token: string;
  try {
    token = Buffer.from(readFile(path)).toString('utf8').trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new EnvError([
      {
        variable: 'TEMPORAL_AUTH_TOKEN_FILE',
        message: `cannot read ${path} (${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(err)})`,
      },
    ]);
  }
  if (!/^\S+$/.test(token)) throw new EnvError([{ variable: 'TEMPORAL_AUTH_TOKEN_FILE', message: `${path} holds no token (one line, no spaces)` }]);
  return token;
}

/** Options shared by the client's and the worker's connections. */
function commonOptions(env: TemporalConnectionEnv, readFile?: ReadFile) {
  if (env.TEMPORAL_API_KEY !== undefined && env.TEMPORAL_AUTH_TOKEN_FILE !== undefined) {
    throw new EnvError([
      { variable: 'TEMPORAL_AUTH_TOKEN_FILE', message: 'set it or TEMPORAL_API_KEY, not both (each is the one bearer token Temporal gets)' },
    ]);
  }
  const tls = temporalTlsConfig(env, readFile);
  const apiKey = env.TEMPORAL_AUTH_TOKEN_FILE !== undefined ? readAuthTokenFile(env.TEMPORAL_AUTH_TOKEN_FILE, readFile) : env.TEMPORAL_API_KEY;
  return {
    address: env.TEMPORAL_ADDRESS,
    // The SDK takes an API key for a TLS one (Temporal Cloud) unless told otherwise: a token for a self-hosted
    // authorizer on a plaintext frontend (compose) says so.
    ...(tls !== undefined ? { tls } : env.TEMPORAL_AUTH_TOKEN_FILE !== undefined && { tls: false }),
    ...(apiKey !== undefined && { apiKey }),
  };
}

/**
 * Keeps a connection's bearer token in step with TEMPORAL_AUTH_TOKEN_FILE: re-reads it every `intervalMs` and
 * hands a changed token to the connection (the client's Connection and the worker's NativeConnection both take
 * `setApiKey`). An unreadable file keeps the last token and is reported. Returns a stop function; a no-op
 * without the variable.
 */
export function followAuthTokenFile(
  env: Pick<TemporalConnectionEnv, 'TEMPORAL_AUTH_TOKEN_FILE'>,
  connection: { setApiKey(token: string): unknown },
  options: { intervalMs?: number; readFile?: ReadFile; onError?: (err: unknown) => void } = {},
): () => void {
  const path = env.TEMPORAL_AUTH_TOKEN_FILE;
  if (path === undefined) return () => {};
  let current: string | undefined;
  try {
    current = readAuthTokenFile(path, options.readFile);
  } catch {
    current = undefined;
  }
  const timer = setInterval(() => {
    try {
      const token = readAuthTokenFile(path, options.readFile);
      if (token !== current) {
        current = token;
        void Promise.resolve(connection.setApiKey(token)).catch((err: unknown) => options.onError?.(err));
      }
    } catch (err) {
      options.onError?.(err);
    }
  }, options.intervalMs ?? 30_000);
  timer.unref();
  return () => clearInterval(timer);
}

/** For `@temporalio/client`'s Connection (the API); `extra` adds e.g. connectTimeout. */
export function clientConnectionOptions(
  env: TemporalConnectionEnv,
  extra: Omit<ConnectionOptions, 'address' | 'tls' | 'apiKey'> = {},
  readFile?: ReadFile,
): ConnectionOptions {
  return { ...commonOptions(env, readFile), ...extra };
}

/** For `@temporalio/worker`'s NativeConnection (the worker). */
export function workerConnectionOptions(env: TemporalConnectionEnv, readFile?: ReadFile): NativeConnectionOptions {
  return commonOptions(env, readFile);
}

/** How the connection is secured, for logs (never the secrets themselves). */
export function describeTemporalSecurity(env: TemporalConnectionEnv): 'plaintext' | 'plaintext+jwt' | 'tls' | 'mtls' | 'tls+api-key' | 'mtls+api-key' {
  const mtls = env.TEMPORAL_TLS_CERT_PATH !== undefined && env.TEMPORAL_TLS_KEY_PATH !== undefined;
  const apiKey = env.TEMPORAL_API_KEY !== undefined || env.TEMPORAL_AUTH_TOKEN_FILE !== undefined;
  const tls =
    env.TEMPORAL_TLS || env.TEMPORAL_API_KEY !== undefined || mtls || env.TEMPORAL_TLS_CA_PATH !== undefined || env.TEMPORAL_TLS_SERVER_NAME !== undefined;
  if (!tls) return apiKey ? 'plaintext+jwt' : 'plaintext';
  return `${mtls ? 'mtls' : 'tls'}${apiKey ? '+api-key' : ''}`;
}

/** For entry points: build from the environment, or print the bad variables like loadEnvOrExit does and exit 1. */
export function buildOrExit<T>(role: string, build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    process.stderr.write(`baton ${role}: invalid configuration\n`);
    for (const issue of err.issues) process.stderr.write(`  ${issue.variable}: ${issue.message}\n`);
    process.exit(1);
  }
}
