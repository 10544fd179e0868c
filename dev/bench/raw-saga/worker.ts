// Child process: the baseline's worker, SDK defaults throughout (like Baton's worker with no tuning
// variables set). Env: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, BENCH_SERVICES
// (JSON service URLs), BENCH_RAW_BUNDLE (a prebuilt workflow bundle; bundles the source when absent),
// BENCH_RAW_METRICS_PORT (serves the SDK's metrics for Prometheus, as BATON_WORKER_METRICS_PORT does Baton's).
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createRawActivities, type RawService } from './activities';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; the benchmark runner sets it`);
  return value;
};
const { post, close } = createRawActivities(JSON.parse(env('BENCH_SERVICES')) as Record<RawService, string>);
const metricsPort = process.env.BENCH_RAW_METRICS_PORT;
if (metricsPort) Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}` } } } });
const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
const bundle = process.env.BENCH_RAW_BUNDLE;
const worker = await Worker.create({
  connection,
  namespace: env('TEMPORAL_NAMESPACE'),
  taskQueue: env('TEMPORAL_TASK_QUEUE'),
  activities: { post },
  ...(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)) }),
});
process.on('disconnect', () => worker.shutdown());
process.channel?.unref();
process.stdout.write(`${JSON.stringify({ taskQueue: env('TEMPORAL_TASK_QUEUE') })}\n`);
try {
  await worker.run();
} finally {
  await connection.close();
  await close();
}
