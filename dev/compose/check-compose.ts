// `npm run check:compose`: validates docker-compose.yml without a Docker engine.
//   1. `docker-compose config -q` (or `docker compose config -q`) with .env.example as the env file: the
//      file is valid Compose and every ${VAR:?…} the secrets use is satisfied by .env.example;
//   2. every Baton service (api, worker, services, by command) gets each variable config/env.ts requires
//      of its role, and every value passes the role's schema (dev/compose/compose-env-check.ts);
//   3. .env.example's secrets are placeholders, and every role refuses them at start;
//   4. the cluster stays locked down: ports on loopback, Temporal's JWT authorizer keyed by the API's identity
//      provider, the Web UI passing its users' tokens to the codec endpoint, Prometheus's metrics token.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { checkCompose, checkComposeSecurity, parseEnvFile, usableSecretsIn } from './compose-env-check';

const root = fileURLToPath(new URL('../..', import.meta.url));
const composeFile = join(root, 'docker-compose.yml');
const envExample = join(root, '.env.example');

function fail(message: string): never {
  process.stderr.write(`check:compose: ${message}\n`);
  process.exit(1);
}

for (const file of [composeFile, envExample]) if (!existsSync(file)) fail(`${file} is missing`);

/** `docker-compose` (v1, Debian's package) or the `docker compose` plugin (v2), whichever runs. */
function composeCommand(): string[] {
  const candidates = [['docker-compose'], ['docker', 'compose']];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate[0]!, [...candidate.slice(1), 'version'], { stdio: 'ignore' });
    if (probe.status === 0) return candidate;
  }
  fail('neither docker-compose nor the docker compose plugin is available.\n' + '  Install one, e.g. on Debian/Ubuntu: apt-get install -y docker-compose');
}

// 1. Compose's own validation; --env-file stands in for the operator's .env without touching the tree.
const [command, ...prefix] = composeCommand();
const config = spawnSync(command!, [...prefix, '--env-file', envExample, '-f', composeFile, 'config', '-q'], {
  cwd: root,
  encoding: 'utf8',
});
if (config.error) fail(`could not run ${[command, ...prefix].join(' ')}: ${config.error.message}`);
if (config.status !== 0) {
  fail(`${[command, ...prefix].join(' ')} config rejects docker-compose.yml:\n${config.stderr || config.stdout}`);
}
console.log(`check:compose: ${[command, ...prefix].join(' ')} config accepts docker-compose.yml (env file .env.example)`);

// 2. Baton's own variables.
const compose: unknown = parse(readFileSync(composeFile, 'utf8'), { merge: true });
const envFile = parseEnvFile(readFileSync(envExample, 'utf8'));
const { checked, problems } = checkCompose({
  compose,
  envFile,
  readServiceEnvFile: (path) => parseEnvFile(readFileSync(resolve(root, path), 'utf8')),
  placeholders: true,
});
if (problems.length > 0) {
  fail(`docker-compose.yml does not give Baton's roles what config/env.ts requires:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}
console.log(`check:compose: every Baton service has its required variables and valid values: ${checked.map((c) => `${c.service} (${c.role})`).join(', ')}`);

// 3 and 4.
const unsafe = [...usableSecretsIn(envFile), ...checkComposeSecurity(compose, envFile)];
if (unsafe.length > 0) fail(`docker-compose.yml or .env.example is not locked down:\n${unsafe.map((p) => `  - ${p}`).join('\n')}`);
console.log(
  'check:compose: .env.example holds placeholders every role refuses; ports on loopback; Temporal JWT authorizer, Web UI sign-in and codec token, metrics token in place',
);
