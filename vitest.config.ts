import { defineConfig } from 'vitest/config';
import WaitsLongestFirst from './test/support/sequencer';

export default defineConfig({
  test: {
    // The JSON report lets CI print one plain "N passed, N failed" line.
    // The load tier (npm run test:load) writes its own, so that it never overwrites npm test's.
    reporters: ['default', ['json', { outputFile: process.env.VITEST_JSON_REPORT ?? '.data/test-results.json' }]],
    // Within each project, the files that wait longest on the clock start first (test/support/sequencer.ts).
    sequence: { sequencer: WaitsLongestFirst },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Type tests (test/types/*.test-d.ts): the typed client refuses wrong names and payloads.
          typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'] },
          // Fast unit tests first, then the integration project with its own worker limit.
          sequence: { groupOrder: 0 },
          // Both cores, and one module cache per worker rather than per file: most of a unit file's time was
          // importing the SDK, Hono and zod again (108 s for the project instead of 40). A file that mocks a
          // module loads what uses it afresh (test/unit/api/auth.test.ts).
          maxWorkers: 2,
          isolate: false,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Files share one dev server; two cores are enough for two files at a time.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          environment: 'node',
          // One workflow bundle for every worker process the cases start and kill, so a restarted worker polls
          // within seconds instead of bundling again.
          globalSetup: ['test/support/workflow-bundle.ts'],
          testTimeout: 240_000,
          hookTimeout: 120_000,
          // Each case runs its own Temporal, services, workers and API and kills some of them; two at a time, last
          // (the minute-long outage case then overlaps the others: about 105 s for the project instead of 200).
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
      {
        test: {
          name: 'load',
          include: ['test/load/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // Rising load, a dead Temporal and a two-minute RSS soak on real processes: alone, so the figures are its own.
          // Not part of npm test (it would take it past 10 minutes): npm run test:load, which CI runs after it.
          maxWorkers: 1,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});
