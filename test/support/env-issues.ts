import { EnvError } from '../../config/env';

/** The variables an env parse rejected, for asserting on; fails the test when nothing was rejected. */
export function issuesOf(parse: () => unknown): EnvError['issues'] {
  try {
    parse();
  } catch (err) {
    if (err instanceof EnvError) return err.issues;
    throw err;
  }
  throw new Error('expected an EnvError');
}
