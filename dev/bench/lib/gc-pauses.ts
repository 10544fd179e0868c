// A benchmark child's garbage-collection pauses, handed to the benchmark over the child's IPC channel, so
// that a tail latency can be set beside the pauses that made it: each pause stops every request in flight
// in that process for its whole length (docs/benchmark-journal.md, "What sets the added p99").
import type { ChildProcess } from 'node:child_process';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import { mergeSamples, summarize, type LatencySummary, type TimedRequests } from './open-loop';

export type GcKind = 'scavenge' | 'mark-compact' | 'incremental' | 'weak-callbacks';

export interface GcPause {
  /** When it started, in epoch milliseconds (performance.timeOrigin + startTime), comparable across processes. */
  at: number;
  ms: number;
  kind: GcKind;
}

const KINDS: Record<number, GcKind> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
};

/** The message that asks for the pauses, and the key of the answer. */
const TAKE = 'bench:gc-pauses';

/** In a child started with an IPC channel: records its pauses; each take hands over those since the last. */
export function recordGcPauses(): void {
  let pauses: GcPause[] = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = ((entry as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind;
      pauses.push({ at: performance.timeOrigin + entry.startTime, ms: entry.duration, kind: KINDS[kind ?? 0] ?? 'mark-compact' });
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (message) => {
    if (message !== TAKE) return;
    process.send?.({ [TAKE]: pauses });
    pauses = [];
  });
  // Listening refs the channel; it must not be what keeps the child alive.
  process.channel?.unref();
}

/** In the benchmark: the pauses `child` made since the last take (or since it started). */
export function takeGcPauses(child: ChildProcess, timeoutMs = 5000): Promise<GcPause[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`no GC pauses from pid ${child.pid} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      const pauses = (message as Record<string, unknown> | null)?.[TAKE];
      if (!Array.isArray(pauses)) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(pauses as GcPause[]);
    };
    child.on('message', onMessage);
    child.send(TAKE);
  });
}

/** What the pauses of a stretch of load did to the requests timed in it (all times in epoch ms). */
export interface PausesAndRequests {
  pauses: readonly GcPause[];
  /** How long the stretch lasted, for the rate of pauses and the share of time paused. */
  durationMs: number;
  /** Each timed request: from its send to its answer, and what the server added. */
  requests: TimedRequests;
}

export interface GcPauseEffect {
  durationMs: number;
  scavenges: number;
  /** Mark-compact, incremental marking and weak-callback pauses. */
  otherPauses: number;
  /** Durations of every pause, sorted (ms). */
  pauseMs: Float64Array;
  /** Share of the stretch the process stood paused. */
  pausedShare: number;
  /** Timed requests in flight during at least one pause. */
  overlapping: number;
  timed: number;
  /** What the server added to the requests no pause overlapped, sorted. */
  addedOutsidePauses: Float64Array;
}

/** Which timed requests were in flight during a pause of the server's, and what the others' added latency was. */
export function gcPauseEffect({ pauses, durationMs, requests }: PausesAndRequests): GcPauseEffect {
  const outside: number[] = [];
  let overlapping = 0;
  for (let i = 0; i < requests.from.length; i++) {
    const from = requests.from[i]!;
    const to = requests.to[i]!;
    if (pauses.some((p) => p.at < to && p.at + p.ms > from)) overlapping++;
    else outside.push(requests.added[i]!);
  }
  const pausedMs = pauses.reduce((sum, p) => sum + p.ms, 0);
  const scavenges = pauses.filter((p) => p.kind === 'scavenge').length;
  return {
    durationMs,
    scavenges,
    otherPauses: pauses.length - scavenges,
    pauseMs: Float64Array.from(pauses, (p) => p.ms).sort(),
    pausedShare: pausedMs / durationMs,
    overlapping,
    timed: requests.from.length,
    addedOutsidePauses: Float64Array.from(outside).sort(),
  };
}

/** The pauses of several stretches of load, and their requests, as a benchmark reports them. */
export interface GcPausesJson {
  pausesPerSecond: number;
  scavenges: number;
  otherPauses: number;
  /** Each pause's length (ms). */
  pauseMs: LatencySummary;
  pausedShare: number;
  /** Share of the timed requests in flight during at least one pause. */
  overlappingShare: number;
  /** What the server added to the requests no pause overlapped (ms). */
  addedOutsidePausesMs: LatencySummary;
}

export function summarizeGcPauses(effects: readonly GcPauseEffect[]): GcPausesJson {
  const durationMs = effects.reduce((sum, e) => sum + e.durationMs, 0);
  const pauseMs = mergeSamples(effects.map((e) => e.pauseMs));
  const timed = effects.reduce((sum, e) => sum + e.timed, 0);
  return {
    pausesPerSecond: pauseMs.length / (durationMs / 1000),
    scavenges: effects.reduce((sum, e) => sum + e.scavenges, 0),
    otherPauses: effects.reduce((sum, e) => sum + e.otherPauses, 0),
    pauseMs: summarize(pauseMs),
    pausedShare: pauseMs.reduce((sum, ms) => sum + ms, 0) / durationMs,
    overlappingShare: effects.reduce((sum, e) => sum + e.overlapping, 0) / timed,
    addedOutsidePausesMs: summarize(mergeSamples(effects.map((e) => e.addedOutsidePauses))),
  };
}
