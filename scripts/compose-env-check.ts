// The pure part of `npm run check:compose`: does docker-compose.yml give each Baton role every variable
// config/env.ts requires of it, with values its schema accepts? Works on the parsed compose file and the
// variables of .env.example, so it runs (and is tested) without Docker.
import type { z } from 'zod';
import { EnvError, apiEnv, parseEnv, servicesEnv, workerEnv, type WorkerEnv } from '../config/env';
import { temporalTlsConfig, type TemporalConnectionEnv } from '../lib/temporal-connection';
import { workerTuning } from '../worker/tuning';

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
}

export interface ComposeCheckResult {
  /** Each Baton service found and the role it runs. */
  checked: { service: string; role: BatonRole }[];
  problems: string[];
}

// Prefixes Baton owns: an unknown variable with one of them is most likely a typo that would be ignored.
const OWN_PREFIXES = ['BATON_', 'TEMPORAL_'];

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
      else if (source === 'host') report(variable, 'is required but only passed through from the host environment: give it a value, a ${VAR:-default} or a ${VAR:?message} defined in the env file');
      else if ((resolved[variable] ?? '') === '') report(variable, 'is required but resolves to an empty value');
    }

    for (const variable of Object.keys(resolved)) {
      if (!(variable in schema.shape) && OWN_PREFIXES.some((p) => variable.startsWith(p)) && !reported.has(variable)) {
        report(variable, 'is not read by this role (typo, or set on the wrong service?)');
      }
    }

    // The values themselves, through the same schema (and cross-checks) the role applies at start.
    try {
      const env = parseEnv(schema, resolved);
      if (role !== 'services') temporalTlsConfig(env as unknown as TemporalConnectionEnv, () => new Uint8Array());
      if (role === 'worker') workerTuning(env as unknown as WorkerEnv);
    } catch (err) {
      if (!(err instanceof EnvError)) throw err;
      for (const issue of err.issues) if (!reported.has(issue.variable)) report(issue.variable, issue.message);
    }
  }

  for (const role of Object.keys(ROLE_SCHEMAS) as BatonRole[]) {
    if (!checked.some((c) => c.role === role)) problems.push(`no service runs the ${role} role (command ${role}/main.ts)`);
  }
  return { checked, problems };
}
