// A real Valkey (or Redis) server for the tests of the shared rate limit: the Debian package's binary, which
// scripts/setup.sh installs, on a free loopback port, in memory only (no RDB, no AOF), stopped by the test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../../dev/ports';

export interface RunningValkey {
  url: string;
  port: number;
  /** Which binary runs it (valkey-server or redis-server). */
  binary: string;
  stop(): Promise<void>;
}

function findBinary(): string {
  for (const name of ['valkey-server', 'redis-server']) {
    if (spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0) return name;
  }
  throw new Error('neither valkey-server nor redis-server is installed: run npm run setup (it installs one with apt-get)');
}

export async function startValkey(port?: number): Promise<RunningValkey> {
  const binary = findBinary();
  const listenPort = port ?? (await freePort());
  const child: ChildProcess = spawn(
    binary,
    ['--port', String(listenPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${binary} did not start within 10 s:\n${out}`)), 10_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (/ready to accept connections/i.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${binary} exited with ${code}:\n${out}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  child.removeAllListeners('exit');
  return {
    url: `redis://127.0.0.1:${listenPort}`,
    port: listenPort,
    binary,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
