// Child process: the gateway peer, nginx with the Lua module doing the baseline's three-way fan-out and
// merge (nginx-config.ts). Prints one JSON line when ready: `{"url", "nginxPid"}` (the master's PID: the
// driver counts its CPU and its worker's, dev/bench/lib/children.ts processTreeCpuSeconds), or
// `{"unavailable": reason}` when nginx, its Lua module or cjson is missing or nginx does not serve, so
// that the benchmark runs on without the peer. Stops nginx (master and worker) when it exits itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../ports';
import { findNginx, nginxConfig, PROFILE_LUA } from './nginx-config';
import { backendUrlsFromEnv } from './shared';

const READY_TIMEOUT_MS = 10_000;
const dir = mkdtempSync(join(tmpdir(), 'baton-bench-nginx-'));
let nginx: ChildProcess | undefined;
let recent = '';

const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

function cleanUp(): void {
  if (nginx?.pid !== undefined && nginx.exitCode === null && nginx.signalCode === null) {
    // The master takes its worker down with it on TERM; KILL would leave the worker behind.
    nginx.kill('SIGTERM');
  }
  rmSync(dir, { recursive: true, force: true });
}

async function stop(code: number): Promise<never> {
  const running = nginx && nginx.exitCode === null && nginx.signalCode === null ? nginx : undefined;
  if (running) {
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  }
  cleanUp();
  process.exit(code);
}

process.on('exit', cleanUp);
process.on('disconnect', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

/** Resolves once `url` answers a full profile with Server-Timing, or rejects with why not. */
async function answers(url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (nginx?.exitCode !== null || nginx.signalCode !== null) throw new Error(`nginx exited (${nginx?.exitCode ?? nginx?.signalCode})`);
    try {
      const health = await fetch(`${url}/healthz`);
      if (health.status === 204) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`nginx did not answer within ${READY_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const response = await fetch(`${url}/profiles/u-1`);
  const body = (await response.json().catch(() => null)) as { user?: unknown; recentOrders?: unknown } | null;
  if (response.status !== 200 || !body?.user || !Array.isArray(body.recentOrders) || !response.headers.get('server-timing'))
    throw new Error(
      `GET /profiles/u-1 answered ${response.status} ${JSON.stringify(body)?.slice(0, 200)} server-timing ${response.headers.get('server-timing')}`,
    );
}

const install = findNginx();
if ('unavailable' in install) {
  say({ unavailable: install.unavailable });
} else {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const rootUser = process.getuid?.() === 0 ? userInfo().username : undefined;
  writeFileSync(join(dir, 'profile.lua'), PROFILE_LUA);
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig({ dir, port, backends: backendUrlsFromEnv(), modules: install.modules, rootUser }));
  // -e stderr: the compiled-in error log (/var/log/nginx) is opened before the config is read.
  nginx = spawn(install.binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
  nginx.stderr!.on('data', (chunk: Buffer) => {
    recent = `${recent}${chunk.toString()}`.slice(-2000);
    process.stderr.write(chunk);
  });
  nginx.once('error', (err) => (recent = `${recent}${err.message}\n`));
  try {
    await answers(url);
    say({ url, nginxPid: nginx.pid });
  } catch (err) {
    say({ unavailable: `${(err as Error).message}${recent ? `; nginx said: ${recent.trim().split('\n').slice(-3).join(' | ')}` : ''}` });
    nginx.kill('SIGTERM');
  }
}
