// An open-loop, constant-arrival-rate load generator: request i is due at start + i/rate whatever
// happened to earlier ones, and its latency counts from when it was due, not from when it was
// sent, so a stalled server (or driver) shows up in the numbers instead of hiding (no coordinated
// omission).
import { Pool } from 'undici';

export interface StepResult {
  rate: number;
  durationMs: number;
  sent: number;
  ok: number;
  failed: number;
  /** Requests still unanswered when the grace period after the step ran out. */
  unfinished: number;
  throughput: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Worst lag between when a request was due and when the driver sent it. */
  driverLagMs: number;
}

export interface Target {
  name: string;
  url: string;
  path: (i: number) => string;
  headers?: Record<string, string>;
}

export class LoadGenerator {
  readonly #pool: Pool;
  #inflight = 0;

  constructor(readonly target: Target) {
    this.#pool = new Pool(target.url, { connections: 4096, pipelining: 1, keepAliveTimeout: 60_000 });
  }

  async run(rate: number, durationMs: number, graceMs = 2000): Promise<StepResult> {
    // Leftovers of an overloaded step must not weigh on this one.
    for (let waited = 0; this.#inflight > 0 && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    const total = Math.max(1, Math.round((rate * durationMs) / 1000));
    const interval = 1000 / rate;
    const latencies = new Float64Array(total);
    let sent = 0;
    let ok = 0;
    let failed = 0;
    let driverLagMs = 0;
    let settle: () => void = () => undefined;
    const allDone = new Promise<void>((resolve) => (settle = resolve));
    const finishOne = () => {
      if (ok + failed === total) settle();
    };
    const start = performance.now();

    const fire = (index: number) => {
      const due = start + index * interval;
      const now = performance.now();
      if (now - due > driverLagMs) driverLagMs = now - due;
      this.#inflight++;
      this.#pool
        .request({ path: this.target.path(index), method: 'GET', headers: this.target.headers })
        .then(async (response) => {
          await response.body.text();
          if (response.statusCode === 200) latencies[ok++] = performance.now() - due;
          else failed++;
        })
        .catch(() => {
          failed++;
        })
        .finally(() => {
          this.#inflight--;
          finishOne();
        });
    };

    // A 1 ms tick sends whatever has come due; busy-waiting would steal the CPU being measured.
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
        while (sent < due) fire(sent++);
        if (sent < total) setTimeout(tick, 1);
        else resolve();
      };
      tick();
    });
    await Promise.race([allDone, new Promise((r) => setTimeout(r, graceMs))]);

    const done = latencies.subarray(0, ok).sort();
    const pct = (p: number) => (done.length === 0 ? NaN : (done[Math.min(done.length - 1, Math.floor(p * done.length))] ?? NaN));
    return {
      rate,
      durationMs,
      sent,
      ok,
      failed,
      unfinished: total - ok - failed,
      throughput: ok / (durationMs / 1000),
      p50: pct(0.5),
      p90: pct(0.9),
      p99: pct(0.99),
      max: done.length ? (done[done.length - 1] ?? NaN) : NaN,
      driverLagMs,
    };
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}
