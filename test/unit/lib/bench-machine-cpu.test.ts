// What the saga benchmarks count a round's CPU by: each part's seconds over the round alone, added up over
// rounds, the API only for a contender that has one.
import { describe, expect, it } from 'vitest';
import { countingCpu, machineCpuSeconds, noCpu, sumCpu } from '../../../dev/bench/lib/machine-cpu';

/** A process whose CPU so far is whatever the test sets. */
const proc = (seconds = 0) => ({
  seconds,
  cpuSeconds() {
    return this.seconds;
  },
});

/** Burns `ms` of this process's (the driver's) CPU: counted in CPU time, so a busy machine cannot make it less. */
function burn(ms: number): void {
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  const until = cpuMs() + ms;
  while (cpuMs() < until);
}

describe('countingCpu', () => {
  it('adds what each part spent during the round, not before it, over every round', async () => {
    const stage = { temporal: proc(100), services: proc(5) };
    const workers = [proc(7), proc(3)];
    const spent = noCpu();
    for (const [worker, server] of [
      [0.5, 2],
      [0.25, 1],
    ] as const) {
      const result = await countingCpu(stage, { workers }, spent, () => {
        workers[0]!.seconds += worker;
        workers[1]!.seconds += worker;
        stage.temporal.seconds += server;
        stage.services.seconds += 0.125;
        return Promise.resolve('done');
      });
      expect(result).toBe('done');
    }
    expect(spent).toMatchObject({ workers: 1.5, api: 0, server: 3, services: 0.25 });
  });

  it("counts the API of a contender that starts its orders through it, and the driver's own CPU", async () => {
    const stage = { temporal: proc(), services: proc() };
    const api = proc(40);
    const spent = noCpu();
    await countingCpu(stage, { workers: [proc()], api }, spent, () => {
      api.seconds += 0.75;
      burn(30);
      return Promise.resolve();
    });
    expect(spent.api).toBe(0.75);
    expect(spent.driver).toBeGreaterThan(0.02);
    expect(machineCpuSeconds(spent)).toBeCloseTo(0.75 + spent.driver, 9);
  });
});

describe('sumCpu', () => {
  it('adds several counts part by part, as the saga throughput pools its servers', () => {
    const a = { workers: 1, api: 0, server: 2, services: 0.5, driver: 0.25 };
    const b = { workers: 3, api: 1, server: 4, services: 0.5, driver: 0.75 };
    expect(sumCpu([a, b])).toEqual({ workers: 4, api: 1, server: 6, services: 1, driver: 1 });
    expect(sumCpu([])).toEqual(noCpu());
  });
});
