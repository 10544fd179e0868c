// One prebuilt workflow bundle per test project, for every worker process its files start, as production runs
// them (BATON_WORKFLOW_BUNDLE, from `npm run build`): a worker that bundles the sources at start spends about
// 3 s of CPU doing it, and the suites start dozens of workers on two cores.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger } from '@temporalio/worker';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { writeWorkflowBundles } from '../../worker/workflow-source';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The traced bundle; the untraced one, which a worker without tracing runs, is beside it. */
    workflowBundle: string;
  }
}

/**
 * Writes the bundles and provides their path to the project's files; the function returned removes them. Also a
 * global setup of its own (the chaos project's): vitest runs the function a setup returns as its teardown.
 */
export default async function provideWorkflowBundle(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-workflow-bundle-'));
  const { traced } = await writeWorkflowBundles(join(dir, 'workflow-bundle.js'), new DefaultLogger('ERROR'));
  project.provide('workflowBundle', traced);
  return () => rm(dir, { recursive: true, force: true });
}
