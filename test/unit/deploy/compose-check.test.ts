import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { apiEnv, servicesEnv, workerEnv } from '../../../config/env';
import { checkCompose, interpolate, parseEnvFile, requiredVariables, roleOfService } from '../../../scripts/compose-env-check';

const repo = (path: string) => readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8');

const envFile = { BATON_API_TOKENS: 'token-aaaaaaaaaaaaaaaa', BATON_WEBHOOK_SECRET: 'secret-bbbbbbbbbbbbbbbb', BATON_PAYLOAD_KEYS: `k1:${'A'.repeat(43)}=` };
const node = (role: string) => ['node', '--import', 'tsx', `${role}/main.ts`];

/** A minimal valid compose file; `patch` edits one service's environment. */
function compose(patch: Partial<Record<'api' | 'worker' | 'services', Record<string, string | null>>> = {}) {
  return {
    services: {
      postgresql: { image: 'postgres:16', environment: { POSTGRES_PASSWORD: '${POSTGRES_PASSWORD:?set it}' } },
      api: {
        command: node('api'),
        environment: {
          TEMPORAL_ADDRESS: 'temporal:7233',
          BATON_API_TOKENS: '${BATON_API_TOKENS:?set BATON_API_TOKENS}',
          BATON_WEBHOOK_SECRET: '${BATON_WEBHOOK_SECRET:?set BATON_WEBHOOK_SECRET}',
          BATON_PAYLOAD_KEYS: '${BATON_PAYLOAD_KEYS:?set BATON_PAYLOAD_KEYS}',
          ...patch.api,
        },
      },
      worker: {
        command: 'npm run worker',
        environment: { TEMPORAL_ADDRESS: '${TEMPORAL_ADDRESS:-temporal:7233}', BATON_PAYLOAD_KEYS: '${BATON_PAYLOAD_KEYS:?set BATON_PAYLOAD_KEYS}', ...patch.worker },
      },
      services: { command: node('services'), environment: { SERVICES_HOST: '0.0.0.0', ...patch.services } },
    },
  };
}

