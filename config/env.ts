// Every role validates its environment with zod at start and exits naming the bad variable.
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';
import { DEFAULT_PAYMENT_CLEARANCE_TIMEOUT, DEFAULT_TASK_QUEUE, type ServiceName, type Timespan } from '../contracts';
import { PUBLIC_SECRET_MESSAGE, isPublicSecret, secretString } from './public-secrets';

const url = z.string().url();
const port = z.coerce.number().int().min(0).max(65535);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');
/** A yes/no setting: true/false, 1/0, yes/no, on/off. */
const flag = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { message: 'must be true or false' }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on');

const isPositiveDuration = (value: string) => {
  try {
    return msToNumber(value as Parameters<typeof msToNumber>[0]) > 0;
  } catch {
    return false;
  }
};
/** A Temporal duration such as "3 days" or "90 seconds". */
const duration = z
  .string()
  .refine(isPositiveDuration, 'must be a positive duration such as "3 days" or "90 seconds"')
  .transform((value): Timespan => value);

export { SERVICE_NAMES, type ServiceName } from '../contracts';

/** Env variable and default port of each sample service; the defaults match the launcher's sample services. */
export const SERVICE_ENV: Record<ServiceName, { urlVar: string; portVar: string; defaultPort: number }> = {
  users: { urlVar: 'USERS_URL', portVar: 'USERS_PORT', defaultPort: 4001 },
  orderHistory: { urlVar: 'ORDER_HISTORY_URL', portVar: 'ORDER_HISTORY_PORT', defaultPort: 4002 },
  loyalty: { urlVar: 'LOYALTY_URL', portVar: 'LOYALTY_PORT', defaultPort: 4003 },
  payments: { urlVar: 'PAYMENTS_URL', portVar: 'PAYMENTS_PORT', defaultPort: 4004 },
  inventory: { urlVar: 'INVENTORY_URL', portVar: 'INVENTORY_PORT', defaultPort: 4005 },
  shipping: { urlVar: 'SHIPPING_URL', portVar: 'SHIPPING_PORT', defaultPort: 4006 },
};

const serviceUrl = (name: ServiceName) => url.default(`http://127.0.0.1:${SERVICE_ENV[name].defaultPort}`);

export const temporalEnv = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, for example localhost:7233')
    .default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  TEMPORAL_UI_URL: url.default('http://localhost:8233'),
  // Any Temporal, Temporal Cloud included (lib/temporal-connection.ts turns these into connection options;
  // it also checks that the client certificate and key come together and that each file can be read).
  /** TLS to the frontend; implied by an API key, a client certificate, a CA or a server name. */
  TEMPORAL_TLS: flag.default(false),
  /** mTLS client certificate (PEM); needs TEMPORAL_TLS_KEY_PATH. */
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  /** mTLS client private key (PEM); needs TEMPORAL_TLS_CERT_PATH. */
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  /** CA that signed the server's certificate (PEM), when the system roots don't trust it. */
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  /** Overrides the name checked against the server's certificate (SNI). */
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  /** Temporal Cloud API key, sent as a bearer token (implies TLS). */
  TEMPORAL_API_KEY: z.string().optional(),
  /**
   * A file holding the bearer token (the identity provider's JWT) for a self-hosted Temporal with its JWT
   * authorizer on; re-read every 30 s, so whatever refreshes the token needs no restart. Implies no TLS.
   */
  TEMPORAL_AUTH_TOKEN_FILE: z.string().min(1).optional(),
  /**
   * The API and the worker add Baton's search attributes to the namespace when it lacks them (lib/namespace-setup.ts).
   * false for clusters where a person manages them (Temporal Cloud): then a namespace without them gets a 503 naming the command.
   */
  BATON_REGISTER_SEARCH_ATTRIBUTES: flag.default(true),
});

export const serviceUrlsEnv = z.object({
  USERS_URL: serviceUrl('users'),
  ORDER_HISTORY_URL: serviceUrl('orderHistory'),
  LOYALTY_URL: serviceUrl('loyalty'),
  PAYMENTS_URL: serviceUrl('payments'),
  INVENTORY_URL: serviceUrl('inventory'),
  SHIPPING_URL: serviceUrl('shipping'),
});
export type ServiceUrlsEnv = z.infer<typeof serviceUrlsEnv>;

