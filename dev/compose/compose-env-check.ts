// The pure part of `npm run check:compose`: does docker-compose.yml give each Baton role every variable
// config/env.ts requires of it, with values its schema accepts? Works on the parsed compose file and the
// variables of .env.example, so it runs (and is tested) without Docker.
import type { z } from 'zod';
import { apiAuthConfig } from '../../config/api-auth';
import { EnvError, apiEnv, parseEnv, servicesEnv, workerEnv, type ApiEnv, type WorkerEnv } from '../../config/env';
import { isPublicSecret, SECRET_VARIABLES } from '../../config/public-secrets';
import { temporalTlsConfig, type TemporalConnectionEnv } from '../../lib/temporal-connection';
import { workerTuning } from '../../worker/tuning';

export type BatonRole = 'api' | 'worker' | 'services';

type EnvSchema = z.ZodObject<z.ZodRawShape>;

/** Each role's schema: the variables its entry point reads. */
export const ROLE_SCHEMAS: Record<BatonRole, { name: string; schema: EnvSchema }> = {
  api: { name: 'apiEnv', schema: apiEnv },
  worker: { name: 'workerEnv', schema: workerEnv },
  services: { name: 'servicesEnv', schema: servicesEnv },
};

/** Variables a schema needs a value for: neither optional nor defaulted. */
export function requiredVariables(schema: EnvSchema): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
    .map(([name]) => name);
}

/** The entry point of each role, as a compose command names it. */
const ROLE_ENTRIES: Record<BatonRole, string> = { api: 'api/main.ts', worker: 'worker/main.ts', services: 'dev/services/main.ts' };

/** Which Baton role a compose service runs, from its command (`node --import tsx api/main.ts`, `npm run api`). */
export function roleOfService(service: Record<string, unknown>): BatonRole | undefined {
  const words = [service.entrypoint, service.command]
    .flatMap((part) => (Array.isArray(part) ? part.map(String) : typeof part === 'string' ? [part] : []))
    .join(' ');
  const match = /(?:^|[\s/])(api|worker|services)\/main\.ts\b/.exec(words) ?? /\bnpm\s+run\s+(api|worker|services)\b/.exec(words);
  return match?.[1] as BatonRole | undefined;
}

/** KEY=VALUE lines as compose reads an env file: comments and blank lines skipped, surrounding quotes removed. */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trimStart().startsWith('#')) continue;
    let value = m[2]!;
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    vars[m[1]!] = value;
  }
  return vars;
}

export interface Interpolated {
  value: string;
  /** Variables used as `${X:?…}`, `${X?…}`, `${X}` or `$X`: they must come from the env file. */
  fromEnvFile: string[];
  /** Of those, the ones the env file does not define. */
  undefinedInEnvFile: string[];
}

/**
 * Compose's `${…}` substitution against the env file: `${X:-default}` / `${X-default}` fall back to their
 * default, `${X:?message}` / `${X?message}` / `${X}` / `$X` take the env file's value, `$$` is a literal `$`.
 */
export function interpolate(raw: string, envFile: Record<string, string>): Interpolated {
  const fromEnvFile: string[] = [];
  const undefinedInEnvFile: string[] = [];
  const take = (name: string, emptyIsUnset: boolean): string | undefined => {
    const v = envFile[name];
    return v === undefined || (emptyIsUnset && v === '') ? undefined : v;
  };
  const value = raw.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare)!;
      const strict = colon === ':';
      const current = take(name, strict);
      if (op === '-') return current ?? arg ?? '';
      if (op === '+') return current !== undefined ? (arg ?? '') : '';
      // `?` (required) or no operator: the value must come from the env file.
      fromEnvFile.push(name);
      if (take(name, op === '?' && strict) === undefined) undefinedInEnvFile.push(name);
      return envFile[name] ?? '';
    },
  );
  return { value, fromEnvFile, undefinedInEnvFile };
}

