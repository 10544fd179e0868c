// One workflow bundle for every worker process the chaos cases start and kill (as production's
// BATON_WORKFLOW_BUNDLE), so a restarted worker polls within seconds instead of bundling again.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { writeWorkflowBundle } from '../support/chaos';

declare module 'vitest' {
  export interface ProvidedContext {
    chaosWorkflowBundle: string;
  }
}

let dir: string | undefined;

export async function setup(project: TestProject) {
  dir = await mkdtemp(join(tmpdir(), 'baton-chaos-bundle-'));
  project.provide('chaosWorkflowBundle', await writeWorkflowBundle(dir));
}

export async function teardown() {
  if (dir) await rm(dir, { recursive: true, force: true });
}