const PAYLOAD_KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** 32 bytes in standard base64, as `openssl rand -base64 32` prints them. */
const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$/;
/**
 * BATON_PAYLOAD_KEYS: `id:base64,id:base64,...` (AES-256, 32 bytes each), or `off`. The first key encrypts every
 * new payload; each key decrypts what was written with it, so rotating means putting a new key first and keeping
 * the old ones. `off` keeps payloads in plaintext, an explicit choice: no role defaults to it. Issues name the
 * entry by its position and ID, never by its key material.
 */
export const payloadKeys = z
  .string()
  .trim()
  .transform((value, ctx): { id: string; key: Uint8Array }[] => {
    if (value.toLowerCase() === 'off') return [];
    const keys: { id: string; key: Uint8Array }[] = [];
    const fail = (message: string) => {
      ctx.issues.push({ code: 'custom', message, input: undefined });
      return z.NEVER;
    };
    for (const [index, entry] of value
      .split(',')
      .map((e) => e.trim())
      .entries()) {
      const colon = entry.indexOf(':');
      const id = colon < 0 ? '' : entry.slice(0, colon);
      const material = colon < 0 ? '' : entry.slice(colon + 1);
      const which = `entry ${index + 1}${PAYLOAD_KEY_ID.test(id) ? ` ("${id}")` : ''}`;
      if (!PAYLOAD_KEY_ID.test(id)) return fail(`${which} must be <id>:<base64 key>, the id 1-64 of A-Z a-z 0-9 . _ - (or the whole value off)`);
      if (!BASE64_32_BYTES.test(material))
        return fail(`${which}: the key must be 32 bytes in base64 (44 characters; generate one with openssl rand -base64 32)`);
      if (isPublicSecret(material)) return fail(`${which}: the key ${PUBLIC_SECRET_MESSAGE.replace('openssl rand -hex 24', 'openssl rand -base64 32')}`);
      if (keys.some((k) => k.id === id)) return fail(`${which}: the id is used twice`);
      keys.push({ id, key: Buffer.from(material, 'base64') });
    }
    return keys;
  });
export type PayloadKeys = z.infer<typeof payloadKeys>;

/** An origin as browsers send it: scheme, host, port, no path. */
const origin = z.string().refine((value) => {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}, 'must be an origin such as http://localhost:8233 (no path, no trailing slash)');

