// What CI proves on a real cluster (npm run test:production, dev/temporal/temporal-cluster.ts) is what docker-compose.yml
// runs: the same bootstrap script, the same server config, and Baton's own search attributes.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BATON_SEARCH_ATTRIBUTES } from '../../../contracts/search-attributes';
import { DYNAMIC_CONFIG, TEMPORAL_BOOTSTRAP, TEMPORAL_SERVER_CONFIG, writeDynamicConfig } from '../../../dev/temporal/temporal-cluster';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const repo = (path: string) => readFileSync(`${root}${path}`, 'utf8');

interface ComposeService {
  image: string;
  command?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
}
const compose = parse(repo('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
const service = (name: string) => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
/** Where compose mounts deploy/temporal inside a container. */
const mountOf = (s: ComposeService) => s.volumes?.find((v) => v.startsWith('./deploy/temporal:'))?.split(':')[1];

describe('one bootstrap and one server config for every real cluster', () => {
  it('the cluster the tests start uses deploy/temporal/bootstrap.sh and deploy/temporal/config.yaml', () => {
    expect(relative(root, TEMPORAL_BOOTSTRAP)).toBe('deploy/temporal/bootstrap.sh');
    expect(relative(root, TEMPORAL_SERVER_CONFIG)).toBe('deploy/temporal/config.yaml');
  });

  it('compose runs the same script: schema before the server, namespace after it', () => {
    for (const [name, step] of [
      ['temporal-schema', 'schema'],
      ['temporal-setup', 'namespace'],
    ] as const) {
      const job = service(name);
      expect(job.command).toEqual([`${mountOf(job)}/bootstrap.sh`, step]);
    }
  });

  it('compose starts the server with the same config file, rendered from its environment', () => {
    const server = service('temporal');
    expect(server.environment?.TEMPORAL_SERVER_CONFIG_FILE_PATH).toBe(`${mountOf(server)}/config.yaml`);
    expect(repo('deploy/temporal/config.yaml').split('\n')[0]).toBe('# enable-template');
  });

  it("registers Baton's search attributes by default", () => {
    const defaults = /BATON_SEARCH_ATTRIBUTES:-([^}]*)\}/.exec(repo('deploy/temporal/bootstrap.sh'))?.[1];
    expect(defaults?.split(' ')).toEqual([...BATON_SEARCH_ATTRIBUTES]);
  });

  it("a cluster given dynamic config settings runs compose's file with those settings in place", async () => {
    const dockerYaml = parse(readFileSync(DYNAMIC_CONFIG, 'utf8')) as Record<string, unknown>;
    expect(dockerYaml['matching.enableFairness']).toEqual([{ value: true, constraints: {} }]);
    const dir = await mkdtemp(join(tmpdir(), 'baton-dynamic-config-'));
    try {
      const written = parse(readFileSync(await writeDynamicConfig(dir, { 'matching.enableFairness': false }), 'utf8')) as Record<string, unknown>;
      expect(written).toEqual({ ...dockerYaml, 'matching.enableFairness': [{ value: false, constraints: {} }] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
