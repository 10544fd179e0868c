// What the app holds for compositions, made once per process: the pooled, circuit-broken HTTP
// client (breakers must be shared to mean anything) and per-composition deadline overrides.
import type { z } from '@hono/zod-openapi';
import type { ServiceName } from '../contracts';
import type { Composition } from './define';
import { DownstreamHttp, type DownstreamHttpOptions } from './downstream-http';
import { runComposition, type BatonSources, type CompositionOutcome, type RunOptions } from './engine';
import type { CircuitStateName } from './resilience';

export interface ComposerOptions extends DownstreamHttpOptions {
  /** Deadline overrides by composition name, e.g. from BATON_PROFILE_DEADLINE_MS. */
  deadlines?: Readonly<Record<string, number>>;
  /** Reads the `baton` sources (orders, from Temporal); they fail as unavailable without it. */
  baton?: BatonSources;
}

export type ComposeCallOptions = Pick<RunOptions, 'clientGone' | 'headers' | 'onSourceAnswered'>;

export interface Composer {
  run<I, O extends z.ZodType>(composition: Composition<I, O>, input: I, options?: ComposeCallOptions): Promise<CompositionOutcome<z.input<O>>>;
  circuitStates(): Partial<Record<ServiceName, CircuitStateName>>;
  close(): Promise<void>;
}

export function createComposer(options: ComposerOptions): Composer {
  const http = new DownstreamHttp(options);
  const deadlines = options.deadlines ?? {};
  return {
    run: (composition, input, call = {}) =>
      runComposition(composition, input, {
        http,
        ...(options.baton && { baton: options.baton }),
        deadlineMs: deadlines[composition.name] ?? composition.deadlineMs,
        clientGone: call.clientGone,
        headers: call.headers,
        onSourceAnswered: call.onSourceAnswered,
      }),
    circuitStates: () => http.circuitStates(),
    close: () => http.close(),
  };
}
