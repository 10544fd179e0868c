// `npm run build` makes two bundles of the same workflows: the traced one (OpenTelemetry's workflow
// interceptors) and the untraced one a worker without tracing runs. Neither carries zod, and both have the
// SDK load Baton's workflow modules once per workflow thread: a module the SDK is not told to preload runs
// again for each workflow started and stays in memory with each one cached.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untracedBundlePath, workflowSource, workflowsPath, writeWorkflowBundles } from '../../../worker/workflow-source';

let dir: string;
let paths: { traced: string; untraced: string };
/** The modules webpack put in a bundle, by path. */
const modulesOf = async (path: string) => [...(await readFile(path, 'utf8')).matchAll(/\/\*\*\*\/ "(\.\/[^"]+)"/g)].map((m) => m[1] as string);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-bundles-'));
  paths = await writeWorkflowBundles(join(dir, 'workflow-bundle.js'), new DefaultLogger('ERROR'));
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('workflow bundles', () => {
  it('writes the untraced bundle beside the traced one', () => {
    expect(paths).toEqual({ traced: join(dir, 'workflow-bundle.js'), untraced: join(dir, 'workflow-bundle.untraced.js') });
    expect(untracedBundlePath('/app/dist/bundle')).toBe('/app/dist/bundle.untraced.js');
  });

  it('only the traced bundle carries the OpenTelemetry interceptors; both carry the order workflow', async () => {
    const traced = await modulesOf(paths.traced);
    const untraced = await modulesOf(paths.untraced);
    const otel = (modules: string[]) => modules.filter((m) => m.includes('opentelemetry'));
    expect(otel(traced).length).toBeGreaterThan(0);
    expect(otel(untraced)).toEqual([]);
    for (const modules of [traced, untraced]) expect(modules).toContain('./workflows/order-workflow.ts');
  });

  it('neither carries zod nor the contracts that build zod schemas', async () => {
    for (const path of [paths.traced, paths.untraced]) {
      const modules = await modulesOf(path);
      expect(modules.filter((m) => m.includes('node_modules/zod/') || /^\.\/contracts\/(index|order|define-workflow|downstream|ids)\.ts$/.test(m))).toEqual([]);
      expect(modules).toContain('./contracts/order-basics.ts');
    }
  });

  it("both preload Baton's workflow modules, and so does a worker that bundles at start", async () => {
    for (const path of [paths.traced, paths.untraced]) {
      const code = await readFile(path, 'utf8');
      const preload = /exports\.preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(code)?.[1] ?? '';
      expect(preload).toContain('"./workflows/index.ts"');
    }
    expect(workflowSource()).toEqual({ workflowsPath, bundlerOptions: { preloadModules: [workflowsPath] } });
  });

  it('a worker without tracing runs the untraced bundle; with tracing, or without a sibling, the one given', () => {
    expect(workflowSource(paths.traced, { traced: false })).toEqual({ workflowBundle: { codePath: paths.untraced } });
    expect(workflowSource(paths.traced, { traced: true })).toEqual({ workflowBundle: { codePath: paths.traced } });
    expect(workflowSource(paths.untraced, { traced: false })).toEqual({ workflowBundle: { codePath: paths.untraced } });
    expect(() => workflowSource(join(dir, 'missing.js'))).toThrow(/does not exist; run npm run build/);
  });
});
