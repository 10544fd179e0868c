// Before any case: Temporal's server binaries (copied from the machine's cache, or built: about 5 minutes
// the first time) and one workflow bundle for every worker process the cases start and kill.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { ensureTemporalServerBinaries } from '../../dev/temporal/temporal-cluster';
import { writeWorkflowBundle } from '../support/chaos';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalServerBinDir: string;
    productionWorkflowBundle: string;
  }
}

let dir: string | undefined;

export async function setup(project: TestProject) {
  project.provide('temporalServerBinDir', ensureTemporalServerBinaries());
  dir = await mkdtemp(join(tmpdir(), 'baton-production-bundle-'));
  project.provide('productionWorkflowBundle', await writeWorkflowBundle(dir));
}

export async function teardown() {
  if (dir) await rm(dir, { recursive: true, force: true });
}
