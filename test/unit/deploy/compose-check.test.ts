import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { apiEnv, servicesEnv, workerEnv } from '../../../config/env';
import {
  checkCompose,
  checkComposeSecurity,
  interpolate,
  parseEnvFile,
  requiredVariables,
  roleOfService,
  usableSecretsIn,
} from '../../../dev/compose/compose-env-check';

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
        environment: {
          TEMPORAL_ADDRESS: '${TEMPORAL_ADDRESS:-temporal:7233}',
          BATON_PAYLOAD_KEYS: '${BATON_PAYLOAD_KEYS:?set BATON_PAYLOAD_KEYS}',
          ...patch.worker,
        },
      },
      services: { command: node('services'), environment: { SERVICES_HOST: '0.0.0.0', ...patch.services } },
    },
  };
}

describe('the repository docker-compose.yml', () => {
  it('gives every Baton role what config/env.ts requires, with .env.example as the env file', () => {
    const result = checkCompose({
      compose: parse(repo('docker-compose.yml'), { merge: true }),
      envFile: parseEnvFile(repo('.env.example')),
      placeholders: true,
    });
    expect(result.problems).toEqual([]);
    expect(result.checked.map((c) => c.role).sort()).toEqual(['api', 'services', 'worker']);
  });

  it('is locked down, and .env.example holds placeholders only', () => {
    const envExample = parseEnvFile(repo('.env.example'));
    expect(checkComposeSecurity(parse(repo('docker-compose.yml'), { merge: true }), envExample)).toEqual([]);
    expect(usableSecretsIn(envExample)).toEqual([]);
  });

  it('takes the secrets from the env file, with no defaults in the compose file', () => {
    const text = repo('docker-compose.yml');
    // Static tokens are optional beside the identity provider, so they may be empty, never defaulted.
    expect(text).toMatch(/BATON_API_TOKENS: \$\{BATON_API_TOKENS:-\}/);
    expect(text).toMatch(/BATON_JWKS_URL: \$\{BATON_JWKS_URL:\?/);
    expect(text.match(/BATON_METRICS_TOKEN: \$\{BATON_METRICS_TOKEN:\?/g)).toHaveLength(2);
    expect(text).toMatch(/BATON_WEBHOOK_SECRET: \$\{BATON_WEBHOOK_SECRET:\?/);
    expect(text.match(/BATON_PAYLOAD_KEYS: \$\{BATON_PAYLOAD_KEYS:\?/g)).toHaveLength(2);
  });
});

describe('compose check', () => {
  it('derives the required variables from the schemas', () => {
    // BATON_API_TOKENS is optional beside an identity provider; the API's own cross-check (config/api-auth.ts) needs one of them.
    expect(requiredVariables(apiEnv as never).sort()).toEqual(['BATON_PAYLOAD_KEYS', 'BATON_WEBHOOK_SECRET']);
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
    const { problems } = checkCompose({
      compose: compose(),
      envFile: { BATON_API_TOKENS: envFile.BATON_API_TOKENS, BATON_PAYLOAD_KEYS: envFile.BATON_PAYLOAD_KEYS },
    });
    expect(problems).toEqual([
      expect.stringContaining('BATON_WEBHOOK_SECRET takes ${BATON_WEBHOOK_SECRET} from the env file, but .env.example does not define'),
    ]);
  });

  it('fails on a required variable only passed through from the host', () => {
    const { problems } = checkCompose({ compose: compose({ api: { BATON_WEBHOOK_SECRET: null } }), envFile });
    expect(problems).toEqual([expect.stringContaining('BATON_WEBHOOK_SECRET is required but only passed through from the host')]);
  });

  it('fails when the API has neither static tokens nor an identity provider, or half of one', () => {
    expect(checkCompose({ compose: compose({ api: { BATON_API_TOKENS: null } }), envFile }).problems).toEqual([
      expect.stringMatching(/service api .*BATON_API_TOKENS is required unless BATON_JWKS_URL/),
    ]);
    expect(checkCompose({ compose: compose({ api: { BATON_JWKS_URL: 'https://idp.example/jwks.json' } }), envFile }).problems).toEqual([
      expect.stringMatching(/BATON_JWT_ISSUER is required with BATON_JWKS_URL/),
      expect.stringMatching(/BATON_JWT_AUDIENCE is required with BATON_JWKS_URL/),
    ]);
  });

  it('with placeholders: expects each role to refuse them, and checks the rest with stand-ins', () => {
    const placeholders = {
      BATON_API_TOKENS: 'replace-me-with-a-token',
      BATON_WEBHOOK_SECRET: 'replace-me-with-a-secret',
      BATON_PAYLOAD_KEYS: 'k1:REPLACE/ME/with/openssl/rand/base64/32/xxxw=',
    };
    expect(checkCompose({ compose: compose(), envFile: placeholders, placeholders: true }).problems).toEqual([]);
    // Without the flag they are what they are: values the roles refuse.
    expect(checkCompose({ compose: compose(), envFile: placeholders }).problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/service api .*BATON_API_TOKENS is a published placeholder/),
        expect.stringMatching(/service worker .*BATON_PAYLOAD_KEYS .*published placeholder/),
      ]),
    );
    // Stand-ins replace only the secrets: a bad value elsewhere is still found.
    expect(checkCompose({ compose: compose({ api: { PORT: 'eighty' } }), envFile: placeholders, placeholders: true }).problems).toEqual([
      expect.stringMatching(/service api .*PORT/),
    ]);
    expect(usableSecretsIn({ ...placeholders, BATON_METRICS_TOKEN: 'a-real-looking-token-0123456789', POSTGRES_PASSWORD: 'replace-me' })).toEqual([
      expect.stringMatching(/BATON_METRICS_TOKEN holds a usable value/),
    ]);
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
    expect(checkCompose({ compose: c, envFile }).problems).toEqual(['no service runs the services role (command dev/services/main.ts)']);
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

describe('compose security check', () => {
  const locked = () => parse(repo('docker-compose.yml'), { merge: true }) as { services: Record<string, Record<string, unknown>> };
  const envExample = parseEnvFile(repo('.env.example'));
  const envOf = (c: ReturnType<typeof locked>, name: string) => c.services[name]?.environment as Record<string, string>;

  it('reports a port published beyond the loopback, in either syntax', () => {
    const c = locked();
    (c.services.jaeger as Record<string, unknown>).ports = ['16686:16686'];
    (c.services.prometheus as Record<string, unknown>).ports = [{ target: 9090, published: 9090, host_ip: '0.0.0.0' }];
    expect(checkComposeSecurity(c, envExample)).toEqual([
      expect.stringMatching(/service jaeger: port 16686:16686 is published on every interface/),
      expect.stringMatching(/service prometheus: port 9090:9090 is published on 0\.0\.0\.0/),
    ]);
    expect(checkComposeSecurity(c, { ...envExample, BATON_API_HOST_IP: '0.0.0.0' })).toContainEqual(
      expect.stringMatching(/service api: port 0\.0\.0\.0:3000:3000/),
    );
  });

  it("reports Temporal's authorizer off or keyed by another provider, and no internal frontend", () => {
    const c = locked();
    delete envOf(c, 'temporal').TEMPORAL_JWT_KEY_SOURCE;
    expect(checkComposeSecurity(c, envExample)).toEqual([expect.stringMatching(/service temporal: TEMPORAL_JWT_KEY_SOURCE is not set/)]);
    envOf(c, 'temporal').TEMPORAL_JWT_KEY_SOURCE = 'https://other-idp.example/jwks.json';
    envOf(c, 'temporal').SERVICES = 'frontend:history:matching:worker';
    expect(checkComposeSecurity(c, envExample)).toEqual([
      expect.stringMatching(/is not the API's BATON_JWKS_URL/),
      expect.stringMatching(/SERVICES lacks internal-frontend/),
    ]);
  });

  it('reports a Web UI without sign-in or without the codec token, roles without a Temporal token, and a metrics token mismatch', () => {
    const c = locked();
    envOf(c, 'temporal-ui').TEMPORAL_AUTH_ENABLED = 'false';
    delete envOf(c, 'temporal-ui').TEMPORAL_CODEC_PASS_ACCESS_TOKEN;
    delete envOf(c, 'worker').TEMPORAL_AUTH_TOKEN_FILE;
    envOf(c, 'prometheus').BATON_METRICS_TOKEN = 'another';
    expect(checkComposeSecurity(c, envExample)).toEqual([
      expect.stringMatching(/service worker: sends Temporal no token/),
      expect.stringMatching(/service temporal-ui: TEMPORAL_AUTH_ENABLED/),
      expect.stringMatching(/service temporal-ui: TEMPORAL_CODEC_PASS_ACCESS_TOKEN/),
      expect.stringMatching(/service prometheus: BATON_METRICS_TOKEN is not the API's/),
    ]);
  });
});
