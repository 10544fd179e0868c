// The shared stdout logger writes lines in batches: none may be held back for long in a process that keeps
// running, and none may be lost when the process exits.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const loggerModule = fileURLToPath(new URL('../../../lib/logger.ts', import.meta.url));

/** Runs `body` in a fresh Node process with `logger` (createLogger('test')) in scope; gives its stdout lines as they come. */
function runWithLogger(body: string) {
  const code = `const { createLogger } = await import(${JSON.stringify(loggerModule)}); const logger = createLogger('test', 'info'); ${body}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let partial = '';
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    waiters.splice(0).forEach((wake) => wake());
  });
  const exited = once(child, 'exit');
  return {
    lines,
    exited,
    /** Resolves when a line matching `pattern` has been written, or rejects after `ms`. */
    async lineMatching(pattern: RegExp, ms: number): Promise<string> {
      const deadline = Date.now() + ms;
      for (;;) {
        const line = lines.find((l) => pattern.test(l));
        if (line) return line;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no line matching ${pattern} within ${ms} ms; got ${lines.length} lines`);
        await new Promise<void>((wake) => {
          waiters.push(wake);
          setTimeout(wake, left).unref();
        });
      }
    },
    kill: () => child.kill('SIGKILL'),
  };
}

describe('stdout logger', () => {
  it('writes a lone line out while the process keeps running (a batch is never left waiting for more lines)', async () => {
    const run = runWithLogger(`logger.info({ marker: 'lone-line' }, 'one request'); setInterval(() => {}, 1000);`);
    try {
      const line = await run.lineMatching(/lone-line/, 3000);
      expect(JSON.parse(line)).toMatchObject({ name: 'test', msg: 'one request', marker: 'lone-line' });
    } finally {
      run.kill();
      await run.exited;
    }
  });

  it('writes every line logged before process.exit', async () => {
    const run = runWithLogger(`for (let i = 0; i < 2000; i++) logger.info({ i }, 'line'); process.exit(0);`);
    const [code] = (await run.exited) as [number | null];
    expect(code).toBe(0);
    const numbers = run.lines.map((l) => (JSON.parse(l) as { i: number }).i);
    expect(numbers).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('writes every line logged before the process ends by itself', async () => {
    const run = runWithLogger(`for (let i = 0; i < 3; i++) logger.info({ i }, 'line');`);
    await run.exited;
    expect(run.lines.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([0, 1, 2]);
  });
});
