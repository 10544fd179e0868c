// Fault injection, so tests can prove Baton survives slow, failing, hanging and lying services.
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { problemResponse } from './problem-response';

const count = z.number().int().min(0);

export const FaultConfig = z
  .object({
    /** Added to every matching call before anything else happens. */
    latencyMs: count.max(600_000).optional(),
    /** Random extra latency, 0..jitterMs. */
    jitterMs: count.max(600_000).optional(),
    /** Probability (0..1) of a 503 before doing anything. */
    errorRate: z.number().min(0).max(1).optional(),
    /** The next N calls answer `failStatus` without any effect. */
    failNext: count.optional(),
    failStatus: z.number().int().min(400).max(599).optional(),
    /** The next N state-changing calls apply their effect and keep it under the key, but answer 503. */
    commitThenFail: count.optional(),
    /** The next N calls never answer until the client goes away. */
    hangNext: count.optional(),
    /** The next N state-changing calls apply their effect and keep it under the key, then never answer until the client goes away. */
    commitThenHang: count.optional(),
    /** Every matching call hangs. */
    hang: z.boolean().optional(),
    /** Probability (0..1) that a call hangs until the client goes away: the occasional stuck request. */
    hangRate: z.number().min(0).max(1).optional(),
    /** Probability (0..1) that a state-changing call applies its effect but answers 503, as commitThenFail. */
    commitThenFailRate: z.number().min(0).max(1).optional(),
    /** The next N calls answer 200 with a body that is not the contract's. */
    malformedNext: count.optional(),
    /** `json`: not parseable (default); `schema`: valid JSON of the wrong shape. */
    malformedKind: z.enum(['json', 'schema']).optional(),
    /** Only calls whose path starts with this prefix are affected. */
    match: z.string().startsWith('/').optional(),
  })
  .strict();
export type FaultConfig = z.infer<typeof FaultConfig>;

type Countdown = 'failNext' | 'commitThenFail' | 'commitThenHang' | 'hangNext' | 'malformedNext';

/** Parses a `<SERVICE>_FAULTS` variable; throws a readable message when it is not a FaultConfig. */
export function parseFaults(json: string): FaultConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('must be a JSON object such as {"failNext":2}');
  }
  const result = FaultConfig.safeParse(raw);
  if (!result.success) {
    throw new Error(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  }
  return result.data;
}

export class Faults {
  #config: FaultConfig;

  constructor(initial: FaultConfig = {}) {
    this.#config = { ...initial };
  }

  get(): FaultConfig {
    return { ...this.#config };
  }

  set(config: FaultConfig): void {
    this.#config = { ...config };
  }

  clear(): void {
    this.#config = {};
  }

  appliesTo(path: string): boolean {
    return this.#config.match === undefined || path.startsWith(this.#config.match);
  }

  /** Consumes one unit of a countdown fault; true when this call is one of the N. */
  take(name: Countdown): boolean {
    const left = this.#config[name] ?? 0;
    if (left <= 0) return false;
    this.#config[name] = left - 1;
    return true;
  }

  delayMs(random: () => number): number {
    const { latencyMs = 0, jitterMs = 0 } = this.#config;
    return latencyMs + (jitterMs > 0 ? Math.floor(random() * (jitterMs + 1)) : 0);
  }

  get hangsAlways(): boolean {
    return this.#config.hang === true;
  }

  get errorRate(): number {
    return this.#config.errorRate ?? 0;
  }

  get hangRate(): number {
    return this.#config.hangRate ?? 0;
  }

  get commitThenFailRate(): number {
    return this.#config.commitThenFailRate ?? 0;
  }

  get failStatus(): number {
    return this.#config.failStatus ?? 503;
  }

  get malformedKind(): 'json' | 'schema' {
    return this.#config.malformedKind ?? 'json';
  }
}

/** Resolves after `ms`, or early when `signal` aborts (client gone or service closing). */
export function waitFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    signal.addEventListener('abort', done, { once: true });
  });
}

export interface FaultMiddlewareOptions {
  faults: Faults;
  /** Aborts when the service closes, so hung and delayed calls let go. */
  shutdown: AbortSignal;
  /** Paths that faults never touch (health and admin). */
  exempt: (path: string) => boolean;
  random?: () => number;
}

export type FaultVariables = { faults: Faults | undefined };

const injected = (status: number, detail: string) => problemResponse(status, 'injected-fault', 'Injected fault', detail);

const MALFORMED_BODIES = { json: '{"malformed": tru', schema: '{"unexpected":["not","the","contract"]}' } as const;

/**
 * Applies the configured faults before the route runs. Leaves `faults` on the context so the
 * idempotent route wrapper can apply commitThenFail after the effect.
 */
export function faultMiddleware(options: FaultMiddlewareOptions): MiddlewareHandler<{ Variables: FaultVariables }> {
  const { faults, shutdown, exempt, random = Math.random } = options;
  return async (c, next) => {
    if (exempt(c.req.path) || !faults.appliesTo(c.req.path)) {
      c.set('faults', undefined);
      return next();
    }
    c.set('faults', faults);
    const gone = AbortSignal.any([c.req.raw.signal, shutdown]);
    const delay = faults.delayMs(random);
    if (delay > 0) {
      await waitFor(delay, gone);
      if (gone.aborted) return injected(503, 'released before the injected latency elapsed');
    }
    if (faults.hangsAlways || faults.take('hangNext') || (faults.hangRate > 0 && random() < faults.hangRate)) {
      await waitFor(Infinity, gone);
      return injected(503, 'hung request released');
    }
    if (faults.errorRate > 0 && random() < faults.errorRate) return injected(503, 'errorRate');
    if (faults.take('failNext')) return injected(faults.failStatus, 'failNext');
    if (faults.take('malformedNext')) {
      return new Response(MALFORMED_BODIES[faults.malformedKind], {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    }
    return next();
  };
}
