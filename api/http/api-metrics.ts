// The API's Prometheus metrics (GET /metrics): requests by route pattern and status, their latency,
// the outcome of each composition source, and the circuit breaker of each downstream service.
// One registry per app, so that several apps in one process (tests) never share counters.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServiceName } from '../../config/env';
import type { CircuitStateName } from '../../composition/resilience';

/** What a composition source ended as; `ok` when it answered within its contract. */
export type SourceOutcome = 'ok' | 'not_found' | 'timeout' | 'unavailable' | 'bad_response' | 'circuit_open' | 'overloaded' | 'cancelled' | 'skipped';

const CIRCUIT_STATES: readonly CircuitStateName[] = ['closed', 'open', 'half_open', 'isolated'];

export interface ApiMetrics {
  readonly registry: Registry;
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  compositionSource(composition: string, source: string, outcome: SourceOutcome): void;
  /** Where the breaker states come from (the app's composer); read at every scrape. */
  watchCircuits(states: () => Partial<Record<ServiceName, CircuitStateName>>): void;
  /** A reload of BATON_COMPOSITIONS_FILE: `ok` swapped to `version`; `invalid` kept serving `version`. */
  compositionsReload(result: 'ok' | 'invalid', version: string): void;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
}

export interface ApiMetricsOptions {
  /** Node's process metrics (CPU, memory, event loop lag, GC): once per process, so only in api/main.ts. */
  processMetrics?: boolean;
}

interface CompositionLike {
  readonly name: string;
  readonly sources: readonly { readonly name: string }[];
}

type CompositionResult = { ok: true; value: unknown } | { ok: false; source: string | undefined; reason: string };

/**
 * Counts what each source of a composition ended as: `ok`, or the reason the answer lists for it
 * (`errors` of a partial answer), or, for a failed required source, its reason. Sources abandoned
 * because a required one failed are not counted; neither is a client that went away.
 */
export function recordComposition(metrics: ApiMetrics | undefined, composition: CompositionLike, outcome: CompositionResult): void {
  if (!metrics) return;
  if (!outcome.ok) {
    if (outcome.source !== undefined) metrics.compositionSource(composition.name, outcome.source, outcome.reason as SourceOutcome);
    return;
  }
  const errors = (outcome.value as { errors?: { source: string; reason: string }[] } | null)?.errors ?? [];
  for (const source of composition.sources) {
    const failed = errors.find((e) => e.source === source.name);
    metrics.compositionSource(composition.name, source.name, failed ? (failed.reason as SourceOutcome) : 'ok');
  }
}

export function createApiMetrics(options: ApiMetricsOptions = {}): ApiMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'baton_api_' });

  const requests = new Counter({
    name: 'baton_http_requests_total',
    help: 'HTTP requests served, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'baton_http_request_duration_seconds',
    help: 'HTTP request latency, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const sources = new Counter({
    name: 'baton_composition_source_total',
    help: 'Composition source calls, by composition, source and outcome (ok, not_found, timeout, unavailable, bad_response, circuit_open, cancelled, skipped)',
    labelNames: ['composition', 'source', 'outcome'] as const,
    registers: [registry],
  });
  const reloads = new Counter({
    name: 'baton_compositions_reloads_total',
    help: 'Loads of the compositions file (BATON_COMPOSITIONS_FILE), by result: ok (swapped in) or invalid (refused, the last good version serves on)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const served = new Gauge({
    name: 'baton_compositions_version_info',
    help: 'The version (content digest) of the compositions file being served: 1 for it',
    labelNames: ['version'] as const,
    registers: [registry],
  });
  let circuits: () => Partial<Record<ServiceName, CircuitStateName>> = () => ({});
  new Gauge({
    name: 'baton_circuit_breaker_state',
    help: 'Circuit breaker of each downstream service: 1 for its current state, 0 for the others',
    labelNames: ['downstream', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [downstream, current] of Object.entries(circuits())) {
        for (const state of CIRCUIT_STATES) this.set({ downstream, state }, state === current ? 1 : 0);
      }
    },
  });

  // prom-client hashes a label object at every call; the API's label sets are few (route patterns, not
  // paths), so each one's children are looked up once and kept.
  const requestChildren = new Map<string, { count: { inc(): void }; latency: { observe(seconds: number): void } }>();
  const sourceChildren = new Map<string, { inc(): void }>();
  return {
    registry,
    observeRequest({ method, route, status }, seconds) {
      const key = `${method} ${status} ${route}`;
      let children = requestChildren.get(key);
      if (!children) {
        const labels = { method, route, status: String(status) };
        children = { count: requests.labels(labels), latency: duration.labels(labels) };
        requestChildren.set(key, children);
      }
      children.count.inc();
      children.latency.observe(seconds);
    },
    compositionSource(composition, source, outcome) {
      const key = `${composition} ${source} ${outcome}`;
      let child = sourceChildren.get(key);
      if (!child) {
        child = sources.labels({ composition, source, outcome });
        sourceChildren.set(key, child);
      }
      child.inc();
    },
    watchCircuits(states) {
      circuits = states;
    },
    compositionsReload(result, version) {
      reloads.inc({ result });
      served.reset();
      served.set({ version }, 1);
    },
    render: () => registry.metrics(),
  };
}
