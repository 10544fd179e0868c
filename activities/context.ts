import { Context } from '@temporalio/activity';
import type { ServiceName } from '../config/env';
import type { DownstreamClient } from './http-client';

export type ServiceUrls = Record<ServiceName, string>;

/** What activities need from the outside world; tests pass fakes. */
export interface ActivityDeps {
  http: DownstreamClient;
  urls: ServiceUrls;
}

export interface ActivityContext extends ActivityDeps {
  /** The running activity's cancellation, so a cancelled activity aborts its HTTP call. */
  signal: () => AbortSignal | undefined;
}

export function currentActivitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined; // called outside an activity (unit tests)
  }
}
