// Driving the real sample services' admin routes over HTTP, the way an operator or demo would.
import type { ServiceName } from '../../../config/env';
import type { FaultConfig, RunningSampleServices } from '../../../dev/services';

export interface RequestCounts {
  received: number;
  completed: number;
  aborted: number;
}

export async function setFaults(services: RunningSampleServices, name: ServiceName, faults: FaultConfig): Promise<void> {
  const res = await fetch(`${services.urls[name]}/__admin/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  if (!res.ok) throw new Error(`PUT faults on ${name}: ${res.status} ${await res.text()}`);
}

export async function requestCounts(services: RunningSampleServices, name: ServiceName): Promise<RequestCounts> {
  const res = await fetch(`${services.urls[name]}/__admin/state`);
  const state = (await res.json()) as { requests: RequestCounts };
  return state.requests;
}

export async function resetAll(services: RunningSampleServices): Promise<void> {
  await Promise.all((['users', 'orderHistory', 'loyalty'] as const).map((name) => fetch(`${services.urls[name]}/__admin/reset`, { method: 'POST' })));
}

export async function elapsed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}
