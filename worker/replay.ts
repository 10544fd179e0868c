// `npm run replay`: before a new workflow bundle is deployed, replay what the cluster ran recently
// against it. Exits 1 on a determinism break, naming the run and the first command that differs, so
// a change that needs patched() (or a new pinned build) is caught before it meets orders in flight.
// It connects as the worker does (TEMPORAL_* and BATON_PAYLOAD_KEYS: inputs must be decrypted to replay).
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import { DefaultLogger, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { registeredWorkflows } from '../contracts';
import { loadEnvOrExit, workerEnv } from '../config/env';
import { createDataConverter } from '../lib/payload-codec';
import { startTelemetry } from '../lib/telemetry';
import { buildOrExit, clientConnectionOptions } from '../lib/temporal-connection';
import { lanesOf } from '../lib/burst-lane';
import { workerTracing } from './tracing';
import { workflowSource } from './workflow-source';

const USAGE = `usage: npm run replay -- [--since 24h] [--limit 100] [--type order]... [--task-queue q] [--bundle path]
  --since       how far back runs may have started (default 24h)
  --limit       at most this many of the most recent runs of each workflow type (default 100)
  --type        a workflow type to replay (default: every registered type); repeatable
  --task-queue  only runs on this task queue (and its burst lane)
  --bundle      the workflow bundle to check (default: BATON_WORKFLOW_BUNDLE, else the sources)`;

/** Exit 2: the replay could not be run (bad arguments, with the usage; or Temporal out of reach). */
function fail(message: string, usage = true): never {
  process.stderr.write(`baton replay: ${message}\n${usage ? `${USAGE}\n` : ''}`);
  process.exit(2);
}

const { values: args } = (() => {
  try {
    return parseArgs({
      options: {
        since: { type: 'string', default: '24h' },
        limit: { type: 'string', default: '100' },
        type: { type: 'string', multiple: true },
        'task-queue': { type: 'string' },
        bundle: { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    return fail((err as Error).message);
  }
})();
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const sinceMs = (() => {
  try {
    const ms = msToNumber(args.since as Parameters<typeof msToNumber>[0]);
    if (ms > 0) return ms;
  } catch {
    // reported below
  }
  return fail(`--since ${args.since}: not a positive duration (24h, 7d, 90 minutes)`);
})();
const limit = Number(args.limit);
if (!Number.isInteger(limit) || limit < 1) fail(`--limit ${args.limit}: must be a positive integer`);
const types = args.type ?? registeredWorkflows.map((def) => def.type);

const env = loadEnvOrExit(workerEnv, 'replay');
const bundlePath = args.bundle ?? env.BATON_WORKFLOW_BUNDLE;
// Replay logs each workflow task it runs; only what went wrong matters here.
Runtime.install({ logger: new DefaultLogger('ERROR') });

/** Values in a visibility query are single-quoted: refuse one holding a quote rather than escape it. */
const quoted = (value: string) => {
  if (value.includes("'")) fail(`${value}: quotes are not allowed in a workflow type or task queue`);
  return `'${value}'`;
};
const startedAfter = new Date(Date.now() - sinceMs).toISOString();
const queries = types.map((type) => ({
  type,
  query: [
    `WorkflowType = ${quoted(type)}`,
    `StartTime > ${quoted(startedAfter)}`,
    ...(args['task-queue'] !== undefined ? [`TaskQueue IN (${lanesOf(args['task-queue']).map(quoted).join(', ')})`] : []),
  ].join(' AND '),
}));

// The options a worker runs the bundle with: the same converter (inputs are encrypted) and interceptors.
const tracing = workerTracing(startTelemetry({ serviceName: 'baton-replay', env: {} }), { bundled: bundlePath !== undefined });
const options: ReplayWorkerOptions = {
  ...workflowSource(bundlePath, { traced: tracing.traced }),
  dataConverter: createDataConverter(env.BATON_PAYLOAD_KEYS),
  interceptors: tracing.interceptors,
  ...(tracing.sinks && { sinks: tracing.sinks }),
  replayName: 'baton-replay',
};

const connection = await Connection.connect(buildOrExit('replay', () => clientConnectionOptions(env))).catch((err: unknown) =>
  fail(`cannot reach Temporal at ${env.TEMPORAL_ADDRESS}: ${(err as Error).message}`, false),
);
const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
const replayedOfType = new Map(types.map((type) => [type, 0]));
const typeOf = new Map<string, string>();

/** The most recent runs of each type (visibility lists the newest first), with their full histories: one replay worker for all. */
async function* recentHistories() {
  for (const { type, query } of queries) {
    let taken = 0;
    for await (const run of client.workflow.list({ query })) {
      if (taken++ >= limit) break;
      typeOf.set(run.runId, type);
      replayedOfType.set(type, taken);
      yield { workflowId: run.workflowId, history: await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory() };
    }
  }
}

const broken: string[] = [];
let replayed = 0;
try {
  for await (const result of Worker.runReplayHistories(options, recentHistories())) {
    replayed++;
    if (result.error) {
      // The SDK's message carries the first command that differs from the history ("Nondeterminism error: ...").
      broken.push(result.workflowId);
      const type = typeOf.get(result.runId) ?? '?';
      process.stdout.write(`BROKEN ${type} ${result.workflowId} (run ${result.runId}): ${result.error.name}: ${result.error.message}\n`);
    }
  }
} catch (err) {
  fail(`replay stopped after ${replayed} run(s): ${(err as Error).message}`, false);
} finally {
  await connection.close();
}
for (const [type, count] of replayedOfType) process.stdout.write(`${type}: ${count} run(s) started since ${startedAfter} replayed\n`);
process.stdout.write(
  broken.length === 0
    ? `replay: ${replayed} run(s) replay against this bundle\n`
    : `replay: ${broken.length} of ${replayed} run(s) do not replay against this bundle: ${broken.join(', ')}\n`,
);
process.exit(broken.length === 0 ? 0 : 1);
