// The highest arrival rate each contender sustains, found with the open-loop driver: a geometric ramp
// until every contender has failed a step (twice in a row), then bisection between its last sustained and
// first unsustained rate. Contenders take turns at every step (order flipped each round), so noise from
// other work on the machine lands on all of them alike.
import { failedText, stepFailures, type OpenLoop, type StepResult } from './open-loop';
import { fmt } from './report';

export interface MaxRateOptions {
  startRate: number;
  stepMs: number;
  /** Bisection rounds after the ramp. */
  refineRounds: number;
  /** Whether a step's result counts as sustained. */
  sustained: (r: StepResult) => boolean;
  log?: (line: string) => void;
}

export interface MaxRate {
  /** Highest sustained rate, per second. */
  good: number;
  steps: StepResult[];
}

export async function maxSustainedRates<C extends string>(loops: Record<C, OpenLoop>, options: MaxRateOptions): Promise<Record<C, MaxRate>> {
  const names = Object.keys(loops) as C[];
  const state = Object.fromEntries(names.map((c) => [c, { good: 0, bad: 0, steps: [] as StepResult[] }])) as Record<
    C,
    { good: number; bad: number; steps: StepResult[] }
  >;
  const log = options.log ?? ((line: string) => console.log(line));
  const attempt = async (c: C, rate: number): Promise<boolean> => {
    const result = await loops[c].run(Math.round(rate), options.stepMs);
    state[c].steps.push(result);
    const ok = options.sustained(result);
    log(
      `    ${c.padEnd(9)} ${String(result.rate).padStart(6)}/s offered -> ${fmt(result.throughput, 0).padStart(6)} ok/s, ` +
        `p50 ${fmt(result.p50)} p99 ${fmt(result.p99)} max ${fmt(result.max)} ms, failed ${failedText(stepFailures(result))}${ok ? '' : ' NOT SUSTAINED'}`,
    );
    return ok;
  };
  // A passing stall (another process's burst of work, a major collection) can fail a step that the contender
  // sustains; nothing makes an overloaded contender pass one. So a failed step is run once more before the
  // rate counts as past the contender's maximum: one unlucky step no longer ends its search.
  const step = async (c: C, rate: number) => {
    const ok = (await attempt(c, rate)) || (await attempt(c, rate));
    if (ok) state[c].good = rate;
    else state[c].bad = rate;
  };
  const order = (round: number) => (round % 2 === 0 ? names : [...names].reverse());
  for (let round = 0, rate = options.startRate; names.some((c) => state[c].bad === 0); round++, rate *= 1.5) {
    if (rate > 100 * options.startRate) throw new Error('no saturation found; is the target answering at all?');
    for (const c of order(round)) if (state[c].bad === 0) await step(c, rate);
  }
  for (let round = 0; round < options.refineRounds; round++) {
    for (const c of order(round)) await step(c, (state[c].good + state[c].bad) / 2);
  }
  return Object.fromEntries(names.map((c) => [c, { good: Math.round(state[c].good), steps: state[c].steps }])) as Record<C, MaxRate>;
}
