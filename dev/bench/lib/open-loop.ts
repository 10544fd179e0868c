// The suite's one load driver. Open loop, constant arrival rate: request i is due at
// start + i/rate whatever happened to earlier ones, and its latency counts from when it was due, not
// from when it was sent, so a stalled server (or driver) shows up in the numbers instead of hiding
// (no coordinated omission). A closed loop (fixed concurrency) is only for throughput ceilings.
import { Pool } from 'undici';

export interface StepResult {
  rate: number;
  durationMs: number;
  sent: number;
  ok: number;
  failed: number;
  /** The failed requests by why: a `Failed` answer's reason, a rejection's error code (else `error`), `failed` for a bare false. */
  failedBy: Record<string, number>;
  /** Requests still unanswered when the grace period after the step ran out. */
  unfinished: number;
  throughput: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Worst lag between when a request was due and when the driver sent it. */
  driverLagMs: number;
}

/** Latencies of the successful requests, sorted; for merging runs. */
export type Samples = Float64Array;

export function percentile(sorted: Samples, p: number): number {
  return sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN);
}

export function mergeSamples(runs: Samples[]): Samples {
  const all = new Float64Array(runs.reduce((n, r) => n + r.length, 0));
  let offset = 0;
  for (const run of runs) {
    all.set(run, offset);
    offset += run.length;
  }
  return all.sort();
}

/** p50, p99 and max of sorted samples: what every latency figure of the suite reports. */
export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(sorted: Samples): LatencySummary {
  return { n: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.length ? (sorted[sorted.length - 1] ?? NaN) : NaN };
}

/** Requests one by one, in the order they were answered: sent and answered (epoch ms), and what the server added (ms). */
export interface TimedRequests {
  from: Float64Array;
  to: Float64Array;
  added: Float64Array;
}

/** Sends request number `index`; resolves true when it was answered successfully. */
export type Send = (index: number) => Promise<boolean>;

/** A request that was answered but did not succeed, and why: its status (`503`), or what made a 200 unusable. */
export interface Failed {
  failed: string;
}

/**
 * True on success, or the time the request's own slowest downstream call took, as the server reported it (the
 * open loop then also records what the server added over that call); false or `Failed` when it did not succeed.
 */
export type Answer = boolean | { downstreamMs: number } | Failed;

export const succeeded = (answer: Answer): answer is true | { downstreamMs: number } => answer !== false && !(typeof answer === 'object' && 'failed' in answer);

/** Why a request failed, for `StepResult.failedBy`. */
function failureReason(outcome: { answer: Answer } | { error: unknown }): string {
  if ('error' in outcome) {
    const { error } = outcome;
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    return typeof code === 'string' ? code : 'error';
  }
  return typeof outcome.answer === 'object' && 'failed' in outcome.answer ? outcome.answer.failed : 'failed';
}

/** A step's failures, the requests still unanswered after its grace period among them (as `unanswered`). */
export function stepFailures(step: StepResult): { failed: number; failedBy: Record<string, number> } {
  return { failed: step.failed + step.unfinished, failedBy: { ...step.failedBy, ...(step.unfinished > 0 && { unanswered: step.unfinished }) } };
}

/** "503: 150, 504: 7": failures by why, the commonest first; empty when none failed. */
export function failureReasons(failedBy: Record<string, number>): string {
  return Object.entries(failedBy)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, n]) => `${reason}: ${n}`)
    .join(', ');
}

/** "157 of 15096 (503: 150, 504: 7)": a step's failures, out of what it sent when given. */
export function failedText({ failed, sent, failedBy }: { failed: number; sent?: number; failedBy: Record<string, number> }): string {
  const why = failureReasons(failedBy);
  return `${failed}${sent === undefined ? '' : ` of ${sent}`}${why && ` (${why})`}`;
}

export interface Target {
  send: (index: number) => Promise<Answer>;
  close(): Promise<void>;
}

/** The longest duration in a Server-Timing header, `total` aside: the request's slowest downstream call. */
export function slowestCallMs(serverTiming: string | undefined): number | undefined {
  let slowest: number | undefined;
  for (const entry of (serverTiming ?? '').split(',')) {
    const [name, ...params] = entry.trim().split(';');
    if (!name || name === 'total') continue;
    const dur = params.map((p) => p.trim()).find((p) => p.startsWith('dur='));
    const ms = dur === undefined ? NaN : Number(dur.slice(4));
    if (Number.isFinite(ms) && (slowest === undefined || ms > slowest)) slowest = ms;
  }
  return slowest;
}

/**
 * GETs `path(i)` from `url` over a keep-alive pool large enough never to queue in the driver. With
 * `serverTiming`, a 200 without a usable Server-Timing header counts as a failure.
 */
export function httpTarget(url: string, path: (index: number) => string, headers?: Record<string, string>, options: { serverTiming?: boolean } = {}): Target {
  const pool = new Pool(url, { connections: 4096, pipelining: 1, keepAliveTimeout: 60_000 });
  return {
    send: async (index) => {
      const response = await pool.request({ path: path(index), method: 'GET', headers });
      await response.body.text();
      if (response.statusCode !== 200) return { failed: String(response.statusCode) };
      if (!options.serverTiming) return true;
      const header = response.headers['server-timing'];
      const downstreamMs = slowestCallMs(Array.isArray(header) ? header.join(',') : header);
      return downstreamMs === undefined ? { failed: 'no Server-Timing' } : { downstreamMs };
    },
    close: () => pool.destroy(),
  };
}

