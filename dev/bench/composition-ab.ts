// Compares the CPU per request of Baton's composition in this checkout with another checkout of Baton (a
// commit before a change), both serving GET /profiles at once: each at the same open-loop rate, over the
// same windows, beside the hand-written baseline. Rounds that take turns swing ±10% on this machine as
// the hour changes (docs/benchmark-journal.md); served at once, two copies of the same code stay within ±3%, so a
// change of a few percent can be told from noise. Not part of `npm run bench`: a tool for judging a change.
//
//   git worktree add /tmp/before <commit> && ln -s "$PWD/node_modules" /tmp/before/
//   npm run bench:composition-ab -- /tmp/before
//
// AB_RATE (requests/s to each, default 350), AB_ROUNDS (default 8), AB_WINDOW_MS (default 4000). Beside the CPU:
// each process's GC pauses over the same windows. AB_BEFORE_NODE runs the other checkout on another Node binary:
// with this checkout as the other one, it compares two Node versions on the same code.
//
//   AB_BEFORE_NODE=/usr/bin/node npm run bench:composition-ab -- .
import { resolve } from 'node:path';
import { API_NODE_FLAGS } from '../../api/node-flags';
import { startChild, type Child } from './lib/children';
import { takeGcPauses, type GcPause } from './lib/gc-pauses';
import { httpTarget, OpenLoop, type Target } from './lib/open-loop';
import { BENCH_TOKEN, type BackendUrls } from './composition/shared';

const before = process.argv[2];
if (!before) throw new Error('usage: npm run bench:composition-ab -- <path of the other checkout>');
const rate = Number(process.env.AB_RATE ?? 350);
const rounds = Number(process.env.AB_ROUNDS ?? 8);
const windowMs = Number(process.env.AB_WINDOW_MS ?? 4000);

interface Contender {
  name: string;
  child: Child<{ url: string }>;
  target: Target;
  usPerRequest: number[];
  /** Its GC pauses over the windows; undefined for a checkout from before the servers reported them. */
  pauses: GcPause[] | undefined;
}

const path = (i: number) => `/profiles/u-${(i % 1000) + 1}`;
const backends = await startChild<{ urls: BackendUrls }>({
  entry: 'dev/bench/composition/backends.ts',
  ready: 'json',
  env: { BENCH_BACKEND_LATENCY_MS: '20' },
});
const env = { BENCH_BACKENDS: JSON.stringify(backends.ready.urls), BENCH_VARIANT: 'app' };
const contenders: Contender[] = [];
async function contender(name: string, entry: string, auth: boolean, execPath?: string): Promise<void> {
  const child = await startChild<{ url: string }>({ entry, ready: 'json', env, nodeArgs: API_NODE_FLAGS, ...(execPath && { execPath }) });
  const target = httpTarget(child.ready.url, path, auth ? { authorization: `Bearer ${BENCH_TOKEN}` } : undefined);
  const pauses = await takeGcPauses(child.child, 2000).catch(() => undefined);
  contenders.push({ name, child, target, usPerRequest: [], pauses: pauses && [] });
}
try {
  await contender('before', resolve(before, 'dev/bench/composition/baton.ts'), true, process.env.AB_BEFORE_NODE);
  await contender('after', 'dev/bench/composition/baton.ts', true);
  await contender('baseline', 'dev/bench/composition/baseline.ts', false);
  if (process.env.AB_BEFORE_NODE) console.log(`before on ${process.env.AB_BEFORE_NODE}; after and the baseline on Node ${process.version}`);
  console.log(`warming up; then ${rounds} windows of ${windowMs / 1000} s, ${rate} req/s to each at once`);
  await Promise.all(contenders.map((c) => new OpenLoop(c.target).run(1000, 4000)));
  let measuredMs = 0;
  for (let r = 0; r < rounds; r++) {
    await Promise.all(contenders.map((c) => (c.pauses ? takeGcPauses(c.child.child) : Promise.resolve([]))));
    const startedAt = performance.now();
    const cpuBefore = contenders.map((c) => c.child.cpuSeconds());
    const results = await Promise.all(contenders.map((c) => new OpenLoop(c.target).run(rate, windowMs)));
    contenders.forEach((c, i) => {
      const result = results[i];
      if (!result) throw new Error(`${c.name}: no result`);
      // A failure says the machine was past what the three together can serve: lower AB_RATE.
      if (result.failed + result.unfinished > 0) console.log(`  ${c.name}: ${result.failed} failed, ${result.unfinished} unfinished in window ${r + 1}`);
      c.usPerRequest.push(((c.child.cpuSeconds() - (cpuBefore[i] ?? 0)) * 1e6) / result.sent);
    });
    measuredMs += performance.now() - startedAt;
    for (const c of contenders) if (c.pauses) c.pauses.push(...(await takeGcPauses(c.child.child)));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const [b, a, base] = contenders.map((c) => c.usPerRequest) as [number[], number[], number[]];
  const ratios = a.map((x, i) => x / (b[i] ?? NaN));
  console.log(`CPU per request, medians: before ${median(b).toFixed(0)} µs, after ${median(a).toFixed(0)} µs, baseline ${median(base).toFixed(0)} µs`);
  console.log(`after ÷ before, window by window: ${ratios.map((x) => x.toFixed(3)).join(' ')}; median ${median(ratios).toFixed(3)}`);
  // What a request in flight waits out: scavenges copy what is alive, so their length follows what requests keep.
  const gc = (c: Contender) => {
    if (!c.pauses) return `${c.name} not reported`;
    const ms = c.pauses.map((p) => p.ms);
    return `${c.name} ${(ms.length / (measuredMs / 1000)).toFixed(1)}/s of ${median(ms).toFixed(2)} ms (max ${Math.max(...ms).toFixed(1)})`;
  };
  console.log(`GC pauses, median length: ${contenders.map(gc).join('; ')}`);
  console.log(
    `÷ baseline: before ${median(b.map((x, i) => x / (base[i] ?? NaN))).toFixed(3)}, after ${median(a.map((x, i) => x / (base[i] ?? NaN))).toFixed(3)}`,
  );
} finally {
  for (const c of contenders) {
    await c.target.close();
    await c.child.stop();
  }
  await backends.stop();
}
