// The shared stdout logger writes lines in batches: none may be held back for long in a process that keeps
// running, and none may be lost when the process exits.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startChild } from '../../support/processes';

/** test/fixtures/log-lines.ts run as `how` says; `exited` once it has exited and all of its output is read. */
function logLines(how: 'lone' | 'exit' | 'end') {
  const handle = startChild('test/fixtures/log-lines.ts', {}, { args: [how] });
  // 'close', not 'exit': the pipe may still hold output when the process has exited.
  const exited = once(handle.child, 'close') as Promise<[number | null]>;
  const numbers = () =>
    handle
      .output()
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { i: number }).i);
  return { handle, exited, numbers };
}

describe('stdout logger', () => {
  it('writes a lone line out while the process keeps running (a batch is never left waiting for more lines)', async () => {
    const { handle } = logLines('lone');
    try {
      const line = await handle.waitFor(/\{[^\n]*lone-line[^\n]*\}/, 3000);
      expect(JSON.parse(line)).toMatchObject({ name: 'test', msg: 'one request', marker: 'lone-line' });
    } finally {
      await handle.stop('SIGKILL');
    }
  });

  it('writes every line logged before process.exit', async () => {
    const { exited, numbers } = logLines('exit');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(numbers()).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('writes every line logged before the process ends by itself', async () => {
    const { exited, numbers } = logLines('end');
    await exited;
    expect(numbers()).toEqual([0, 1, 2]);
  });
});