/** A service's `environment`, list or map form; a bare `KEY` (passed through from the host) maps to undefined. */
function environmentEntries(environment: unknown): [string, string | undefined][] {
  if (Array.isArray(environment)) {
    return environment.map((item) => {
      const text = String(item);
      const eq = text.indexOf('=');
      return eq < 0 ? [text, undefined] : [text.slice(0, eq), text.slice(eq + 1)];
    });
  }
  if (environment && typeof environment === 'object') {
    // Compose accepts strings, numbers and booleans as values; null means "from the host".
    return Object.entries(environment as Record<string, unknown>).map(([k, v]) => [
      k,
      typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined,
    ]);
  }
  return [];
}

export interface ComposeCheckInput {
  /** The parsed docker-compose.yml (merge keys resolved). */
  compose: unknown;
  /** The variables of .env.example, which stand in for the operator's .env. */
  envFile: Record<string, string>;
  /** Reads a service's `env_file` (path as written in the compose file). */
  readServiceEnvFile?: (path: string) => Record<string, string>;
  envFileName?: string;
  /**
   * The env file holds placeholders, not secrets (.env.example): each secret must be one, and each role must refuse
   * it at start; the other values are then checked with stand-in secrets in their place.
   */
  placeholders?: boolean;
}

export interface ComposeCheckResult {
  /** Each Baton service found and the role it runs. */
  checked: { service: string; role: BatonRole }[];
  problems: string[];
}

// Prefixes Baton owns: an unknown variable with one of them is most likely a typo that would be ignored.
const OWN_PREFIXES = ['BATON_', 'TEMPORAL_'];

/** Valid, unpublished values that stand in for .env.example's placeholders while the other values are checked. */
const STAND_INS: Record<string, string> = {
  BATON_PAYLOAD_KEYS: `stand-in:${Buffer.alloc(32, 1).toString('base64')}`,
  BATON_API_TOKENS: 'stand-in-api-token-0123456789abcdef',
  BATON_WEBHOOK_SECRET: 'stand-in-webhook-secret-0123456789',
  BATON_METRICS_TOKEN: 'stand-in-metrics-token-0123456789',
};
const PLACEHOLDER_REFUSED = /published placeholder/;

/** The env file's secrets that are not placeholders: in .env.example each would be a secret everyone can read. */
export function usableSecretsIn(envFile: Record<string, string>, envFileName = '.env.example'): string[] {
  const usable = (value: string | undefined) => value !== undefined && value !== '' && !isPublicSecret(value);
  return SECRET_VARIABLES.filter((v) => usable(envFile[v])).map(
    (v) => `${envFileName}: ${v} holds a usable value; it must be a placeholder the roles refuse (one that says replace-me)`,
  );
}

