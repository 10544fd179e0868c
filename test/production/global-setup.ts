// Before any case: Temporal's server binaries (copied from the machine's cache, or built: about 5 minutes
// the first time) and one workflow bundle for every worker process the cases start and kill.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { ensureTemporalServerBinaries } from '../../dev/temporal/temporal-cluster';
import provideWorkflowBundle from '../support/workflow-bundle';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalServerBinDir: string;
  }
}

/** Its teardown is the function it returns. */
export function setup(project: TestProject): Promise<() => Promise<void>> {
  project.provide('temporalServerBinDir', ensureTemporalServerBinaries());
  return provideWorkflowBundle(project);
}
