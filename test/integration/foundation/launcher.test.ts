// `npm start` as a user meets it: one process tree with a persistent dev server, the sample services,
// a worker and the API; Ctrl-C stops every part and frees every port; runs survive a restart.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../../dev/ports';
import { type ChildHandle, startChild, WORKER_READY } from '../../support/processes';
import { API_NODE_FLAGS } from '../../../api/node-flags';

const TOKEN = 'launcher-test-token-0123456789';
const dataDir = mkdtempSync(join(tmpdir(), 'baton-launcher-'));
const running: ChildHandle[] = [];

afterAll(async () => {
  await Promise.all(running.map((c) => c.stop('SIGKILL')));
});

async function launcherPorts() {
  const names = [
    'PORT',
    'TEMPORAL_PORT',
    'TEMPORAL_UI_PORT',
    'USERS_PORT',
    'ORDER_HISTORY_PORT',
    'LOYALTY_PORT',
    'PAYMENTS_PORT',
    'INVENTORY_PORT',
    'SHIPPING_PORT',
  ];
  const ports: Record<string, string> = {};
  for (const name of names) ports[name] = String(await freePort());
  return ports;
}

function launch(env: Record<string, string>): ChildHandle {
  // No BATON_PAYLOAD_KEYS (startChild would give the test keys): the launcher's own key, as on a fresh machine.
  const child = startChild('dev/launcher/start.ts', {
    BATON_API_TOKENS: TOKEN,
    BATON_WEBHOOK_SECRET: '',
    BATON_PAYLOAD_KEYS: '',
    HOST: '',
    LOG_LEVEL: 'info',
    ...env,
  });
  running.push(child);
  return child;
}

async function isBound(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

/** Every process whose ancestry leads to `pid`. */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of table) {
      if (ppid !== parent) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The processes of `pids` still alive after a short grace, with their command lines for the report. */
async function survivors(pids: number[], graceMs = 5000): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(alive).map((pid) => {
    try {
      return `${pid} ${execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim()}`;
    } catch {
      return `${pid} (gone)`;
    }
  });
}

/** The local addresses listening on `port` (IPv4 and IPv6), read from /proc: what the socket is bound to. */
function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue; // 0A: LISTEN
      const [hexAddress, hexPort] = local.split(':') as [string, string];
      if (parseInt(hexPort, 16) !== port) continue;
      found.push(
        hexAddress.length === 8
          ? (hexAddress.match(/../g) ?? [])
              .reverse()
              .map((b) => parseInt(b, 16))
              .join('.')
          : /^0+$/.test(hexAddress)
            ? '::'
            : hexAddress === '00000000000000000000000001000000'
              ? '::1'
              : hexAddress,
      );
    }
  }
  return found;
}

async function startWelcome(apiUrl: string, userId: string, token = TOKEN): Promise<string> {
  const res = await fetch(`${apiUrl}/workflows/welcomeUser`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { workflowId: string }).workflowId;
}

async function welcomeStatus(apiUrl: string, workflowId: string, token = TOKEN) {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${apiUrl}/workflows/welcomeUser/${workflowId}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { status: string; result?: { message: string } };
    if (res.status !== 200 || body.status !== 'RUNNING') return { httpStatus: res.status, ...body };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('workflow did not close');
}