describe('the repository docker-compose.yml', () => {
  it('gives every Baton role what config/env.ts requires, with .env.example as the env file', () => {
    const result = checkCompose({ compose: parse(repo('docker-compose.yml'), { merge: true }), envFile: parseEnvFile(repo('.env.example')) });
    expect(result.problems).toEqual([]);
    expect(result.checked.map((c) => c.role).sort()).toEqual(['api', 'services', 'worker']);
  });

  it('takes the secrets from the env file, with no defaults in the compose file', () => {
    const text = repo('docker-compose.yml');
    expect(text).toMatch(/BATON_API_TOKENS: \$\{BATON_API_TOKENS:\?/);
    expect(text).toMatch(/BATON_WEBHOOK_SECRET: \$\{BATON_WEBHOOK_SECRET:\?/);
    expect(text.match(/BATON_PAYLOAD_KEYS: \$\{BATON_PAYLOAD_KEYS:\?/g)).toHaveLength(2);
  });
});

describe('compose check', () => {
  it('derives the required variables from the schemas', () => {
    expect(requiredVariables(apiEnv as never).sort()).toEqual(['BATON_API_TOKENS', 'BATON_PAYLOAD_KEYS', 'BATON_WEBHOOK_SECRET']);
    expect(requiredVariables(workerEnv as never)).toEqual(['BATON_PAYLOAD_KEYS']);
    expect(requiredVariables(servicesEnv as never)).toEqual([]);
  });

  it('passes a compose file that satisfies every role', () => {
    expect(checkCompose({ compose: compose(), envFile })).toEqual({
      checked: [
        { service: 'api', role: 'api' },
        { service: 'worker', role: 'worker' },
        { service: 'services', role: 'services' },
      ],
      problems: [],
    });
  });

  it('fails when a required variable is missing from a service', () => {
    const c = compose();
    delete (c.services.api.environment as Record<string, string>).BATON_WEBHOOK_SECRET;
    const { problems } = checkCompose({ compose: c, envFile });
    expect(problems).toEqual([expect.stringMatching(/service api .*BATON_WEBHOOK_SECRET is required but the service sets no value/)]);
  });

  it('fails when a ${VAR:?…} secret is not defined in .env.example', () => {
    const { problems } = checkCompose({ compose: compose(), envFile: { BATON_API_TOKENS: envFile.BATON_API_TOKENS, BATON_PAYLOAD_KEYS: envFile.BATON_PAYLOAD_KEYS } });
    expect(problems).toEqual([expect.stringContaining('BATON_WEBHOOK_SECRET takes ${BATON_WEBHOOK_SECRET} from the env file, but .env.example does not define')]);
  });

  it('fails on a required variable only passed through from the host', () => {
    const { problems } = checkCompose({ compose: compose({ api: { BATON_API_TOKENS: null } }), envFile });
    expect(problems).toEqual([expect.stringContaining('BATON_API_TOKENS is required but only passed through from the host')]);
  });

  it("fails on values the role's schema rejects, defaults included", () => {
    const { problems } = checkCompose({
      compose: compose({ worker: { TEMPORAL_ADDRESS: '${TEMPORAL_ADDRESS:-temporal}', BATON_MAX_CONCURRENT_ACTIVITIES: 'lots' } }),
      envFile,
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/service worker .*TEMPORAL_ADDRESS must be host:port/);
    expect(problems[1]).toMatch(/BATON_MAX_CONCURRENT_ACTIVITIES/);
  });

  it('fails on cross-variable mistakes the role would exit on', () => {
    const { problems } = checkCompose({
      compose: compose({ worker: { BATON_ACTIVITY_TASK_QUEUE: 'baton-payments' }, api: { TEMPORAL_TLS_CERT_PATH: '/certs/client.pem' } }),
      envFile,
    });
    expect(problems).toEqual([
      expect.stringMatching(/service api .*TEMPORAL_TLS_KEY_PATH is required with TEMPORAL_TLS_CERT_PATH/),
      expect.stringMatching(/service worker .*BATON_ACTIVITY_TASK_QUEUE only applies to BATON_WORKER_ROLE=activities/),
    ]);
  });

  it('fails on a misspelt Baton variable, which the role would silently ignore', () => {
    const { problems } = checkCompose({ compose: compose({ worker: { BATON_MAX_CONCURENT_ACTIVITIES: '10', OTEL_SERVICE_NAME: 'w' } }), envFile });
    expect(problems).toEqual([expect.stringContaining('BATON_MAX_CONCURENT_ACTIVITIES is not read by this role')]);
  });

  it('fails when a role has no service', () => {
    const c = compose() as { services: Record<string, unknown> };
    delete c.services.services;
    expect(checkCompose({ compose: c, envFile }).problems).toEqual(['no service runs the services role (command services/main.ts)']);
  });

  it('reads env_file entries', () => {
    const c = compose();
    delete (c.services.api.environment as Record<string, string>).BATON_WEBHOOK_SECRET;
    (c.services.api as Record<string, unknown>).env_file = 'deploy/api.env';
    const result = checkCompose({
      compose: c,
      envFile,
      readServiceEnvFile: (path): Record<string, string> => (path === 'deploy/api.env' ? { BATON_WEBHOOK_SECRET: 'from-the-env-file-0123' } : {}),
    });
    expect(result.problems).toEqual([]);
  });
});

describe('compose interpolation', () => {
  const vars = { SET: 'value', EMPTY: '' };
  it.each([
    ['${SET:-d}', 'value', []],
    ['${MISSING:-d}', 'd', []],
    ['${EMPTY:-d}', 'd', []],
    ['${EMPTY-d}', '', []],
    ['${SET:?m}', 'value', []],
    ['${MISSING:?must be set}', '', ['MISSING']],
    ['${EMPTY:?m}', '', ['EMPTY']],
    ['${EMPTY?m}', '', []],
    ['${MISSING}', '', ['MISSING']],
    ['http://$SET:${PORT:-3000}/x', 'http://value:3000/x', []],
    ['$$SET', '$SET', []],
    ['${SET:+alt}', 'alt', []],
  ] as const)('%s', (raw, value, undefinedInEnvFile) => {
    const result = interpolate(raw, vars);
    expect(result.value).toBe(value);
    expect(result.undefinedInEnvFile).toEqual(undefinedInEnvFile);
  });

  it('parses env files like compose', () => {
    expect(parseEnvFile('# comment\nA=1\n  B = "two words"\nexport C=\'x\'\n\n# D=4\nE=\n')).toEqual({ A: '1', B: 'two words', C: 'x', E: '' });
  });

  it('finds the role from the command', () => {
    expect(roleOfService({ command: node('worker') })).toBe('worker');
    expect(roleOfService({ command: 'npm run services' })).toBe('services');
    expect(roleOfService({ entrypoint: ['node', '--import', 'tsx'], command: ['/app/api/main.ts'] })).toBe('api');
    expect(roleOfService({ image: 'postgres:16' })).toBeUndefined();
  });
});