/** All of `targets` at once, answered when the slowest has: what a fan-out can never beat. */
export function slowestOf(targets: Target[]): Target {
  return {
    send: async (index) => (await Promise.all(targets.map((t) => t.send(index)))).find((answer) => !succeeded(answer)) ?? true,
    close: async () => {
      await Promise.all(targets.map((t) => t.close()));
    },
  };
}

export class OpenLoop {
  #inflight = 0;

  constructor(private readonly target: Target) {}

  async run(rate: number, durationMs: number, graceMs = 2000): Promise<StepResult> {
    return (await this.sample(rate, durationMs, graceMs)).result;
  }

  /**
   * `samples`: each successful request's latency, from when it was due, sorted. `added`: for targets that
   * report their downstream time, what the server added to each request over its own slowest downstream call:
   * the time from when the request was sent to its answer, minus that call, sorted (≥ 0 by construction: the
   * call happened within the request). From the send, not from when it was due: the driver's own lateness
   * (its 1 ms tick, a timer that fires late) is not the server's. `addedFromDue` counts it, as the suite did
   * until 2026-12-03. `timed`: the requests of `added` one by one, from their send to their answer (epoch ms,
   * to set beside what happened in the server meanwhile).
   */
  async sample(
    rate: number,
    durationMs: number,
    graceMs = 2000,
  ): Promise<{ result: StepResult; samples: Samples; added: Samples; addedFromDue: Samples; timed: TimedRequests }> {
    // Leftovers of an overloaded step must not weigh on this one.
    for (let waited = 0; this.#inflight > 0 && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    const total = Math.max(1, Math.round((rate * durationMs) / 1000));
    const interval = 1000 / rate;
    const latencies = new Float64Array(total);
    const added = new Float64Array(total);
    const addedFromDue = new Float64Array(total);
    const sentAt = new Float64Array(total);
    const answeredAt = new Float64Array(total);
    let timed = 0;
    let sent = 0;
    let ok = 0;
    let failed = 0;
    const failedBy: Record<string, number> = {};
    const fail = (outcome: { answer: Answer } | { error: unknown }) => {
      failed++;
      const reason = failureReason(outcome);
      failedBy[reason] = (failedBy[reason] ?? 0) + 1;
    };
    let driverLagMs = 0;
    let settle: () => void = () => undefined;
    const allDone = new Promise<void>((resolve) => (settle = resolve));
    const start = performance.now();

    const fire = (index: number) => {
      const due = start + index * interval;
      const sending = performance.now();
      if (sending - due > driverLagMs) driverLagMs = sending - due;
      this.#inflight++;
      this.target
        .send(index)
        .then(
          (success) => {
            if (!succeeded(success)) {
              fail({ answer: success });
              return;
            }
            const answered = performance.now();
            const latency = answered - due;
            latencies[ok++] = latency;
            if (success === true) return;
            sentAt[timed] = performance.timeOrigin + sending;
            answeredAt[timed] = performance.timeOrigin + answered;
            addedFromDue[timed] = latency - success.downstreamMs;
            added[timed++] = answered - sending - success.downstreamMs;
          },
          (error: unknown) => fail({ error }),
        )
        .finally(() => {
          this.#inflight--;
          if (ok + failed === total) settle();
        });
    };

    // A 1 ms tick sends whatever has come due; busy-waiting would steal the CPU being measured.
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
        while (sent < due) fire(sent++);
        if (sent < total) setTimeout(tick, 1);
        else resolve();
      };
      tick();
    });
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([allDone, new Promise((r) => (grace = setTimeout(r, graceMs)))]);
    clearTimeout(grace);

    const done = latencies.slice(0, ok).sort();
    const pct = (p: number) => percentile(done, p);
    const result: StepResult = {
      rate,
      durationMs,
      sent,
      ok,
      failed,
      failedBy,
      unfinished: total - ok - failed,
      throughput: ok / (durationMs / 1000),
      p50: pct(0.5),
      p90: pct(0.9),
      p99: pct(0.99),
      max: done.length ? (done[done.length - 1] ?? NaN) : NaN,
      driverLagMs,
    };
    const timedRequests = { from: sentAt.slice(0, timed), to: answeredAt.slice(0, timed), added: added.slice(0, timed) };
    return { result, samples: done, added: timedRequests.added.slice().sort(), addedFromDue: addedFromDue.slice(0, timed).sort(), timed: timedRequests };
  }
}

export interface ClosedLoopResult {
  concurrency: number;
  /** The counted window, after the ramp. */
  durationMs: number;
  /** Successful operations that finished inside the window. */
  ok: number;
  failed: number;
  throughput: number;
}

/**
 * `concurrency` callers, each sending its next request when its last one is answered. Completions
 * during the first `rampMs` do not count (the pipeline is filling), then those in the next
 * `durationMs` do; then no new requests, and up to `drainMs` for what is still in flight (not
 * counted), so the next measurement starts from an idle system. For "how many per second at this
 * concurrency" when one operation can take seconds (a whole saga under load).
 */
export async function closedLoop(send: Send, concurrency: number, durationMs: number, rampMs = 0, drainMs = 30_000): Promise<ClosedLoopResult> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  const from = performance.now() + rampMs;
  const end = from + durationMs;
  const caller = async () => {
    while (performance.now() < end) {
      const success = await send(next++).catch(() => false);
      const now = performance.now();
      if (now < from || now > end) continue;
      if (success) ok++;
      else failed++;
    }
  };
  const callers = Promise.all(Array.from({ length: concurrency }, caller));
  let drained: NodeJS.Timeout | undefined;
  await Promise.race([callers, new Promise((r) => (drained = setTimeout(r, rampMs + durationMs + drainMs)))]);
  clearTimeout(drained);
  return { concurrency, durationMs, ok, failed, throughput: ok / (durationMs / 1000) };
}
