// Worker Versioning (Temporal's Worker Deployments): every worker declares a deployment version
// (BATON_DEPLOYMENT_NAME + BATON_BUILD_ID) and Baton's workflows are PINNED to the version that started
// them, so an order waiting days for a bank transfer finishes on the build it began on. The server sends
// new orders only to the deployment's *current* version. With BATON_PROMOTE_BUILD=auto (the default) a
// worker makes its build current when no version is, or when its build first appeared after the last
// routing decision: a new build takes over, while an old replica that restarts, or a build an operator
// rolled back from, does not take it back. `never` leaves it to `temporal worker deployment
// set-current-version` or a ramp. docs/versioning.md has the rollout.
import { readFileSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { NativeConnection, WorkerDeploymentOptions } from '@temporalio/worker';
import type { Logger } from '../lib/logger';
import { grpcCodeOf, shellWord } from '../lib/namespace-setup';
import { aborted } from './namespace';

export type PromoteBuild = 'auto' | 'never';

export interface WorkerDeployment {
  deploymentName: string;
  buildId: string;
}

/** Without BATON_BUILD_ID, the package's version: restarts of one release stay one build (changes then need `patched()`). */
export function defaultBuildId(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** What Worker.create takes: versioned, and every workflow pinned to this build. */
export function deploymentOptions(deployment: WorkerDeployment): WorkerDeploymentOptions {
  return { version: deployment, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' };
}

/** The command that makes a build current, for logs and docs. */
export function setCurrentCommand(namespace: string, deployment: WorkerDeployment): string {
  const words = ['--namespace', namespace, '--deployment-name', deployment.deploymentName, '--build-id', deployment.buildId];
  return `temporal worker deployment set-current-version ${words.map(shellWord).join(' ')}`;
}

export interface PromoteOptions {
  namespace: string;
  deployment: WorkerDeployment;
  mode: PromoteBuild;
  log: Pick<Logger, 'info' | 'warn'>;
  /** Ends the wait (shutdown). */
  signal?: AbortSignal;
  /** After how long without success the log says so (default 60 s); the attempts go on. */
  warnAfterMs?: number;
  /** Each call's own budget (default CALL_DEADLINE_MS). */
  callDeadlineMs?: number;
}

const RETRYABLE = new Set<number>([
  status.NOT_FOUND,
  status.FAILED_PRECONDITION,
  status.ABORTED,
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.CANCELLED,
]);
/** Each call's own budget: a server that hangs is asked again, and shutdown never waits on a call. */
const CALL_DEADLINE_MS = 10_000;

export type PromoteOutcome = 'current' | 'not-current' | 'stopped' | 'failed';

/**
 * Runs once the worker polls (the server knows a version only from its pollers). Never throws: a worker
 * whose build could not be made current still serves the orders pinned to it, and the log says what to run.
 */
export async function promoteBuild(
  connection: Pick<NativeConnection, 'workflowService' | 'withDeadline' | 'withAbortSignal'>,
  options: PromoteOptions,
): Promise<PromoteOutcome> {
  const { namespace, deployment, log, signal } = options;
  const call = <T>(rpc: () => Promise<T>): Promise<T> =>
    connection.withDeadline(Date.now() + (options.callDeadlineMs ?? CALL_DEADLINE_MS), () => (signal ? connection.withAbortSignal(signal, rpc) : rpc()));
  const { deploymentName, buildId } = deployment;
  const command = setCurrentCommand(namespace, deployment);
  const started = Date.now();
  let warned = false;
  for (;;) {
    if (options.signal?.aborted) return 'stopped';
    try {
      const { workerDeploymentInfo: info, conflictToken } = await call(() =>
        connection.workflowService.describeWorkerDeployment({ namespace, deploymentName }),
      );
      const mine = info?.versionSummaries?.find((v) => v.deploymentVersion?.buildId === buildId);
      const routing = info?.routingConfig;
      const current = routing?.currentDeploymentVersion?.buildId ?? undefined;
      if (current === buildId) {
        log.info({ deploymentName, buildId }, `build ${buildId} is the current version of deployment ${deploymentName}`);
        return 'current';
      }
      // The last time anyone chose where new runs go (set current, ramp); none yet when no version was ever current.
      const decided = Math.max(optionalTsToMs(routing?.currentVersionChangedTime) ?? 0, optionalTsToMs(routing?.rampingVersionChangedTime) ?? 0);
      const appeared = optionalTsToMs(mine?.createTime) ?? 0;
      const takeOver = options.mode === 'auto' && (current === undefined ? decided === 0 || appeared > decided : appeared > decided);
      if (mine && !takeOver) {
        log.warn(
          { deploymentName, buildId, currentBuildId: current ?? null },
          `build ${buildId} is not current (current: ${current ?? 'none'}): it serves the runs pinned to it; new runs go to ${current ?? 'unversioned workers'} until \`${command}\``,
        );
        return 'not-current';
      }
      if (mine) {
        await call(() =>
          connection.workflowService.setWorkerDeploymentCurrentVersion({
            namespace,
            deploymentName,
            buildId,
            conflictToken,
            identity: `baton-worker ${buildId}`,
          }),
        );
        continue; // describe again: the answer confirms it
      }
    } catch (err) {
      if (signal?.aborted) return 'stopped';
      // NOT_FOUND: no poller of this deployment reached the server yet. FAILED_PRECONDITION/ABORTED: another
      // worker changed the deployment between our describe and our set. UNAVAILABLE: Temporal is down, and
      // the worker's pollers wait for it as well (DEADLINE_EXCEEDED: it hangs). CANCELLED is our own call deadline
      // (the native connection reports it so, "Timeout expired"), since a shutdown returned above: a server that
      // went down mid-call, and a worker that gave up then would leave new orders with no current build for good.
      // Anything else (PERMISSION_DENIED) will not pass by waiting.
      const code = grpcCodeOf(err);
      if (code === undefined || !RETRYABLE.has(code)) {
        log.warn({ err, deploymentName, buildId }, `could not make build ${buildId} current; run \`${command}\``);
        return 'failed';
      }
    }
    // Until a version is current, new orders wait unversioned: keep trying for as long as the worker runs.
    const waited = Date.now() - started;
    if (!warned && waited > (options.warnAfterMs ?? 60_000)) {
      warned = true;
      log.warn({ deploymentName, buildId }, `build ${buildId} is not current yet (still trying); \`${command}\` makes it so`);
    }
    if (await aborted(options.signal, waited < 10_000 ? 250 : 2000)) return 'stopped';
  }
}
