// Deterministic sample data: the same user id gives the same answers in every process, so the three
// read services agree with each other without sharing state.
import type { User } from '../../contracts';

export const SEEDED_USER_COUNT = 1000;

/** FNV-1a: tiny, stable across runs and platforms; good enough to spread sample values. */
export function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The number behind a seeded id `u-1`..`u-1000`, or undefined for any other id. */
export function seededUserNumber(userId: string): number | undefined {
  const match = /^u-([1-9]\d{0,3})$/.exec(userId);
  if (!match) return undefined;
  const n = Number(match[1]);
  return n <= SEEDED_USER_COUNT ? n : undefined;
}

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Linus', 'Radia', 'Ken', 'Frances', 'Dennis'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Torvalds', 'Perlman', 'Thompson', 'Allen', 'Ritchie'];

export function seededUser(userId: string): User | undefined {
  const n = seededUserNumber(userId);
  if (n === undefined) return undefined;
  const h = hash(userId);
  const first = FIRST_NAMES[h % FIRST_NAMES.length] ?? 'Sample';
  const last = LAST_NAMES[(h >>> 8) % LAST_NAMES.length] ?? 'User';
  return { id: userId, name: `${first} ${last}`, email: `${first}.${last}.${n}@example.com`.toLowerCase() };
}
