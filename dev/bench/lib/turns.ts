// The order in which the sides of a benchmark take their rounds.

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
 * its first in 21 (docs/benchmark-journal.md, "The saga throughput's rounds"). The side that goes first changes from server
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

/**
 * The order of each pass over many series (the saga costs' variants): the same cycle every pass, started one
 * further on each time, so that a series never runs right after itself and each of three or more goes first in turn
 * (two strictly alternate, and the first of them always goes first). A pass and
 * then its reverse (the order before) ran the last series twice in a row, and the first series twice at the next
 * turn: in a run of 2026-12-05 Baton's rounds read 33.1 orders/s first, then 24.6, 23.5 and 24.6, each next to one
 * of its own; the raw SDK's pairs 35.8 then 37.5, 34.1 then 37.8 (docs/benchmark-journal.md, "Where the server's share goes").
 */
export function rotatingPasses<S>(series: readonly S[], passes: number): S[][] {
  // Two series rotated by one would swap each pass, and so repeat at every turn: they alternate instead.
  const step = series.length > 2 ? 1 : 0;
  return Array.from({ length: passes }, (_, pass) => series.map((_, i) => series[(i + pass * step) % series.length] as S));
}