describe('npm start', () => {
  it('runs everything, stops cleanly on Ctrl-C, and keeps runs across a restart', async () => {
    const ports = await launcherPorts();
    const apiUrl = `http://127.0.0.1:${ports.PORT}`;
    const env = { ...ports, BATON_DATA_DIR: dataDir };

    // No token of our own: the launcher makes one in the data folder and says how to use it.
    const first = launch({ ...env, BATON_API_TOKENS: '' });
    await first.waitFor(WORKER_READY);
    await first.waitFor(/api listening on/);
    const tokenFile = join(dataDir, 'dev-api-token');
    await first.waitFor(new RegExp(`TOKEN=\\$\\(cat ${tokenFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    expect(statSync(tokenFile).mode & 0o077).toBe(0);
    expect(statSync(join(dataDir, 'dev-webhook-secret')).mode & 0o077).toBe(0);
    const out = first.output();
    // The token itself is never printed, only the command that reads it.
    expect(out).not.toContain(token);
    // Loopback only: the API is not reachable from other hosts.
    expect(listeningAddresses(Number(ports.PORT))).toEqual(['127.0.0.1']);
    // The token the README once printed opens nothing.
    expect((await fetch(`${apiUrl}/orders`, { headers: { authorization: 'Bearer dev-token-change-me-0123456789' } })).status).toBe(401);
    expect(out).toMatch(new RegExp(`temporal dev server on 127\\.0\\.0\\.1:${ports.TEMPORAL_PORT}, Web UI on http://localhost:${ports.TEMPORAL_UI_PORT}`));
    for (const service of ['users', 'orderHistory', 'loyalty', 'payments', 'inventory', 'shipping']) {
      expect(out).toMatch(new RegExp(`${service} listening on http://127\\.0\\.0\\.1:\\d+`));
    }

    expect((await fetch(`${apiUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${apiUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${apiUrl}/openapi.json`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/`)).status).toBe(200);
    // Payloads are encrypted with a key made for this data folder, and the Web UI decodes them through the API,
    // which answers the UI's origin without a token (the UI has none to send).
    expect(existsSync(join(dataDir, 'payload-keys'))).toBe(true);
    const uiSettings = (await (await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/api/v1/settings`)).json()) as { Codec: { Endpoint: string } };
    expect(uiSettings.Codec.Endpoint).toBe(`http://localhost:${ports.PORT}/codec`);
    const decodeFromUi = await fetch(`${apiUrl}/codec/decode`, {
      method: 'POST',
      headers: { origin: `http://localhost:${ports.TEMPORAL_UI_PORT}`, 'content-type': 'application/json', 'x-namespace': 'default' },
      body: JSON.stringify({ payloads: [] }),
    });
    expect(decodeFromUi.status).toBe(200);
    expect(decodeFromUi.headers.get('access-control-allow-origin')).toBe(`http://localhost:${ports.TEMPORAL_UI_PORT}`);

    const workflowId = await startWelcome(apiUrl, 'u-5', token);
    expect((await welcomeStatus(apiUrl, workflowId, token)).status).toBe('COMPLETED');

    // Ctrl-C: the terminal sends SIGINT to the launcher.
    const tree = descendants(first.child.pid!);
    expect(tree.length).toBeGreaterThanOrEqual(4);
    // The API runs with its node flags (api/node-flags.ts), as `npm run api` and the image start it.
    const apiArgs = tree
      .map((pid) => execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim())
      .find((args) => args.endsWith('api/main.ts'));
    expect(apiArgs?.split(/\s+/)).toEqual(expect.arrayContaining([...API_NODE_FLAGS]));
    expect(await first.stop('SIGINT', 30_000)).toBe(0);
    expect(first.output()).toMatch(/Baton stopped/);
    // Helpers die with their parent (tsx's esbuild service, say): give them a moment, then nothing may be left.
    expect(await survivors(tree)).toEqual([]);
    for (const port of Object.values(ports)) expect(await isBound(Number(port))).toBe(false);

    // Start again on the same data folder: the earlier run is still there, and readable (the same key), with the same token.
    const second = launch({ ...env, BATON_API_TOKENS: '' });
    await second.waitFor(/api listening on/);
    await second.waitFor(WORKER_READY);
    const again = await welcomeStatus(apiUrl, workflowId, token);
    expect(again.httpStatus).toBe(200);
    expect(again.status).toBe('COMPLETED');
    expect(await second.stop('SIGINT', 30_000)).toBe(0);
  }, 120_000);

  it('uses TEMPORAL_ADDRESS and a service URL from the environment instead of starting its own', async () => {
    const users = new Hono().get('/users/:id', (c) => c.json({ id: c.req.param('id'), name: 'Grace Override', email: 'g@example.com' }));
    const usersPort = await freePort();
    const usersServer = serve({ fetch: users.fetch, port: usersPort, hostname: '127.0.0.1' });
    try {
      const ports = await launcherPorts();
      const launcher = launch({
        ...ports,
        BATON_DATA_DIR: dataDir,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: `launcher-${ports.PORT}`,
        USERS_URL: `http://127.0.0.1:${usersPort}`,
      });
      await launcher.waitFor(/api listening on/);
      await launcher.waitFor(WORKER_READY);
      expect(launcher.output()).toMatch(/using the Temporal server at .* \(TEMPORAL_ADDRESS\)/);
      expect(launcher.output()).not.toMatch(/temporal dev server on/);
      expect(await isBound(Number(ports.TEMPORAL_PORT))).toBe(false);

      const apiUrl = `http://127.0.0.1:${ports.PORT}`;
      const workflowId = await startWelcome(apiUrl, 'anyone');
      const closed = await welcomeStatus(apiUrl, workflowId);
      expect(closed.result?.message).toBe('Welcome, Grace Override!');
      expect(await launcher.stop('SIGINT', 30_000)).toBe(0);
    } finally {
      usersServer.close();
    }
  }, 120_000);
});
