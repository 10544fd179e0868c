// Each role's entry point validates its environment at start and names the bad variable.
import { describe, expect, it } from 'vitest';
import { exitCode, startChild } from '../../support/processes';

describe('entry points refuse bad configuration', () => {
  it('api: missing BATON_API_TOKENS', async () => {
    const api = startChild('api/main.ts', { BATON_API_TOKENS: '', BATON_WEBHOOK_SECRET: 'secret-0123456789abcdef' });
    expect(await exitCode(api)).toBe(1);
    expect(api.output()).toMatch(/BATON_API_TOKENS: is required/);
  });

  it('api: a PORT that is not a number', async () => {
    const api = startChild('api/main.ts', { PORT: 'eighty', BATON_API_TOKENS: 'token-0123456789abcdef', BATON_WEBHOOK_SECRET: 'secret-0123456789abcdef' });
    expect(await exitCode(api)).toBe(1);
    expect(api.output()).toMatch(/PORT:/);
  });

  it('worker: a TEMPORAL_ADDRESS that is not host:port', async () => {
    const worker = startChild('worker/main.ts', { TEMPORAL_ADDRESS: 'http://nowhere' });
    expect(await exitCode(worker)).toBe(1);
    expect(worker.output()).toMatch(/TEMPORAL_ADDRESS: must be host:port/);
  });

  it('worker: a service URL that is not a URL', async () => {
    const worker = startChild('worker/main.ts', { PAYMENTS_URL: 'payments' });
    expect(await exitCode(worker)).toBe(1);
    expect(worker.output()).toMatch(/PAYMENTS_URL:/);
  });

  it('worker: no BATON_PAYLOAD_KEYS (payloads would be stored in plaintext)', async () => {
    const worker = startChild('worker/main.ts', { BATON_PAYLOAD_KEYS: '' });
    expect(await exitCode(worker)).toBe(1);
    expect(worker.output()).toMatch(/BATON_PAYLOAD_KEYS: is required/);
  });

  it('api: a payload key that is not 32 bytes', async () => {
    const api = startChild('api/main.ts', {
      BATON_API_TOKENS: 'token-0123456789abcdef',
      BATON_WEBHOOK_SECRET: 'secret-0123456789abcdef',
      BATON_PAYLOAD_KEYS: 'k1:c2hvcnQ=',
    });
    expect(await exitCode(api)).toBe(1);
    expect(api.output()).toMatch(/BATON_PAYLOAD_KEYS: entry 1 \("k1"\): the key must be 32 bytes/);
    expect(api.output()).not.toContain('c2hvcnQ=');
  });

  it('launcher: a bad port', async () => {
    const start = startChild('dev/launcher/start.ts', { TEMPORAL_UI_PORT: '99999' });
    expect(await exitCode(start)).toBe(1);
    expect(start.output()).toMatch(/TEMPORAL_UI_PORT:/);
  });
});
