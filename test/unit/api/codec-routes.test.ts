// /codec/encode and /codec/decode as the Temporal Web UI calls them: from its own origin (CORS, preflight
// first), with a bearer token, payloads as protobuf JSON; through createApp with a Temporal client that goes nowhere.
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../api/app';
import type { AppConfig } from '../../../api/http/deps';
import { createDataConverter, EncryptionCodec, type PayloadKey } from '../../../lib/payload-codec';
import { nowhereTemporal, unitConfig, UNIT_TOKEN as TOKEN } from '../../support/unit-app';

const UI = 'http://localhost:8233';
const keys: PayloadKey[] = [
  { id: 'k2', key: randomBytes(32) },
  { id: 'k1', key: randomBytes(32) },
];
const temporal = nowhereTemporal({ dataConverter: createDataConverter(keys) });
const config = unitConfig({ bodyLimitBytes: 64 * 1024, temporalUiUrl: UI });
const appWith = (codec?: AppConfig['codec']) =>
  createApp({
    config: { ...config, ...(codec && { codec }) },
    temporal,
    logger: pino({ level: 'silent' }),
  });
const app = appWith();

afterAll(() => temporal.connection.close());

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});
const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const order = { orderId: 'ord-7', shippingAddress: { line1: 'Geheimweg 7', city: 'Berlin', postalCode: '10115', country: 'DE' } };
const plain = () => toJson(defaultPayloadConverter.toPayload(order));
const metaText = (p: JsonPayload, name: string) => Buffer.from(p.metadata?.[name] ?? '', 'base64').toString('utf8');

function post(path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }, target = app) {
  return target.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: UI, 'x-namespace': 'default', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  return (await res.json()) as { status: number; detail?: string; errors?: { path: string; message: string }[] };
}

describe('codec endpoint', () => {
  it('encrypts with the first key and decrypts back, as the Web UI sends and reads payloads', async () => {
    const encoded = await post('/codec/encode', { payloads: [plain()] });
    expect(encoded.status).toBe(200);
    expect(encoded.headers.get('access-control-allow-origin')).toBe(UI);
    const { payloads } = (await encoded.json()) as { payloads: JsonPayload[] };
    expect(metaText(payloads[0]!, 'encoding')).toBe('binary/encrypted');
    expect(metaText(payloads[0]!, 'encryption-key-id')).toBe('k2');
    expect(Buffer.from(payloads[0]!.data!, 'base64').includes('Geheimweg')).toBe(false);

    const decoded = await post('/codec/decode', { payloads });
    expect(decoded.status).toBe(200);
    const back = (await decoded.json()) as { payloads: JsonPayload[] };
    expect(defaultPayloadConverter.fromPayload(fromJson(back.payloads[0]!))).toEqual(order);
  });

  it('decodes what the worker wrote with an older key, and passes plaintext payloads through', async () => {
    const [old] = await new EncryptionCodec([keys[1]!]).encode([defaultPayloadConverter.toPayload(order)]);
    const res = await post('/codec/decode', { payloads: [toJson(old!), plain()] });
    expect(res.status).toBe(200);
    const { payloads } = (await res.json()) as { payloads: JsonPayload[] };
    expect(payloads.map((p) => defaultPayloadConverter.fromPayload(fromJson(p)))).toEqual([order, order]);
  });

  it('answers 422 naming the payload encrypted with a key it does not have, or altered', async () => {
    const [foreign] = await new EncryptionCodec([{ id: 'k9', key: randomBytes(32) }]).encode([defaultPayloadConverter.toPayload(order)]);
    const [ours] = await new EncryptionCodec(keys).encode([defaultPayloadConverter.toPayload(order)]);
    const altered = Buffer.from(ours!.data!);
    altered[30] = altered[30]! ^ 0xff;
    const res = await post('/codec/decode', { payloads: [plain(), toJson(foreign!), toJson({ ...ours!, data: altered })] });
    expect(res.status).toBe(422);
    const body = await problem(res);
    expect(body.errors?.map((e) => e.path)).toEqual(['payloads.1.metadata.encryption-key-id', 'payloads.2.data']);
    expect(body.errors?.[0]?.message).toMatch(/key "k9", which is not configured/);
    expect(body.errors?.[1]?.message).toMatch(/key "k2" cannot be decrypted/);
  });

  it.each([
    ['no payloads field', {}, 'payloads'],
    ['data that is not base64', { payloads: [{ data: 'not base64!' }] }, 'payloads.0.data'],
    ['metadata that is not base64', { payloads: [{ metadata: { encoding: '%%%' } }] }, 'payloads.0.metadata.encoding'],
    ['payloads that are not a list', { payloads: 'x' }, 'payloads'],
  ])('answers 400 for %s, naming the field', async (_, body, path) => {
    const res = await post('/codec/decode', body);
    expect(res.status).toBe(400);
    expect((await problem(res)).errors?.map((e) => e.path)).toContain(path);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await post('/codec/encode', '{"payloads":');
    expect(res.status).toBe(400);
  });

  it('needs a bearer token, and says so in a way the browser can read', async () => {
    for (const path of ['/codec/encode', '/codec/decode']) {
      const res = await post(path, { payloads: [plain()] }, {});
      expect(res.status).toBe(401);
      expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    }
    expect((await post('/codec/decode', { payloads: [] }, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
  });

  it('lets the Web UI origin through its preflight, without a token, with credentials', async () => {
    const res = await app.request('/codec/decode', {
      method: 'OPTIONS',
      headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase().split(',')).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'x-namespace']),
    );
  });

  it('gives any other origin no CORS grant', async () => {
    const preflight = await app.request('/codec/decode', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const res = await post('/codec/decode', { payloads: [plain()] }, { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('takes its origins from the config, and opens to callers without a token only when told to', async () => {
    const local = appWith({ corsOrigins: ['http://127.0.0.1:9999'], auth: 'none' });
    const preflight = await local.request('/codec/decode', {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:9999', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:9999');
    expect((await post('/codec/decode', { payloads: [plain()] }, { origin: 'http://127.0.0.1:9999' }, local)).status).toBe(200);
    // Only the codec opens; everything else still needs a token.
    expect((await local.request('/orders/ord-1')).status).toBe(401);
  });

  it('is in the OpenAPI document, behind the bearer scheme', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, { post?: { security?: unknown; responses: Record<string, unknown> } }>;
      components: { schemas: Record<string, unknown> };
    };
    for (const path of ['/codec/encode', '/codec/decode']) {
      expect(doc.paths[path]?.post?.security).toEqual([{ bearer: ['codec'] }]);
      expect(Object.keys(doc.paths[path]?.post?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '401']));
    }
    expect(Object.keys(doc.paths['/codec/decode']?.post?.responses ?? {})).toContain('422');
    expect(doc.components.schemas).toHaveProperty('CodecPayloads');
  });
});
