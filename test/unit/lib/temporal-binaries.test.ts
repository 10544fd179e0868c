import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTemporalCli, resolveTestServer } from '../../../dev/temporal/temporal-binaries';

function fakeBinary(dir: string, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, 0o755);
  return path;
}

describe('Temporal binary resolution', () => {
  it('prefers the explicit path from the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-bin-'));
    const path = fakeBinary(dir, 'my-temporal');
    expect(resolveTemporalCli({ TEMPORAL_CLI_PATH: path, PATH: '' }).executable).toEqual({ type: 'existing-path', path });
    const ts = fakeBinary(dir, 'my-test-server');
    expect(resolveTestServer({ TEMPORAL_TEST_SERVER_PATH: ts }).executable).toEqual({ type: 'existing-path', path: ts });
  });

  it('rejects an explicit path that is not executable', () => {
    expect(() => resolveTemporalCli({ TEMPORAL_CLI_PATH: '/nonexistent/temporal' })).toThrow(/TEMPORAL_CLI_PATH/);
  });

  it('finds the binary on PATH next', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-path-'));
    const path = fakeBinary(dir, 'temporal');
    expect(resolveTemporalCli({ PATH: `/nonexistent:${dir}` }, { searchInstallDirs: false }).executable).toEqual({ type: 'existing-path', path });
  });

  it("falls back to the SDK's download when no binary is found", () => {
    const resolved = resolveTestServer({ PATH: '/nonexistent' }, { searchInstallDirs: false });
    expect(resolved.executable).toEqual({ type: 'cached-download' });
    expect(resolved.source).toMatch(/SDK download/);
  });

  it('finds what `npm run setup` installed', () => {
    expect(resolveTemporalCli({ PATH: '/nonexistent' }).executable.type).toBe('existing-path');
  });
});
