// Real child processes for tests: the worker, the API or the services, each as `npm run` would start it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { SERVICE_ENV, SERVICE_NAMES, type ServiceName } from '../../config/env';
import { TEST_PAYLOAD_KEYS } from './payload-keys';
import { API_NODE_FLAGS } from '../../api/node-flags';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** The node flags a role's entry runs with, as its `npm run` script passes them. */
const NODE_FLAGS: Record<string, readonly string[]> = { 'api/main.ts': API_NODE_FLAGS };

/** USERS_URL and the others, for a worker or API child that should call these services. */
export const serviceUrlEnv = (urls: Readonly<Record<ServiceName, string>>): Record<string, string> =>
  Object.fromEntries(SERVICE_NAMES.map((name) => [SERVICE_ENV[name].urlVar, urls[name]]));

/** Where a test's worker polls: a Temporal server, a namespace and the test's own task queue. */
export interface WorkerTarget {
  address: string;
  namespace: string;
  taskQueue: string;
}

/** What `npm run worker` logs once it polls (both lanes: worker/main.ts). */
export const WORKER_READY = /worker polling task queue/;

/**
 * `npm run worker` as a child process polling `target` and calling these services; `env` adds its settings.
 * It runs the project's prebuilt workflow bundle (test/support/workflow-bundle.ts) when there is one.
 */
export function startWorkerChild(target: WorkerTarget, urls: Readonly<Record<ServiceName, string>>, env: Record<string, string> = {}): ChildHandle {
  const bundle = inject('workflowBundle');
  return startChild('worker/main.ts', {
    TEMPORAL_ADDRESS: target.address,
    TEMPORAL_NAMESPACE: target.namespace,
    TEMPORAL_TASK_QUEUE: target.taskQueue,
    ...(bundle !== undefined && { BATON_WORKFLOW_BUNDLE: bundle }),
    ...serviceUrlEnv(urls),
    ...env,
  });
}

export interface ChildHandle {
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves once the output matches, rejects if the process exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends the signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

export function startChild(entry: string, env: Record<string, string>, options: { ipc?: boolean; args?: readonly string[] } = {}): ChildHandle {
  const child = spawn(process.execPath, [...(NODE_FLAGS[entry] ?? []), '--import', 'tsx', entry, ...(options.args ?? [])], {
    cwd: repoRoot,
    // The test payload keys unless the test sets its own: the roles refuse to start without keys.
    env: { ...process.env, LOG_LEVEL: 'info', BATON_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  return {
    child,
    output: () => out,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise<string>((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(out);
          if (m) {
            cleanup();
            resolve(m[0]);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern} from ${entry}; output:\n${out}`));
        }, timeoutMs);
        const onExit = () => {
          cleanup();
          reject(new Error(`${entry} exited before printing ${pattern}; output:\n${out}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', onExit);
        };
        waiters.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const [code] = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Resolves with the exit code of a process expected to end on its own. */
export async function exitCode(handle: ChildHandle, timeoutMs = 30_000): Promise<number | null> {
  if (handle.child.exitCode !== null) return handle.child.exitCode;
  const timer = setTimeout(() => handle.child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(handle.child, 'exit')) as [number | null];
  clearTimeout(timer);
  return code;
}

/** `npm run api` as a child process (api/main.ts), resolved with its base URL once it listens. */
export async function startApiChild(env: Record<string, string>, timeoutMs = 30_000): Promise<{ handle: ChildHandle; url: string }> {
  const handle = startChild('api/main.ts', env);
  const line = await handle.waitFor(/api listening on http:\/\/127\.0\.0\.1:\d+/, timeoutMs);
  return { handle, url: line.slice(line.indexOf('http://')) };
}
