// The order in which two sides of a throughput benchmark take their rounds.

export interface Turn<S> {
  side: S;
  /** A warm-up round: run, not counted. */
  warmUp: boolean;
}

/**
 * Each server's rounds: both sides warm up, then the sides strictly alternate, so that every counted round follows
 * one of the other side's and a round's place in the order favours neither side. The order before (Baton, raw SDK,
 * raw SDK, Baton) gave only the raw SDK a round right after its own, and only Baton the last round; over 31 full
 * runs on the dev server the raw SDK's second round read higher than its first in 18 and Baton's second lower than
 * its first in 21 (docs/benchmarks.md, "The saga throughput's rounds"). The side that goes first changes from server
 * to server, so that over an even number of servers neither side always goes first.
 */
export function alternatingTurns<S>(sides: readonly [S, S], servers: number, roundsEach: number): Turn<S>[][] {
  return Array.from({ length: servers }, (_, server) => {
    const [first, second] = server % 2 === 0 ? sides : ([sides[1], sides[0]] as const);
    return [
      { side: first, warmUp: true },
      { side: second, warmUp: true },
      ...Array.from({ length: roundsEach * 2 }, (_, round) => ({ side: round % 2 === 0 ? first : second, warmUp: false })),
    ];
  });
}
