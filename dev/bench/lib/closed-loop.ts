// Throughput ceiling: a fixed number of connections, each sending its next request the moment the
// last is answered, so the server is never idle and never sees more than `connections` at once. This
// is the classic maximum-throughput measurement (wrk, autocannon); latency comes from the open loop.
import { succeeded, type Target } from './open-loop';

export interface ClosedLoopResult {
  connections: number;
  durationMs: number;
  ok: number;
  failed: number;
  /** Successful answers per second. */
  throughput: number;
}

export async function closedLoop(target: Target, { connections, durationMs }: { connections: number; durationMs: number }): Promise<ClosedLoopResult> {
  let ok = 0;
  let failed = 0;
  let next = 0;
  const start = performance.now();
  const end = start + durationMs;
  const lane = async () => {
    while (performance.now() < end) {
      try {
        if (succeeded(await target.send(next++))) ok++;
        else failed++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, lane));
  const elapsedMs = performance.now() - start;
  return { connections, durationMs: Math.round(elapsedMs), ok, failed, throughput: ok / (elapsedMs / 1000) };
}
