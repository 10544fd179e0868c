// What every result carries: the machine it ran on, and numbers rounded for people.
import { cpus, freemem, loadavg, totalmem } from 'node:os';

export const fmt = (n: number | undefined, digits = 2) => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '-');

/** Rounds for JSON: enough digits to compare runs, none of the float noise. */
export const round = (n: number, digits = 2) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : null);

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGB: number;
  node: string;
  platform: string;
  /** 1-minute load average when the run began: a busy machine explains noisy ratios. */
  loadAverageAtStart: number;
  freeMemoryGBAtStart: number;
}

export function machine(): Machine {
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverageAtStart: round(loadavg()[0] ?? NaN) ?? 0,
    freeMemoryGBAtStart: round(freemem() / 2 ** 30, 1) ?? 0,
  };
}

/** One line of the summary table: a figure, Baton's value, the baseline's, and the target. */
export interface Row {
  benchmark: string;
  figure: string;
  baton: string;
  baseline: string;
  result: string;
  target: string;
}

export function printTable(rows: Row[]): void {
  const headers: Row = { benchmark: 'benchmark', figure: 'figure', baton: 'Baton', baseline: 'baseline', result: 'result', target: 'target' };
  const keys = Object.keys(headers) as (keyof Row)[];
  const width = Object.fromEntries(keys.map((k) => [k, Math.max(...[headers, ...rows].map((r) => r[k].length))])) as Record<keyof Row, number>;
  const line = (r: Row) => `| ${keys.map((k) => r[k].padEnd(width[k])).join(' | ')} |`;
  console.log(line(headers));
  console.log(`| ${keys.map((k) => '-'.repeat(width[k])).join(' | ')} |`);
  for (const r of rows) console.log(line(r));
}

const MAX_PLACES = 10;

/**
 * The fewest decimal places, from `digits` up, at which a figure rounds to the same side of its target as it
 * stands: rounding must not turn a miss into "met" (0.8996 against ≥ 0.9 reads 0.8996, not 0.90), nor the reverse.
 */
export function placesAgainst(n: number | null | undefined, ok: (v: number) => boolean, digits: number): number {
  if (n === null || n === undefined || !Number.isFinite(n)) return digits;
  for (let places = digits; places < MAX_PLACES; places++) if (ok(Number(n.toFixed(places))) === ok(n)) return places;
  return MAX_PLACES;
}

/** `fmt` for a figure that has a target: two places, or as many as keep it on its own side of the target. */
export const fmtAgainst = (n: number | null | undefined, ok: (v: number) => boolean) => fmt(n ?? NaN, placesAgainst(n, ok, 2));

/** `round` for a figure that has a target, for JSON: three places, or as many as keep it on its own side. */
export const roundAgainst = (n: number, ok: (v: number) => boolean, digits = 3) => round(n, placesAgainst(n, ok, digits));

/** "met" / "MISSED" against a target, or "-" when the figure is missing; give it the figure, not a rounding of it. */
export function verdict(value: number | undefined, ok: (v: number) => boolean): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return ok(value) ? 'met' : 'MISSED';
}

export interface BenchOptions {
  /** A short smoke run: same code paths, a fraction of the time; its numbers mean little. */
  quick: boolean;
}

/** What each benchmark module returns to the runner. */
export interface BenchOutcome<T> {
  /** The module's part of latest.json. */
  json: T;
  rows: Row[];
}

/** Sums of ok and elapsed over alternating rounds: the ratio of the sums, not the mean of the ratios. */
export function throughputOf(rounds: { ok: number; durationMs: number }[]): number {
  const ok = rounds.reduce((n, r) => n + r.ok, 0);
  const ms = rounds.reduce((n, r) => n + r.durationMs, 0);
  return ms > 0 ? ok / (ms / 1000) : NaN;
}
