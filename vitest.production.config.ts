// `npm run test:production`: the production tier, apart from `npm test` (CI runs it after the README's test
// command). Baton on a real Temporal cluster: Temporal's own server on PostgreSQL, one process per role,
// two API processes and three worker processes, broken in every way a deployment breaks (test/production).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'production',
    include: ['test/production/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/production/global-setup.ts'],
    // One cluster for every case, which kills parts of it: one file, one case at a time.
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    reporters: ['default', ['json', { outputFile: '.data/production-test-results.json' }]],
  },
});
