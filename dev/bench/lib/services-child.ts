// Child process: the six sample services on free ports, silent, as the saga benchmarks want them:
// payments, inventory and shipping answer after a fixed latency (BENCH_STEP_LATENCY_MS), and a
// bank transfer never settles, so its order waits for clearance (the footprint benchmark's cached runs).
import { startSampleServices } from '../../services';

const latencyMs = Number(process.env.BENCH_STEP_LATENCY_MS ?? 10);
const running = await startSampleServices({
  settleOutcome: 'never',
  faults: { payments: { latencyMs }, inventory: { latencyMs }, shipping: { latencyMs } },
});
process.stdout.write(`${JSON.stringify({ urls: running.urls })}\n`);
process.on('disconnect', () => void running.close().finally(() => process.exit(0)));
