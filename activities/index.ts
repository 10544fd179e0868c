import { currentActivitySignal, type ActivityDeps } from './context';
import { createUserActivities } from './users';

export type { ActivityDeps, ServiceUrls } from './context';

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities(deps: ActivityDeps) {
  const ctx = { ...deps, signal: currentActivitySignal };
  return {
    ...createUserActivities(ctx),
  };
}

export type Activities = ReturnType<typeof createActivities>;
