// Each contender and the backends run in a child process of their own, so that neither shares an
// event loop with the load generator.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface Child<T> {
  child: ChildProcess;
  ready: T;
  /** CPU seconds (user + system) the process has used so far. */
  cpuSeconds(): number;
  stop(): void;
}

const CLOCK_TICKS_PER_SECOND = 100;

export interface ChildOptions {
  env?: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof when profiling. */
  nodeArgs?: string[];
}

export async function startChild<T>(file: string, options: ChildOptions = {}): Promise<Child<T>> {
  const entry = fileURLToPath(new URL(file, import.meta.url));
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', entry], {
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<T>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before it was ready`)));
    // The first JSON line is the ready message; anything else (e.g. --trace-gc) is passed on to stderr.
    let seen = false;
    lines.on('line', (line) => {
      if (!seen && line.startsWith('{')) {
        seen = true;
        resolve(JSON.parse(line) as T);
      } else process.stderr.write(`${line}\n`);
    });
  });
  const pid = child.pid!;
  return {
    child,
    ready,
    cpuSeconds() {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
    },
    stop() {
      // Closing the IPC channel lets the child exit normally (and write a CPU profile if asked to).
      if (child.connected) child.disconnect();
      else child.kill('SIGTERM');
    },
  };
}
