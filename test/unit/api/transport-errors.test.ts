// Requests Node's HTTP parser refuses before the app runs still get the API's problem+json.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startComposedApi, type ComposedApi } from '../composition/composed-api';

let api: ComposedApi;
beforeAll(async () => {
  api = await startComposedApi({ baseUrls: { users: 'http://127.0.0.1:9' } });
});
afterAll(() => api.stop());

/** Writes raw bytes and reads until the server closes the connection. */
function raw(request: string): Promise<string> {
  const { port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(request));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

function parse(answer: string) {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { statusLine: head.split('\r\n')[0], head, body: JSON.parse(body) as { status: number; type: string; title: string } };
}

describe('requests the HTTP parser refuses', () => {
  it('an over-long URL: 431 problem+json', async () => {
    const { statusLine, head, body } = parse(await raw(`GET /profiles/u-1?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`));
    expect(statusLine).toBe('HTTP/1.1 431 Request header fields too large');
    expect(head).toMatch(/content-type: application\/problem\+json/i);
    expect(body).toMatchObject({ status: 431, title: 'Request header fields too large' });
  });

  it('a malformed request line: 400 problem+json', async () => {
    const { statusLine, body } = parse(await raw('NOT HTTP AT ALL\r\n\r\n'));
    expect(statusLine).toBe('HTTP/1.1 400 Bad request');
    expect(body).toMatchObject({ status: 400 });
  });
});

describe('keep-alive', () => {
  it('keeps idle connections for 65 s, past the 60 s idle timeout of common load balancers', async () => {
    const res = await fetch(`${api.url}/healthz`);
    await res.body?.cancel();
    expect(res.headers.get('keep-alive')).toBe('timeout=65');
  });
});
