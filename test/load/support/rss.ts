// Resident set size and CPU time of child processes, read from /proc (Linux).
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second (USER_HZ), 100 on every Linux Node runs on. */
const TICKS_PER_SECOND = 100;

/** CPU time `pid` has used so far (user + system), ms. */
export function cpuMs(pid: number): number {
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** VmRSS of `pid` in bytes: what the process holds in RAM, native memory (Temporal's core, buffers) included. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

export interface RssSample {
  /** Since sampling started. */
  atMs: number;
  bytes: number;
}

/** Samples every process in `pids` every `everyMs` until `stop()`, which returns the samples per name. */
export function sampleRss<Name extends string>(pids: Record<Name, number>, everyMs: number) {
  const names = Object.keys(pids) as Name[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as RssSample[]])) as Record<Name, RssSample[]>;
  const started = performance.now();
  const take = () => {
    const atMs = performance.now() - started;
    for (const name of names) samples[name].push({ atMs, bytes: rssBytes(pids[name]) });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop(): Record<Name, RssSample[]> {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

export const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
export const growthPct = (from: number, to: number) => Math.round(((to - from) / from) * 1000) / 10;

/** The process whose command line holds every one of `parts` (e.g. the dev server of the test run); undefined if none. */
export function findPid(parts: readonly string[]): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (parts.every((part) => args.includes(part))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
