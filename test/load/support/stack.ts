// Baton as it runs in production, one real process per role: the sample services, a worker and the API,
// each started the way `npm run services|worker|api` starts it.
import { setPriority } from 'node:os';
import { SERVICE_ENV, SERVICE_NAMES, type ServiceName } from '../../../config/env';
import { TEST_TOKEN, TEST_WEBHOOK_SECRET } from '../../support/api';
import { serviceUrlEnv, startApiChild, startChild, type ChildHandle } from '../../support/processes';

export interface Temporal {
  address: string;
  namespace: string;
  taskQueue: string;
}

export async function startServices(): Promise<{ handle: ChildHandle; urls: Record<ServiceName, string> }> {
  const freePorts = Object.fromEntries(SERVICE_NAMES.map((name) => [SERVICE_ENV[name].portVar, '0']));
  const handle = startChild('dev/services/main.ts', freePorts);
  // The sample services stand in for services on other hosts. Sharing two cores with Baton, Temporal and
  // whatever else CI runs, they would be starved under load, and Baton would rightly blame them (a slow
  // required source opens its breaker: 502). Scheduled ahead of the rest, they answer as remote ones would.
  try {
    setPriority(handle.child.pid!, SERVICES_PRIORITY);
  } catch (err) {
    console.warn(`sample services keep the default CPU priority (${(err as Error).message}): under a busy machine they may be starved`);
  }
  const urls = {} as Record<ServiceName, string>;
  try {
    for (const name of SERVICE_NAMES) {
      const line = await handle.waitFor(new RegExp(`${name} listening on http://127\\.0\\.0\\.1:\\d+`), 30_000);
      urls[name] = line.slice(line.indexOf('http://'));
    }
  } catch (err) {
    await handle.stop('SIGKILL');
    throw err;
  }
  return { handle, urls };
}

/** A niceness ahead of every default-priority process (raising priority needs root or CAP_SYS_NICE). */
const SERVICES_PRIORITY = -10;

const temporalEnv = (t: Temporal) => ({ TEMPORAL_ADDRESS: t.address, TEMPORAL_NAMESPACE: t.namespace, TEMPORAL_TASK_QUEUE: t.taskQueue });

export function startWorker(temporal: Temporal, urls: Record<ServiceName, string>, extra: Record<string, string> = {}): ChildHandle {
  return startChild('worker/main.ts', { ...temporalEnv(temporal), ...serviceUrlEnv(urls), BATON_HTTP_TIMEOUT_MS: '2000', ...extra });
}

export async function startApi(
  temporal: Temporal,
  urls: Record<ServiceName, string>,
  extra: Record<string, string> = {},
): Promise<{ handle: ChildHandle; url: string }> {
  return startApiChild(
    {
      ...temporalEnv(temporal),
      ...serviceUrlEnv(urls),
      PORT: '0',
      HOST: '127.0.0.1',
      BATON_API_TOKENS: TEST_TOKEN,
      BATON_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      ...extra,
    },
    60_000,
  );
}
