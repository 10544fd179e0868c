// Runs one composition: every source starts as soon as the sources it waits for have values, the
// outstanding calls are aborted the moment the answer is known (a required source failed, the
// deadline passed, the client left), and the answer never waits for an aborted call to wind down.
import type { z } from '@hono/zod-openapi';
import { UnsafePathSegmentError } from '../lib/url-path';
import { CallScope } from './call-scope';
import type { Composition, SourceNode } from './define';
import type { DownstreamHttp, GetOptions, HttpOutcome } from './downstream-http';
import { BATON_SOURCE } from './endpoint';
import { CANCELLED, DEADLINE_EXCEEDED, LAG_TOLERANCE_MS, type FailureReason, type SourceError } from './source-failures';

/**
 * Why a required source left the composition without an answer. `overloaded`: it ran out of time
 * because Baton itself was too busy (its deadline fired late, or the call waited on Baton's own
 * event loop or connection pool), which says nothing about the service.
 */
export type RequiredFailureReason = FailureReason | 'not_found' | 'overloaded';

export type CompositionOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly source: string; readonly reason: RequiredFailureReason }
  /** The caller went away first; nobody is waiting for an answer. */
  | { readonly ok: false; readonly source: undefined; readonly reason: 'cancelled' };

/** Answers the `baton` endpoints (an order's state, a customer's orders in flight) from Temporal. */
export interface BatonSources {
  /** Never rejects for anything Temporal does: unreachable is `failed`/`unavailable`, like a down service. */
  get(path: string, options: GetOptions): Promise<HttpOutcome>;
}

const NO_BATON_SOURCES: HttpOutcome = { kind: 'failed', reason: 'unavailable' };

/**
 * Calls `onGone` when the client has gone (at once when it already has), until the function it returns is
 * called. A plain callback rather than an AbortSignal: Node's response says it cheaper (api/http/node-response.ts).
 */
export type ClientGone = (onGone: () => void) => () => void;

/** An AbortSignal's abort as a ClientGone. */
export function whenAborted(signal: AbortSignal): ClientGone {
  return (onGone) => {
    if (signal.aborted) {
      onGone();
      return () => undefined;
    }
    signal.addEventListener('abort', onGone, { once: true });
    return () => signal.removeEventListener('abort', onGone);
  };
}

export interface RunOptions {
  http: DownstreamHttp;
  /** Where `baton` sources are read; without it they fail as unavailable. */
  baton?: BatonSources;
  /** Overrides the composition's own deadline. */
  deadlineMs?: number;
  /** The client's hang-up: when it comes, the downstream calls are let go. */
  clientGone?: ClientGone;
  /** Sent with every downstream call (e.g. x-request-id). */
  headers?: Readonly<Record<string, string>>;
  /**
   * Hears each source that answered: how long its call took, what came of it (`ok`, `not_found` or why it
   * failed) and, for HTTP sources, its `Cache-Status` parameters (undefined: it went to the service alone).
   */
  onSourceAnswered?: (source: string, durationMs: number, result: 'ok' | 'not_found' | FailureReason, cacheStatus: string | undefined) => void;
}

const enum State {
  Waiting,
  Running,
  Done,
  /** Found nothing (404 where the endpoint allows it), or waited for a source that found nothing. */
  Absent,
  Failed,
}

