// What a saga round costs the machine, process by process: the saga benchmarks divide it by the orders the
// round finished, and on a saturated machine the totals of two contenders are about the inverse of their throughputs.
import { ownCpuSeconds } from './children';

/** A process (or a group of them, as the cluster's roles and its PostgreSQL) whose CPU seconds so far can be read. */
export interface CpuReader {
  cpuSeconds(): number;
}

// A type, not an interface: Object.values sees its fields as numbers.
/** CPU seconds a saga round cost each part of the machine: the contender's own processes, the server, the services, the driver. */
export type MachineCpu = {
  /** The contender's workers. */
  workers: number;
  /** Its API, for orders started through POST /orders. */
  api: number;
  /** The Temporal server (every process of the cluster and its PostgreSQL). */
  server: number;
  services: number;
  /** The benchmark process itself: its clients starting the orders and waiting for them. */
  driver: number;
};

export const noCpu = (): MachineCpu => ({ workers: 0, api: 0, server: 0, services: 0, driver: 0 });

/** Each part's CPU over several counts, added up part by part. */
export function sumCpu(counts: readonly MachineCpu[]): MachineCpu {
  const total = noCpu();
  for (const count of counts) for (const k of Object.keys(total) as (keyof MachineCpu)[]) total[k] += count[k];
  return total;
}

/** Every part together. */
export const machineCpuSeconds = (spent: MachineCpu): number => Object.values(spent).reduce((sum, x) => sum + x, 0);

/**
 * Runs `round` and adds what it cost each part of the machine to `spent`: the whole round, ramp and drain too,
 * so that it divides by every order the round finished. Only this contender's orders may be in flight meanwhile.
 */
export async function countingCpu<T>(
  stage: { temporal: CpuReader; services: CpuReader },
  contender: { workers: readonly CpuReader[]; api?: CpuReader },
  spent: MachineCpu,
  round: () => Promise<T>,
): Promise<T> {
  const now = (): MachineCpu => ({
    workers: contender.workers.reduce((sum, w) => sum + w.cpuSeconds(), 0),
    api: contender.api?.cpuSeconds() ?? 0,
    server: stage.temporal.cpuSeconds(),
    services: stage.services.cpuSeconds(),
    driver: ownCpuSeconds(),
  });
  const before = now();
  const result = await round();
  const after = now();
  for (const k of Object.keys(after) as (keyof MachineCpu)[]) spent[k] += after[k] - before[k];
  return result;
}
