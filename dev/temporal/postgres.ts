// A PostgreSQL instance of our own for a Temporal cluster in tests and benchmarks: initdb into a folder,
// on a free port on loopback, started and stopped (or killed, as a crash would) by us. The machine's
// PostgreSQL binaries (Debian's `postgresql` package; dev/temporal/temporal-server.sh installs it when missing).
// PostgreSQL refuses to run as root: as root, its processes run as the `postgres` user.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../ports';

export interface PostgresOptions {
  /** Folder for the data directory and the socket; must exist. */
  dir: string;
  port?: number;
  /** Database superuser made by initdb (default `temporal`). */
  user?: string;
  /** Where initdb and postgres are (PG_BIN_DIR, else the newest /usr/lib/postgresql/<version>/bin). */
  binDir?: string;
  /** Last lines of the server's log go here on failures. */
  onLog?: (line: string) => void;
}

export interface Postgres {
  host: string;
  port: number;
  user: string;
  /** The postmaster's pid while it runs. */
  pid(): number | undefined;
  /** Starts the server on the same data directory and port (after `kill` or `stop`). */
  start(): Promise<void>;
  /** SIGKILLs the postmaster and every backend, as a crash would; the next start recovers from the WAL. */
  kill(): Promise<void>;
  /** Fast shutdown. */
  stop(): Promise<void>;
  /** SIGKILL without waiting: for an exit handler, where nothing asynchronous runs any more. */
  killSync(): void;
}

export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PG_BIN_DIR) return env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions[0]) return join(root, versions[0], 'bin');
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('PostgreSQL is not installed (no initdb): run `bash dev/temporal/temporal-server.sh` or `apt-get install -y postgresql`');
  }
}

/** As root, the uid and gid of the `postgres` user, whom PostgreSQL runs as; nothing otherwise. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error('running as root, PostgreSQL needs the `postgres` user (apt-get install -y postgresql makes it)');
  }
}

export async function startPostgres(options: PostgresOptions): Promise<Postgres> {
  const bin = options.binDir ?? postgresBinDir();
  const user = options.user ?? 'temporal';
  const host = '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  const data = join(options.dir, 'pgdata');
  const socketDir = join(options.dir, 'pgsocket');
  const owner = runAs();
  mkdirSync(socketDir, { recursive: true });
  if (owner) for (const path of [options.dir, socketDir]) chownSync(path, owner.uid, owner.gid);
  const ids = owner ? { uid: owner.uid, gid: owner.gid } : {};

  // Trust on loopback: the instance lives in a temporary folder for one run and listens on 127.0.0.1 only.
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', user, '--auth=trust', '-E', 'UTF8', '--no-sync'], { ...ids, stdio: 'pipe' });

  let child: ChildProcess | undefined;
  let recent: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      recent = [...recent.slice(-40), line];
      options.onLog?.(line);
    }
  };

  const start = async () => {
    const args = ['-D', data, '-p', String(port), '-k', socketDir, '-c', `listen_addresses=${host}`, '-c', 'max_connections=400'];
    // fsync only protects against an operating-system crash, which no test causes; a killed server still loses
    // nothing, because every commit waits for its WAL write (synchronous_commit stays on).
    args.push('-c', 'fsync=off', '-c', 'full_page_writes=off');
    // Its own process group, so that `kill` reaches the backends too.
    const proc = spawn(join(bin, 'postgres'), args, { ...ids, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    child = proc;
    await waitUntilAccepting(bin, host, port, user, proc, () => recent.join('\n'));
  };

  const signalGroup = (signal: NodeJS.Signals) => {
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return false;
    try {
      process.kill(-child.pid, signal);
    } catch {
      return false;
    }
    return true;
  };
  const exited = async (proc: ChildProcess | undefined) => {
    if (proc && proc.exitCode === null && proc.signalCode === null) await once(proc, 'exit');
  };
  /** Waits until no process of the old group is left (backends exit a moment after the postmaster). */
  const groupGone = async (pgid: number | undefined) => {
    if (pgid === undefined) return;
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(-pgid, 0);
      } catch {
        return;
      }
      await sleep(50);
    }
  };

  await start();
  return {
    host,
    port,
    user,
    pid: () => (child && child.exitCode === null && child.signalCode === null ? child.pid : undefined),
    start,
    async kill() {
      const proc = child;
      if (signalGroup('SIGKILL')) await exited(proc);
      await groupGone(proc?.pid);
    },
    killSync() {
      signalGroup('SIGKILL');
    },
    async stop() {
      const proc = child;
      // SIGINT: fast shutdown (ends sessions, checkpoints); SIGKILL after a grace.
      if (!signalGroup('SIGINT')) return;
      const timer = setTimeout(() => signalGroup('SIGKILL'), 10_000);
      await exited(proc);
      clearTimeout(timer);
      await groupGone(proc?.pid);
    },
  };
}

async function waitUntilAccepting(bin: string, host: string, port: number, user: string, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`postgres exited (${proc.exitCode ?? proc.signalCode}):\n${log()}`);
    try {
      execFileSync(join(bin, 'pg_isready'), ['-h', host, '-p', String(port), '-U', user, '-q'], { stdio: 'ignore' });
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`postgres on ${host}:${port} did not accept connections within 60 s:\n${log()}`);
}