export function runComposition<I, O extends z.ZodType>(composition: Composition<I, O>, input: I, options: RunOptions): Promise<CompositionOutcome<z.input<O>>> {
  const { sources } = composition;
  const { http, baton, clientGone, headers, onSourceAnswered } = options;
  const deadlineMs = options.deadlineMs ?? composition.deadlineMs;
  const deadlineAt = performance.now() + deadlineMs;
  const count = sources.length;
  const states: State[] = new Array<State>(count).fill(State.Waiting);
  const reasons: (FailureReason | undefined)[] = new Array<FailureReason | undefined>(count);
  const values: Record<string, unknown> = { input };
  const scope = new CallScope();
  let open = count;
  let settled = false;
  let stopHearingClient: (() => void) | undefined;

  return new Promise((resolve, reject) => {
    const timer = setTimeout(onDeadline, deadlineMs);
    stopHearingClient = clientGone?.(() => finish({ ok: false, source: undefined, reason: 'cancelled' }, CANCELLED));
    if (settled) return;

    /** Stops the clock and the listeners; false when the run had already ended. */
    function end(abortReason?: symbol): boolean {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      stopHearingClient?.();
      if (abortReason !== undefined) scope.cancel(abortReason);
      return true;
    }

    function finish(outcome: CompositionOutcome<z.input<O>> | undefined, abortReason?: symbol) {
      if (!end(abortReason)) return;
      if (outcome) return resolve(outcome);
      try {
        resolve({ ok: true, value: merged() });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    }

    /** A bug (a throwing request builder, select or merge), not a downstream failure: let onError log it. */
    function fail(err: unknown) {
      if (end(CANCELLED)) reject(err instanceof Error ? err : new Error(String(err)));
    }

    function merged(): z.input<O> {
      const errors: SourceError[] = [];
      for (let i = 0; i < count; i++) {
        const source = sources[i] as SourceNode;
        if (states[i] === State.Done) continue;
        values[source.name] = null;
        const reason = reasons[i];
        if (reason !== undefined) errors.push({ source: source.name, reason });
      }
      return composition.merge(values, { partial: errors.length > 0, errors });
    }

    function settle(index: number, state: State.Done | State.Absent | State.Failed, reason?: FailureReason) {
      if (settled || states[index] === State.Done || states[index] === State.Absent || states[index] === State.Failed) return;
      const source = sources[index] as SourceNode;
      states[index] = state;
      reasons[index] = reason;
      open--;
      if (source.required && state !== State.Done) {
        return finish({ ok: false, source: source.name, reason: reason ?? 'not_found' }, CANCELLED);
      }
      if (open === 0) return finish(undefined);
      startReady();
    }

    function onDeadline() {
      if (settled) return;
      const overdueMs = performance.now() - deadlineAt;
      // Before anything else, so each outstanding call learns how late the deadline fired.
      scope.cancel(DEADLINE_EXCEEDED, overdueMs);
      for (let i = 0; i < count; i++) {
        const source = sources[i] as SourceNode;
        if (states[i] !== State.Waiting && states[i] !== State.Running) continue;
        if (source.required) {
          const reason = overdueMs > LAG_TOLERANCE_MS ? 'overloaded' : 'timeout';
          return finish({ ok: false, source: source.name, reason }, DEADLINE_EXCEEDED);
        }
        states[i] = State.Failed;
        reasons[i] = 'timeout';
      }
      finish(undefined, DEADLINE_EXCEEDED);
    }

    function startReady() {
      for (let i = 0; i < count && !settled; i++) {
        if (states[i] !== State.Waiting) continue;
        const source = sources[i] as SourceNode;
        let ready = true;
        for (const dep of source.after) {
          const depState = states[dep];
          // A dependency that failed or found nothing leaves this source nothing to ask for.
          if (depState === State.Failed) return settle(i, State.Failed, reasons[dep]);
          if (depState === State.Absent) return settle(i, State.Absent);
          if (depState !== State.Done) ready = false;
        }
        if (ready) start(i, source);
      }
    }

    function start(index: number, source: SourceNode) {
      states[index] = State.Running;
      let url: string;
      try {
        url = source.url(values);
      } catch (err) {
        // An ID a service answered with that no URL path can hold ("..", say): that service's bad answer.
        if (err instanceof UnsafePathSegmentError) return settle(index, State.Failed, 'bad_response');
        return fail(err);
      }
      const timeoutMs = Math.min(source.timeoutMs, deadlineAt - performance.now());
      const service = source.endpoint.service;
      const call: GetOptions = { scope, timeoutMs, headers, policy: source.policy };
      const startedAt = onSourceAnswered && performance.now();
      const answer = service !== BATON_SOURCE ? http.get(service, url, call) : baton ? baton.get(url, call) : Promise.resolve(NO_BATON_SOURCES);
      answer.then((outcome) => {
        if (startedAt !== undefined && !settled && outcome.kind !== 'cancelled') {
          const result = outcome.kind === 'failed' ? outcome.reason : outcome.kind;
          onSourceAnswered?.(source.name, performance.now() - startedAt, result, outcome.cacheStatus);
        }
        try {
          accept(index, source, outcome);
        } catch (err) {
          fail(err);
        }
      }, fail);
    }

    function accept(index: number, source: SourceNode, outcome: HttpOutcome): void {
      if (settled) return;
      switch (outcome.kind) {
        case 'ok': {
          const parsed = source.endpoint.response.safeParse(outcome.body);
          if (!parsed.success) return settle(index, State.Failed, 'bad_response');
          values[source.name] = source.select ? source.select(parsed.data) : parsed.data;
          return settle(index, State.Done);
        }
        case 'not_found':
          return source.endpoint.absentOn404 ? settle(index, State.Absent) : settle(index, State.Failed, 'bad_response');
        case 'failed':
          if (source.required && outcome.overloaded) return finish({ ok: false, source: source.name, reason: 'overloaded' }, CANCELLED);
          return settle(index, State.Failed, outcome.reason);
        case 'cancelled':
          return undefined;
      }
    }

    startReady();
  });
}
