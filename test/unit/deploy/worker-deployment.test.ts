// When a worker makes its build the deployment's current version (worker/deployment.ts), against a fake
// of the two WorkflowService calls it makes. The real server is in test/integration/platform/worker-versioning.test.ts.
import { status } from '@grpc/grpc-js';
import Long from 'long';
import { describe, expect, it } from 'vitest';
import { promoteBuild, setCurrentCommand, type PromoteBuild } from '../../../worker/deployment';

// As the SDK's protobufs carry them: seconds as a Long.
const at = (ms: number) => ({ seconds: Long.fromNumber(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });

interface World {
  /** buildId → when the server first saw it (ms). */
  versions: Record<string, number>;
  current?: string;
  currentChangedAt?: number;
  rampingChangedAt?: number;
  /** The first describe calls fail with these codes. */
  failFirst?: number[];
}

function fakeServer(world: World) {
  const sets: string[] = [];
  const failures = [...(world.failFirst ?? [])];
  const workflowService = {
    describeWorkerDeployment() {
      const code = failures.shift();
      if (code !== undefined) return Promise.reject(Object.assign(new Error('fake'), { code }));
      return Promise.resolve({
        conflictToken: new Uint8Array([1]),
        workerDeploymentInfo: {
          versionSummaries: Object.entries(world.versions).map(([buildId, created]) => ({ deploymentVersion: { buildId }, createTime: at(created) })),
          routingConfig: {
            currentDeploymentVersion: world.current ? { buildId: world.current } : null,
            currentVersionChangedTime: world.currentChangedAt !== undefined ? at(world.currentChangedAt) : null,
            rampingVersionChangedTime: world.rampingChangedAt !== undefined ? at(world.rampingChangedAt) : null,
          },
        },
      });
    },
    setWorkerDeploymentCurrentVersion({ buildId }: { buildId: string }) {
      sets.push(buildId);
      world.current = buildId;
      world.currentChangedAt = 10_000_000;
      return Promise.resolve({});
    },
  };
  // As NativeConnection does: an aborted signal cancels the call in flight (gRPC CANCELLED).
  const withAbortSignal = <T>(signal: AbortSignal, fn: () => Promise<T>) =>
    Promise.race([
      fn(),
      new Promise<never>((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(Object.assign(new Error('cancelled'), { code: status.CANCELLED }))),
      ),
    ]);
  // As NativeConnection does: a call past its deadline fails as CANCELLED, "Timeout expired".
  const withDeadline = <T>(deadline: number, fn: () => Promise<T>) =>
    Promise.race([
      fn(),
      new Promise<never>((_resolve, reject) =>
        setTimeout(() => reject(Object.assign(new Error('Timeout expired'), { code: status.CANCELLED })), Math.max(0, deadline - Date.now())).unref(),
      ),
    ]);
  return { connection: { workflowService, withAbortSignal, withDeadline } as unknown as Parameters<typeof promoteBuild>[0], sets, workflowService };
}

const silent = { info: () => undefined, warn: () => undefined };
const promote = (world: World, buildId: string, mode: PromoteBuild = 'auto') => {
  const server = fakeServer(world);
  const outcome = promoteBuild(server.connection, { namespace: 'default', deployment: { deploymentName: 'baton', buildId }, mode, log: silent });
  return outcome.then((o) => ({ outcome: o, sets: server.sets }));
};

describe('promoteBuild', () => {
  it('ends at once when the worker stops while the server hangs on a call', async () => {
    const server = fakeServer({ versions: { A: 1000 } });
    server.workflowService.describeWorkerDeployment = () => new Promise(() => undefined);
    const stop = new AbortController();
    const outcome = promoteBuild(server.connection, {
      namespace: 'default',
      deployment: { deploymentName: 'baton', buildId: 'A' },
      mode: 'auto',
      log: silent,
      signal: stop.signal,
    });
    setTimeout(() => stop.abort(), 50);
    expect(await outcome).toBe('stopped');
  });

  it('asks again when a call runs out of time (the server went down mid-call), and gets there', async () => {
    const server = fakeServer({ versions: { A: 1000 } });
    const answer = server.workflowService.describeWorkerDeployment.bind(server.workflowService);
    let calls = 0;
    server.workflowService.describeWorkerDeployment = () => (++calls === 1 ? new Promise(() => undefined) : answer());
    const outcome = await promoteBuild(server.connection, {
      namespace: 'default',
      deployment: { deploymentName: 'baton', buildId: 'A' },
      mode: 'auto',
      log: silent,
      callDeadlineMs: 50,
    });
    expect(outcome).toBe('current');
    expect(server.sets).toEqual(['A']);
  });

  it('makes the first build of a deployment current', async () => {
    expect(await promote({ versions: { A: 1000 } }, 'A')).toEqual({ outcome: 'current', sets: ['A'] });
  });

  it('lets a newer build take over, but not an older one that restarts or one an operator rolled back from', async () => {
    // B appeared after A was made current: a new deploy.
    expect(await promote({ versions: { A: 1000, B: 5000 }, current: 'A', currentChangedAt: 2000 }, 'B')).toEqual({ outcome: 'current', sets: ['B'] });
    // A restarts after B took over: A is older than that decision.
    expect(await promote({ versions: { A: 1000, B: 5000 }, current: 'B', currentChangedAt: 6000 }, 'A')).toEqual({ outcome: 'not-current', sets: [] });
    // The operator rolled back to A at 7000; B (seen at 5000) restarts and must not undo it.
    expect(await promote({ versions: { A: 1000, B: 5000 }, current: 'A', currentChangedAt: 7000 }, 'B')).toEqual({ outcome: 'not-current', sets: [] });
    // A ramp is a decision too.
    expect(await promote({ versions: { A: 1000, C: 8000 }, current: 'A', currentChangedAt: 2000, rampingChangedAt: 9000 }, 'C')).toEqual({
      outcome: 'not-current',
      sets: [],
    });
  });

  it('leaves the decision to an operator with `never`', async () => {
    expect(await promote({ versions: { A: 1000 } }, 'A', 'never')).toEqual({ outcome: 'not-current', sets: [] });
    expect(await promote({ versions: { A: 1000 }, current: 'A' }, 'A', 'never')).toEqual({ outcome: 'current', sets: [] });
  });

  it('waits for the server to see the build, and gives up at once when it is not allowed', async () => {
    expect(await promote({ versions: { A: 1000 }, failFirst: [status.NOT_FOUND, status.UNAVAILABLE] }, 'A')).toEqual({ outcome: 'current', sets: ['A'] });
    expect(await promote({ versions: { A: 1000 }, failFirst: [status.PERMISSION_DENIED] }, 'A')).toEqual({ outcome: 'failed', sets: [] });
  });

  it('names the command that makes a build current', () => {
    expect(setCurrentCommand('prod ns', { deploymentName: 'baton', buildId: '1.2.3' })).toBe(
      "temporal worker deployment set-current-version --namespace 'prod ns' --deployment-name baton --build-id 1.2.3",
    );
  });
});
