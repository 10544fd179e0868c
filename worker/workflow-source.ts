import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';
import { failureConverterPath } from '../lib/payload-codec';
import { otelWorkflowInterceptorModule } from './tracing';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
export const defaultBundlePath = fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url));

/**
 * Baton's workflow modules, evaluated once per workflow thread instead of once per run. In the SDK's reused
 * V8 context each run otherwise evaluates its own copy of every module it imports that the SDK did not load
 * first (the whole of workflows/ and the contracts it uses) and keeps it while cached: about 40 KiB of the
 * worker's memory per waiting order (188 against 131-165 KiB) and 0.3-0.6 ms of CPU per run
 * (docs/benchmark-journal.md). Safe because those modules hold nothing per run: constants, signal and query
 * definitions, pure functions, and a cache of each currency's digits, which never change. The SDK
 * deep-freezes what is shared, so a run cannot change it.
 */
const preloadModules: readonly string[] = [workflowsPath];

/** What a bundle of Baton's workflows is made from, the same for production, the tests and the benchmarks. */
export function workflowBundleOptions(logger?: BundleOptions['logger']): BundleOptions {
  return { workflowsPath, failureConverterPath, preloadModules: [...preloadModules], ...(logger && { logger }) };
}

/**
 * The bundle a worker without tracing runs, beside the traced one: `workflow-bundle.js` →
 * `workflow-bundle.untraced.js`. The OpenTelemetry workflow interceptors cost a sixth of an order's
 * throughput and much of a cached workflow's memory even with nothing to export (docs/benchmark-journal.md).
 */
export function untracedBundlePath(bundlePath: string): string {
  return bundlePath.replace(/(\.js)?$/, '.untraced.js');
}

/**
 * `npm run build`: the traced bundle at `path` and the untraced one beside it. Both run the same workflow
 * code (interceptors add no commands), so either replays the other's histories.
 */
export async function writeWorkflowBundles(path: string, logger?: BundleOptions['logger']): Promise<{ traced: string; untraced: string }> {
  const options = workflowBundleOptions(logger);
  const [traced, untraced] = await Promise.all([
    bundleWorkflowCode({ ...options, workflowInterceptorModules: [otelWorkflowInterceptorModule] }),
    bundleWorkflowCode(options),
  ]);
  const paths = { traced: path, untraced: untracedBundlePath(path) };
  await mkdir(dirname(path), { recursive: true });
  await Promise.all([writeFile(paths.traced, traced.code), writeFile(paths.untraced, untraced.code)]);
  return paths;
}

/**
 * A prebuilt bundle when one is given (production), else bundle the sources at start (development).
 * A worker without tracing runs the untraced bundle beside the given one, when there is one.
 */
export function workflowSource(
  bundlePath?: string,
  { traced = true }: { traced?: boolean } = {},
): { workflowBundle: { codePath: string } } | { workflowsPath: string; bundlerOptions: { preloadModules: string[] } } {
  if (bundlePath) {
    if (!existsSync(bundlePath)) throw new Error(`BATON_WORKFLOW_BUNDLE=${bundlePath} does not exist; run npm run build`);
    const untraced = untracedBundlePath(bundlePath);
    return { workflowBundle: { codePath: !traced && existsSync(untraced) ? untraced : bundlePath } };
  }
  return { workflowsPath, bundlerOptions: { preloadModules: [...preloadModules] } };
}
