import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
export const defaultBundlePath = fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url));

/** A prebuilt bundle when one is given (production), else bundle the sources at start (development). */
export function workflowSource(bundlePath?: string): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  if (bundlePath) {
    if (!existsSync(bundlePath)) throw new Error(`BATON_WORKFLOW_BUNDLE=${bundlePath} does not exist; run npm run build`);
    return { workflowBundle: { codePath: bundlePath } };
  }
  return { workflowsPath };
}