export function checkCompose(input: ComposeCheckInput): ComposeCheckResult {
  const envFileName = input.envFileName ?? '.env.example';
  const problems: string[] = [];
  const checked: ComposeCheckResult['checked'] = [];
  const services = (input.compose as { services?: Record<string, Record<string, unknown>> } | null)?.services ?? {};

  for (const [serviceName, service] of Object.entries(services)) {
    const role = roleOfService(service ?? {});
    if (!role) continue;
    checked.push({ service: serviceName, role });
    const { name: schemaName, schema } = ROLE_SCHEMAS[role];
    const where = `service ${serviceName} (${role}, config/env.ts ${schemaName})`;
    const reported = new Set<string>();
    const report = (variable: string, message: string) => {
      reported.add(variable);
      problems.push(`${where}: ${variable} ${message}`);
    };

    // What the container would see: env_file first, then `environment` on top.
    const resolved: Record<string, string> = {};
    const setBy = new Map<string, 'literal' | 'env-file' | 'host'>();
    const envFiles = service.env_file === undefined ? [] : Array.isArray(service.env_file) ? service.env_file : [service.env_file];
    for (const file of envFiles) {
      const path = typeof file === 'string' ? file : String((file as { path?: unknown }).path);
      const vars = input.readServiceEnvFile?.(path) ?? {};
      for (const [k, v] of Object.entries(vars)) {
        resolved[k] = v;
        setBy.set(k, 'literal');
      }
    }
    for (const [variable, raw] of environmentEntries(service.environment)) {
      if (raw === undefined) {
        delete resolved[variable];
        setBy.set(variable, 'host');
        continue;
      }
      const result = interpolate(raw, input.envFile);
      resolved[variable] = result.value;
      setBy.set(variable, result.fromEnvFile.length > 0 ? 'env-file' : 'literal');
      for (const missing of result.undefinedInEnvFile) {
        report(variable, `takes \${${missing}} from the env file, but ${envFileName} does not define ${missing}`);
      }
    }

    for (const variable of requiredVariables(schema)) {
      if (reported.has(variable)) continue;
      const source = setBy.get(variable);
      if (source === undefined) report(variable, 'is required but the service sets no value and no default');
      else if (source === 'host')
        report(
          variable,
          'is required but only passed through from the host environment: give it a value, a ${VAR:-default} or a ${VAR:?message} defined in the env file',
        );
      else if ((resolved[variable] ?? '') === '') report(variable, 'is required but resolves to an empty value');
    }

    for (const variable of Object.keys(resolved)) {
      if (!(variable in schema.shape) && OWN_PREFIXES.some((p) => variable.startsWith(p)) && !reported.has(variable)) {
        report(variable, 'is not read by this role (typo, or set on the wrong service?)');
      }
    }

    // .env.example's placeholders: the role must refuse each one at start; the rest is checked with stand-ins.
    const placeholders = input.placeholders ? SECRET_VARIABLES.filter((v) => v in schema.shape && isPublicSecret(resolved[v] ?? '')) : [];
    if (placeholders.length > 0) {
      let refused: string[] = [];
      try {
        parseEnv(schema, resolved);
      } catch (err) {
        if (!(err instanceof EnvError)) throw err;
        refused = err.issues.filter((i) => PLACEHOLDER_REFUSED.test(i.message)).map((i) => i.variable);
      }
      for (const variable of placeholders) {
        if (!refused.includes(variable)) report(variable, `accepts ${envFileName}'s placeholder: the role must refuse it at start`);
        resolved[variable] = STAND_INS[variable] ?? 'stand-in-secret-0123456789abcdef';
      }
    }

    // The values themselves, through the same schema (and cross-checks) the role applies at start.
    try {
      const env = parseEnv(schema, resolved);
      if (role !== 'services') temporalTlsConfig(env as unknown as TemporalConnectionEnv, () => new Uint8Array());
      if (role === 'worker') workerTuning(env as unknown as WorkerEnv);
      if (role === 'api') apiAuthConfig(env as unknown as ApiEnv);
    } catch (err) {
      if (!(err instanceof EnvError)) throw err;
      for (const issue of err.issues) if (!reported.has(issue.variable)) report(issue.variable, issue.message);
    }
  }

  for (const role of Object.keys(ROLE_SCHEMAS) as BatonRole[]) {
    if (!checked.some((c) => c.role === role)) problems.push(`no service runs the ${role} role (command ${ROLE_ENTRIES[role]})`);
  }
  return { checked, problems };
}

// --- The locked-down cluster ---------------------------------------------------------------------------------

type ComposeServices = Record<string, Record<string, unknown>>;

/** A service's environment as the container sees it (`environment` only; env_file is for the roles above). */
function resolvedEnvironment(service: Record<string, unknown>, envFile: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [variable, raw] of environmentEntries(service.environment)) if (raw !== undefined) env[variable] = interpolate(raw, envFile).value;
  return env;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

/** The host address a published port binds to ('' for every interface), for the short and the long syntax. */
function hostIpOf(port: unknown, envFile: Record<string, string>): { text: string; hostIp: string } {
  if (port !== null && typeof port === 'object') {
    const long = port as { host_ip?: string; published?: string | number; target?: string | number };
    return { text: `${long.published ?? ''}:${long.target ?? ''}`, hostIp: long.host_ip === undefined ? '' : interpolate(long.host_ip, envFile).value };
  }
  const text = interpolate(String(port), envFile).value;
  // [ip:]host:container[/proto]; an IPv6 host ip is bracketed.
  const parts = text.replace(/\/\w+$/, '').match(/^(?:(\[[^\]]+\]|[^:]+):)?(?:([^:]*):)?([^:]+)$/);
  const hostIp = parts?.[1] !== undefined && parts[2] !== undefined ? parts[1] : '';
  return { text, hostIp };
}

const byImage = (services: ComposeServices, image: RegExp) => Object.entries(services).filter(([, s]) => typeof s?.image === 'string' && image.test(s.image));

