// The API's V8 flags (api/node-flags.ts) are in every file that starts the API process: a copy that drifts
// would run production with settings the benchmarks never measured. `npm start` passes the constant itself
// (test/integration/foundation/launcher.test.ts reads the running API's command line).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { API_NODE_FLAGS } from '../../../api/node-flags';

const repo = (path: string) => readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8');
const apiCommand = ['node', ...API_NODE_FLAGS, '--import', 'tsx', 'api/main.ts'];

describe("the API process's node flags", () => {
  it('are in `npm run api`', () => {
    const scripts = (JSON.parse(repo('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.api).toBe(apiCommand.join(' '));
  });

  it("are in the image's default command", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(repo('Dockerfile'))?.[1];
    expect(JSON.parse(cmd ?? 'null')).toEqual(apiCommand);
  });

  it("are in docker compose's api service", () => {
    const compose = parse(repo('docker-compose.yml')) as { services: Record<string, { command?: string[] }> };
    expect(compose.services.api?.command).toEqual(apiCommand);
  });
});