export const apiEnv = temporalEnv.merge(serviceUrlsEnv).extend({
  PORT: port.default(3000),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: logLevel,
  /** Static bearer tokens, every scope each (small setups); optional when BATON_JWKS_URL is set (config/api-auth.ts). */
  BATON_API_TOKENS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    )
    .pipe(z.array(secretString(16)).min(1, 'needs at least one token'))
    .optional(),
  // JWTs from the identity provider (docs/security.md): all three together, or none.
  /** The identity provider's JWKS (its signing keys); fetched when first needed, cached, refetched for an unknown key ID. */
  BATON_JWKS_URL: url.optional(),
  /** The `iss` every token must carry. */
  BATON_JWT_ISSUER: z.string().min(1).optional(),
  /** The `aud` every token must carry (one of its audiences). */
  BATON_JWT_AUDIENCE: z.string().min(1).optional(),
  /** Clock skew allowed on `exp` and `nbf`, in seconds; bounded, so an expired token stays expired. */
  BATON_JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300, 'at most 300 seconds').default(30),
  /** The least time between two JWKS fetches that a token with an unknown key ID may cause. */
  BATON_JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
  /** The claim that names a token's tenant (its rate-limit budget); tokens without it are limited by `sub`. */
  BATON_JWT_TENANT_CLAIM: z.string().min(1).default('tenant'),
  /** What Prometheus presents as its bearer token on GET /metrics; without it only an `operator` token may read them. */
  BATON_METRICS_TOKEN: secretString(16).optional(),
  /** Signs payment callback URLs. Comma-separated to rotate: the first signs, every one verifies. */
  BATON_WEBHOOK_SECRET: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    )
    .pipe(z.array(secretString(16)).min(1, 'needs at least one secret')),
  /** Where downstream services reach Baton (the payment callback URL is built from it). */
  BATON_PUBLIC_URL: url.optional(),
  BATON_TEMPORAL_DEADLINE_MS: z.coerce.number().int().positive().default(5000),
  BATON_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /** How long an order waits for a pending payment to clear; it travels in each order's input. */
  BATON_PAYMENT_CLEARANCE_TIMEOUT: duration.default(DEFAULT_PAYMENT_CLEARANCE_TIMEOUT),
  /** One deadline for each profile composition (GET /profiles/{userId} and its summary). */
  BATON_PROFILE_DEADLINE_MS: z.coerce.number().int().positive().default(1000),
  /** Declarative compositions (YAML or JSON, docs/compositions.md), served beside the built-in ones and reloaded when the file changes. */
  BATON_COMPOSITIONS_FILE: z.string().optional(),
  /** Consecutive transient failures of a downstream service that open its circuit. */
  BATON_BREAKER_THRESHOLD: z.coerce.number().int().positive().default(5),
  /** How long an open circuit waits before it lets one trial call through. */
  BATON_BREAKER_COOLDOWN_MS: z.coerce.number().int().positive().default(5000),
  /** Bytes of answers the compositions' HTTP cache keeps (sources with `cache: true`); 0 keeps none. */
  BATON_CACHE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(32 * 1024 * 1024),
  /** Requests to the Temporal routes served at once by this process; the next one gets 503 + Retry-After at once. */
  BATON_MAX_INFLIGHT_TEMPORAL: z.coerce.number().int().positive().default(256),
  /** Composition requests (GET /profiles/...) served at once by this process; the next one gets 503 + Retry-After at once. */
  BATON_MAX_INFLIGHT_COMPOSITIONS: z.coerce.number().int().positive().default(256),
  /** Order event streams (GET /orders/{orderId}/events) one client may hold open at once; the next gets 429. */
  BATON_EVENT_STREAMS_PER_CLIENT: z.coerce.number().int().positive().default(10),
  /** How often an open order event stream looks at its run for changes (ms). */
  BATON_EVENT_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  /** Requests per minute per tenant (a JWT's tenant claim, else its subject) or static token before a 429 with Retry-After; 0 turns the limit off. */
  BATON_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(60_000),
  /** Orders one customer may start at once on the task queue; the rest of a burst runs on its burst lane (lib/burst-lane.ts). 0 turns it off. */
  BATON_BURST_STARTS: z.coerce.number().int().min(0).default(2),
  /** How fast a customer's BATON_BURST_STARTS allowance refills, starts per second, counted from its last start past the allowance. */
  BATON_BURST_STARTS_PER_SECOND: z.coerce.number().positive().default(1),
  /** Valkey/Redis that keeps the rate-limit counts, shared by every API replica (redis:// or rediss://); in memory, per process, when unset. */
  BATON_RATE_LIMIT_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL, for example redis://valkey:6379')
    .optional(),
  /** Keys that encrypt and decrypt Temporal payloads (lib/payload-codec.ts); required, `off` to opt out. */
  BATON_PAYLOAD_KEYS: payloadKeys,
  /** Browser origins that may call /codec/* (the Temporal Web UI's), comma-separated. */
  BATON_CODEC_CORS_ORIGINS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(origin).min(1, 'needs at least one origin'))
    .default(['http://localhost:8233']),
  /** `none` opens /codec/* to callers without a token: only for a local Web UI, which cannot send one (npm start). */
  BATON_CODEC_AUTH: z.enum(['bearer', 'none']).default('bearer'),
});
export type ApiEnv = z.infer<typeof apiEnv>;