/**
 * What docker-compose.yml must keep (issue "security you can deploy"): published ports on the host's loopback
 * only; Temporal's JWT authorizer on, keyed by the API's identity provider; the Web UI signing users in and
 * passing their token to the codec endpoint; the API and the workers sending Temporal a token; Prometheus
 * presenting the API's metrics token.
 */
export function checkComposeSecurity(compose: unknown, envFile: Record<string, string>): string[] {
  const problems: string[] = [];
  const services: ComposeServices = (compose as { services?: ComposeServices } | null)?.services ?? {};
  for (const [name, service] of Object.entries(services)) {
    for (const port of (service?.ports as unknown[] | undefined) ?? []) {
      const { text, hostIp } = hostIpOf(port, envFile);
      if (!LOOPBACK.has(hostIp))
        problems.push(`service ${name}: port ${text} is published on ${hostIp || 'every interface'}; bind it to 127.0.0.1 (or do not publish it)`);
    }
  }
  const envOf = (name: string) => resolvedEnvironment(services[name] ?? {}, envFile);
  const roles = Object.entries(services).map(([name, s]) => [name, roleOfService(s ?? {})] as const);
  const apis = roles.filter(([, r]) => r === 'api').map(([n]) => n);
  const workers = roles.filter(([, r]) => r === 'worker').map(([n]) => n);
  const jwks = new Set(apis.map((n) => envOf(n).BATON_JWKS_URL ?? ''));
  for (const api of apis) {
    const env = envOf(api);
    if (!env.BATON_JWKS_URL) problems.push(`service ${api}: BATON_JWKS_URL is not set: the API must check the identity provider's JWTs`);
    if (!env.BATON_METRICS_TOKEN) problems.push(`service ${api}: BATON_METRICS_TOKEN is not set: Prometheus needs its own token for /metrics`);
  }
  for (const role of [...apis, ...workers]) {
    if (!envOf(role).TEMPORAL_AUTH_TOKEN_FILE && !envOf(role).TEMPORAL_API_KEY)
      problems.push(`service ${role}: sends Temporal no token (TEMPORAL_AUTH_TOKEN_FILE): its JWT authorizer would refuse it`);
  }
  const temporal = byImage(services, /^temporalio\/server[:@]/);
  if (temporal.length === 0) problems.push('no Temporal server service (temporalio/server) to check');
  for (const [name] of temporal) {
    const source = envOf(name).TEMPORAL_JWT_KEY_SOURCE;
    if (!source) problems.push(`service ${name}: TEMPORAL_JWT_KEY_SOURCE is not set: Temporal's JWT authorizer is off`);
    else if (!jwks.has(source))
      problems.push(`service ${name}: TEMPORAL_JWT_KEY_SOURCE (${source}) is not the API's BATON_JWKS_URL: one identity provider for both`);
    if (!/internal-frontend/.test(envOf(name).SERVICES ?? ''))
      problems.push(`service ${name}: SERVICES lacks internal-frontend, which the server's own worker role needs once the authorizer is on`);
  }
  for (const [name] of byImage(services, /^temporalio\/ui[:@]/)) {
    const env = envOf(name);
    if (env.TEMPORAL_AUTH_ENABLED !== 'true') problems.push(`service ${name}: TEMPORAL_AUTH_ENABLED is not "true": the Web UI must sign users in`);
    if (env.TEMPORAL_CODEC_PASS_ACCESS_TOKEN !== 'true')
      problems.push(`service ${name}: TEMPORAL_CODEC_PASS_ACCESS_TOKEN is not "true": the codec endpoint needs the user's token`);
    if (!env.TEMPORAL_CODEC_ENDPOINT) problems.push(`service ${name}: TEMPORAL_CODEC_ENDPOINT is not set`);
  }
  const apiMetricsTokens = new Set(apis.map((n) => envOf(n).BATON_METRICS_TOKEN));
  for (const [name] of byImage(services, /^prom\/prometheus[:@]/)) {
    const token = envOf(name).BATON_METRICS_TOKEN;
    if (!token || !apiMetricsTokens.has(token)) problems.push(`service ${name}: BATON_METRICS_TOKEN is not the API's: Prometheus could not scrape /metrics`);
  }
  return problems;
}
