// One workflow bundle for every worker process the chaos cases start and kill (as production's
// BATON_WORKFLOW_BUNDLE), so a restarted worker polls within seconds instead of bundling again.
import type { TestProject } from 'vitest/node';
import { provideWorkflowBundle } from '../support/workflow-bundle';

let removeBundle: (() => Promise<void>) | undefined;

export async function setup(project: TestProject) {
  removeBundle = await provideWorkflowBundle(project);
}

export async function teardown() {
  await removeBundle?.();
}
