// The composition benchmark sets its added latency beside the servers' GC pauses: which requests were in
// flight during a pause, and what the others' added latency was (each request's send and answer times:
// bench-added-latency.test.ts).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gcPauseEffect, summarizeGcPauses, takeGcPauses, type GcPause } from '../../../dev/bench/lib/gc-pauses';

const requests = (spans: [number, number, number][]) => ({
  from: Float64Array.from(spans, ([from]) => from),
  to: Float64Array.from(spans, ([, to]) => to),
  added: Float64Array.from(spans, ([, , added]) => added),
});

describe('gcPauseEffect', () => {
  const pauses: GcPause[] = [
    { at: 1_100, ms: 4, kind: 'scavenge' },
    { at: 1_500, ms: 10, kind: 'mark-compact' },
  ];

  it('counts a request in flight during any part of a pause, and keeps the added latency of the others', () => {
    const effect = gcPauseEffect({
      pauses,
      durationMs: 2_000,
      requests: requests([
        [1_080, 1_101, 9], // its end falls in the first pause
        [1_102, 1_103, 8], // within it
        [1_000, 1_600, 7], // spans both
        [1_104, 1_120, 1], // starts as the first one ends
        [1_200, 1_499, 2], // ends before the second begins
        [1_510, 1_530, 3], // starts as the second ends
      ]),
    });
    expect(effect.overlapping).toBe(3);
    expect(effect.timed).toBe(6);
    expect([...effect.addedOutsidePauses]).toEqual([1, 2, 3]);
    expect(effect.scavenges).toBe(1);
    expect(effect.otherPauses).toBe(1);
    expect(effect.pausedShare).toBeCloseTo(14 / 2_000);
    expect([...effect.pauseMs]).toEqual([4, 10]);
  });

  it('adds up stretches: pauses per second, shares of time and of requests', () => {
    const quiet = gcPauseEffect({ pauses: [], durationMs: 1_000, requests: requests([[0, 20, 5]]) });
    const busy = gcPauseEffect({ pauses, durationMs: 1_000, requests: requests([[1_100, 1_120, 30]]) });
    const summary = summarizeGcPauses([quiet, busy]);
    expect(summary.pausesPerSecond).toBe(1);
    expect(summary.pausedShare).toBeCloseTo(14 / 2_000);
    expect(summary.overlappingShare).toBe(0.5);
    expect(summary.addedOutsidePausesMs).toMatchObject({ n: 1, p50: 5, max: 5 });
    expect(summary.pauseMs).toMatchObject({ n: 2, max: 10 });
  });
});

describe('GC pauses of a child process', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('hands over the pauses it made since the last take, with times comparable to ours', async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-gc-pauses-'));
    const script = join(dir, 'child.ts');
    const module = new URL('../../../dev/bench/lib/gc-pauses.ts', import.meta.url).pathname;
    // A major collection on demand: the child collects when told, and says when it has.
    writeFileSync(
      script,
      `import { recordGcPauses } from ${JSON.stringify(module)};
recordGcPauses();
process.on('message', (m) => { if (m === 'collect') { globalThis.gc(); process.send('collected'); } });
process.send('ready');
process.on('disconnect', () => process.exit(0));
`,
    );
    const child = fork(script, [], { execArgv: ['--expose-gc', '--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    try {
      await once(child, 'message');
      await takeGcPauses(child); // whatever loading the module cost
      const asked = performance.timeOrigin + performance.now();
      child.send('collect');
      await once(child, 'message');
      const pauses = await takeGcPauses(child);
      const collected = pauses.filter((p) => p.kind === 'mark-compact');
      expect(collected.length).toBeGreaterThanOrEqual(1);
      expect(collected[0]!.at).toBeGreaterThan(asked - 5); // clocks of two processes: within a few ms
      expect(collected[0]!.ms).toBeGreaterThan(0);
      expect(await takeGcPauses(child)).toEqual([]); // taken once
    } finally {
      child.disconnect();
      await once(child, 'exit');
    }
  });
});
