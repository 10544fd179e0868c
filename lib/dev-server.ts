// Starts a real `temporal server start-dev` through the SDK, so that the same code serves the
// launcher (persistent SQLite file, Web UI) and the tests (in-memory, random port).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveTemporalCli } from './temporal-binaries';

export interface DevServerOptions {
  /** SQLite file that keeps runs across restarts; in-memory when absent. */
  dbFilename?: string;
  ip?: string;
  /** Frontend port; a free one when absent. */
  port?: number;
  /** Web UI port; no UI when absent. */
  uiPort?: number;
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export interface DevServer {
  address: string;
  namespace: string;
  source: string;
  env: TestWorkflowEnvironment;
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = resolveTemporalCli();
  const namespace = options.namespace ?? 'default';
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: cli.executable,
      ip: options.ip ?? '127.0.0.1',
      namespace,
      ...(options.port !== undefined && { port: options.port }),
      ...(options.dbFilename !== undefined && { dbFilename: options.dbFilename }),
      ...(options.uiPort !== undefined && { ui: true, uiPort: options.uiPort }),
      log: { format: 'json', level: options.logLevel ?? 'warn' },
    },
  });
  return {
    address: env.address,
    namespace,
    source: cli.source,
    env,
    stop: () => env.teardown(),
  };
}