export const workerEnv = temporalEnv.merge(serviceUrlsEnv).extend({
  LOG_LEVEL: logLevel,
  /** A prebuilt bundle (`npm run build`); without it the worker bundles workflows at start. */
  BATON_WORKFLOW_BUNDLE: z.string().optional(),
  BATON_HTTP_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  /**
   * On SIGTERM/SIGINT, how long running activities may finish before they are cancelled (the SDK's own
   * default, 0, cancels them at once). Keep it below the orchestrator's kill deadline (compose: 60 s).
   */
  BATON_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  // Tuning (worker/tuning.ts maps these onto the worker's options; unset keeps the SDK's defaults).
  /** What this worker polls: workflow and activity tasks (all), or only one kind, for separate pools. */
  BATON_WORKER_ROLE: z.enum(['all', 'workflows', 'activities']).default('all'),
  /** The queue an activities-only worker polls (default TEMPORAL_TASK_QUEUE); only with BATON_WORKER_ROLE=activities. */
  BATON_ACTIVITY_TASK_QUEUE: z.string().min(1).optional(),
  /** Workflow tasks run at once (SDK default 40); at least 2 while workflows are cached. */
  BATON_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2, 'must be at least 2').optional(),
  /** Activity tasks run at once (SDK default 100). */
  BATON_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().positive().optional(),
  /** Workflows kept in memory between tasks (SDK default derives from the heap size); 0 disables the cache. */
  BATON_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  /** Workflow tasks the burst lane (lib/burst-lane.ts) runs at once, beside the main pool; at least 2 while workflows are cached. */
  BATON_BURST_WORKFLOW_TASKS: z.coerce.number().int().min(2, 'must be at least 2').default(2),
  /**
   * The longest a burst-lane slot waits for the worker's main pool to go idle (worker/lane-yield.ts), ms;
   * 0: the lane never yields.
   */
  BATON_BURST_YIELD_MS: z.coerce.number().int().min(0).default(1000),
  /** Serves the SDK's metrics for Prometheus on this port (/metrics); none when unset. */
  BATON_WORKER_METRICS_PORT: port.optional(),
  /** Keys that encrypt and decrypt Temporal payloads (lib/payload-codec.ts); required, `off` to opt out. */
  BATON_PAYLOAD_KEYS: payloadKeys,
  // Worker Versioning (worker/deployment.ts, docs/versioning.md).
  /** Run as a version of a Worker Deployment with every workflow pinned to it; `false` for an unversioned worker (`patched()` only). */
  BATON_WORKER_VERSIONING: flag.default(true),
  /** The Worker Deployment this worker belongs to: one per Baton installation and namespace. */
  BATON_DEPLOYMENT_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, 'letters, digits, _ and - only (Temporal joins it to the build ID with a dot)')
    .default('baton'),
  /** This build's ID (an image tag, a commit); the package version when unset. */
  BATON_BUILD_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.+-]{1,200}$/, 'letters, digits and _ . + - only')
    .optional(),
  /** `auto`: this build becomes current when none is, or when it is newer than the last routing change (worker/deployment.ts); `never`: an operator decides. */
  BATON_PROMOTE_BUILD: z.enum(['auto', 'never']).default('auto'),
});
export type WorkerEnv = z.infer<typeof workerEnv>;

/** What the sample users and loyalty services let caches do with their answers (docs/compositions.md). */
export const DEFAULT_SAMPLE_CACHE_CONTROL = 'max-age=30, stale-while-revalidate=30, stale-if-error=300';

export const servicesEnv = z.object({
  SERVICES_HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: logLevel,
  USERS_PORT: port.default(SERVICE_ENV.users.defaultPort),
  ORDER_HISTORY_PORT: port.default(SERVICE_ENV.orderHistory.defaultPort),
  LOYALTY_PORT: port.default(SERVICE_ENV.loyalty.defaultPort),
  PAYMENTS_PORT: port.default(SERVICE_ENV.payments.defaultPort),
  INVENTORY_PORT: port.default(SERVICE_ENV.inventory.defaultPort),
  SHIPPING_PORT: port.default(SERVICE_ENV.shipping.defaultPort),
  /** How long a pending bank transfer takes to settle before the payments service calls back. */
  PAYMENTS_SETTLE_DELAY_MS: z.coerce.number().int().min(0).default(5000),
  /** What a bank transfer settles as. */
  PAYMENTS_SETTLE_OUTCOME: z.enum(['cleared', 'failed', 'never']).default('cleared'),
  /** Cache-Control of the users and loyalty answers (each with an ETag, 304 on a match); empty sends neither. */
  SERVICES_CACHE_CONTROL: z.string().default(DEFAULT_SAMPLE_CACHE_CONTROL),
  /** Faults active from the start, as JSON (shape in services/faults.ts), e.g. {"failNext":2}. */
  USERS_FAULTS: z.string().optional(),
  ORDER_HISTORY_FAULTS: z.string().optional(),
  LOYALTY_FAULTS: z.string().optional(),
  PAYMENTS_FAULTS: z.string().optional(),
  INVENTORY_FAULTS: z.string().optional(),
  SHIPPING_FAULTS: z.string().optional(),
});
export type ServicesEnv = z.infer<typeof servicesEnv>;

export class EnvError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(issues.map((i) => `${i.variable}: ${i.message}`).join('; '));
    this.name = 'EnvError';
  }
}

/** Parses `source` with `schema`; throws an EnvError naming every bad variable. */
export function parseEnv<S extends z.ZodType>(schema: S, source: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Empty strings mean "unset" so that `FOO= npm run api` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new EnvError(
    result.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '(environment)'),
      message: issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message,
    })),
  );
}

/** For entry points: parse or print the bad variables and exit 1. */
export function loadEnvOrExit<S extends z.ZodType>(schema: S, role: string): z.infer<S> {
  try {
    return parseEnv(schema);
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    process.stderr.write(`baton ${role}: invalid configuration\n`);
    for (const issue of err.issues) process.stderr.write(`  ${issue.variable}: ${issue.message}\n`);
    process.exit(1);
  }
}
