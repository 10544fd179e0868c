// Bundles workflow code against a stand-in for `@temporalio/workflow` (a module that re-exports it and overrides
// a few functions): the replay test's unguarded patches, the saga-costs benchmark's switched-off features.
import type { BundleOptions } from '@temporalio/worker';

/** A webpack hook that resolves `import … from '@temporalio/workflow'` (exactly that name) to `standInPath`. */
export const withWorkflowStandIn =
  (standInPath: string): NonNullable<BundleOptions['webpackConfigHook']> =>
  (config) => ({
    ...config,
    resolve: {
      ...config.resolve,
      alias: { ...(config.resolve?.alias as Record<string, string | false> | undefined), '@temporalio/workflow$': standInPath },
    },
  });
