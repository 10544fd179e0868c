// Everything measured runs in a child process of its own (API, workers, services, composition
// contenders), so that none shares an event loop with the load driver, and its CPU and memory can
// be read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface Child<T> {
  child: ChildProcess;
  pid: number;
  ready: T;
  /** CPU seconds (user + system) the process has used so far. */
  cpuSeconds(): number;
  /** Resident set size now, in MiB. */
  rssMB(): number;
  /** Asks the process to stop (IPC disconnect, then SIGTERM, then SIGKILL) and waits for it. */
  stop(): Promise<void>;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses): [0] is the state, [1] the parent PID. */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds (user + system) of a process from its /proc/<pid>/stat text; `reapedChildren` adds what its reaped children used. */
export function cpuSecondsFromStat(stat: string, { reapedChildren = false } = {}): number {
  const f = statFields(stat);
  const ticks = Number(f[11]) + Number(f[12]) + (reapedChildren ? Number(f[13]) + Number(f[14]) : 0);
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds (user + system) a process has used so far. */
export function processCpuSeconds(pid: number): number {
  return cpuSecondsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** CPU seconds (user + system) this process (the benchmark's driver) has used so far, to the microsecond. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * For a server that is not a Node child of ours (nginx, whose master forks its worker): CPU seconds of
 * `pid`, of its children that have exited (and were reaped), and of its live direct children. One
 * level deep; NaN when `pid` is gone.
 */
export function processTreeCpuSeconds(pid: number): number {
  let total: number;
  try {
    total = cpuSecondsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), { reapedChildren: true });
  } catch {
    return NaN;
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (statFields(stat)[1] === String(pid)) total += cpuSecondsFromStat(stat);
    } catch {
      // Gone between the listing and the read.
    }
  }
  return total;
}

export interface ChildOptions {
  /** Relative to the repository root. */
  entry: string;
  env?: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof when profiling. */
  nodeArgs?: readonly string[];
  /** The Node binary to run it with; this process's own by default. */
  execPath?: string;
  /** How long the process may take to be ready. */
  timeoutMs?: number;
}

/**
 * Starts `entry` and resolves once it is ready: `json` when its first JSON line on stdout says so
 * (the bench's own helpers), or a pattern its log output matches (the real roles, e.g. worker/main.ts),
 * resolving with the match. Output after that is drained and dropped; errors go to our stderr.
 */
export function startChild<T>(options: ChildOptions & { ready: 'json' }): Promise<Child<T>>;
export function startChild(options: ChildOptions & { ready: RegExp }): Promise<Child<RegExpExecArray>>;
export async function startChild<T>(options: ChildOptions & { ready: 'json' | RegExp }): Promise<Child<T | RegExpExecArray>> {
  const child = spawn(options.execPath ?? process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', options.entry], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  // Our IPC channel must not keep this process alive, nor the children's pipes.
  child.channel?.unref();
  let recent = '';
  const keep = (line: string) => (recent = `${recent}${line}\n`.slice(-4000));
  createInterface({ input: child.stderr! }).on('line', keep);
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<T | RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.entry} was not ready within ${options.timeoutMs ?? 60_000} ms; last output:\n${recent}`));
    }, options.timeoutMs ?? 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.entry} exited with ${code} before it was ready; last output:\n${recent}`));
    });
    let seen = false;
    lines.on('line', (line) => {
      keep(line);
      if (seen) return;
      if (options.ready === 'json') {
        if (!line.startsWith('{')) return;
        seen = true;
        resolve(JSON.parse(line) as T);
      } else {
        const match = options.ready.exec(line);
        if (!match) return;
        seen = true;
        resolve(match);
      }
      clearTimeout(timer);
    });
  });
  let stopping = false;
  child.removeAllListeners('exit');
  child.on('exit', (code, signal) => {
    if (!stopping && code !== 0) process.stderr.write(`${options.entry} exited unexpectedly (${code ?? signal}); last output:\n${recent}\n`);
  });
  const pid = child.pid!;
  return {
    child,
    pid,
    ready,
    cpuSeconds: () => processCpuSeconds(pid),
    rssMB() {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return Number(match?.[1] ?? NaN) / 1024;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      const exited = once(child, 'exit');
      // Closing the IPC channel lets the child exit normally (and write a CPU profile if asked to).
      if (child.connected) child.disconnect();
      else child.kill('SIGTERM');
      const term = setTimeout(() => child.kill('SIGTERM'), 5_000);
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(term);
      clearTimeout(kill);
    },
  };
}
