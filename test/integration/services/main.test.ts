// `npm run services` as a real child process: listen lines, health, clean exits, bad configuration.
import { afterEach, describe, expect, it } from 'vitest';
import { SERVICE_NAMES, type ServiceName } from '../../../config/env';
import { exitCode, startChild, type ChildHandle } from '../../support/processes';

const ENTRY = 'dev/services/main.ts';
/** Port 0 everywhere: each service takes a free port and says which in its listen line. */
const FREE_PORTS = {
  USERS_PORT: '0',
  ORDER_HISTORY_PORT: '0',
  LOYALTY_PORT: '0',
  PAYMENTS_PORT: '0',
  INVENTORY_PORT: '0',
  SHIPPING_PORT: '0',
};

const children: ChildHandle[] = [];
function start(env: Record<string, string>, options: { ipc?: boolean } = {}): ChildHandle {
  const child = startChild(ENTRY, { ...FREE_PORTS, ...env }, options);
  children.push(child);
  return child;
}
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.stop('SIGKILL')));
});

async function listenUrls(child: ChildHandle): Promise<Record<ServiceName, string>> {
  const urls: Partial<Record<ServiceName, string>> = {};
  for (const name of SERVICE_NAMES) {
    const line = await child.waitFor(new RegExp(`${name} listening on http://127\\.0\\.0\\.1:\\d+`), 30_000);
    urls[name] = line.slice(line.indexOf('http://'));
  }
  return urls as Record<ServiceName, string>;
}

describe('dev/services/main.ts', () => {
  it('logs where each service listens, answers /healthz, and exits 0 promptly on SIGTERM', async () => {
    const child = start({});
    const urls = await listenUrls(child);
    for (const name of SERVICE_NAMES) expect((await fetch(`${urls[name]}/healthz`)).status).toBe(200);
    const started = performance.now();
    expect(await child.stop('SIGTERM')).toBe(0);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('exits 0 on SIGINT', async () => {
    const child = start({});
    await listenUrls(child);
    expect(await child.stop('SIGINT')).toBe(0);
  });

  it('exits when the launcher goes away (IPC channel closed)', async () => {
    const child = start({}, { ipc: true });
    await listenUrls(child);
    child.child.disconnect();
    expect(await exitCode(child, 5000)).toBe(0);
  });

  it('applies settle settings and start-up faults from the environment', async () => {
    const child = start({ PAYMENTS_SETTLE_DELAY_MS: '10', PAYMENTS_SETTLE_OUTCOME: 'failed', USERS_FAULTS: '{"failNext":1}' });
    const urls = await listenUrls(child);
    expect((await fetch(`${urls.users}/users/u-1`)).status).toBe(503);
    expect((await fetch(`${urls.users}/users/u-1`)).status).toBe(200);
    expect(await (await fetch(`${urls.payments}/__admin/settlement`)).json()).toMatchObject({ defaults: { delayMs: 10, outcome: 'failed' } });
  });

  it.each([
    [{ USERS_PORT: 'abc' }, /USERS_PORT/],
    [{ PAYMENTS_SETTLE_OUTCOME: 'sometimes' }, /PAYMENTS_SETTLE_OUTCOME/],
    [{ INVENTORY_FAULTS: '{"errorRate":5}' }, /INVENTORY_FAULTS: errorRate/],
  ])('exits non-zero naming the bad variable (%o)', async (env, pattern) => {
    const child = start(env);
    expect(await exitCode(child, 30_000)).not.toBe(0);
    expect(child.output()).toMatch(/invalid configuration/);
    expect(child.output()).toMatch(pattern);
  });
});
