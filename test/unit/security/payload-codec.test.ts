// The payload codec on its own: what it writes is unreadable without the key, reads back exactly, survives a
// key rotation, refuses unknown keys and altered ciphertext by name, and leaves plaintext payloads alone.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { apiEnv, EnvError, parseEnv, payloadKeys, workerEnv } from '../../../config/env';
import { devPayloadKeys } from '../../../dev/dev-payload-keys';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  generatePayloadKey,
  KEY_ID_METADATA_KEY,
  PayloadDecryptionError,
  UnknownPayloadKeyError,
  type PayloadKey,
} from '../../../lib/payload-codec';
import { historiesDir, loadHistories } from '../../support/histories';

const key = (id: string): PayloadKey => ({ id, key: randomBytes(32) });
const k1 = key('k1');
const k2 = key('k2');

const order = { orderId: 'ord-1', customerId: 'cus-secret-42', shippingAddress: { line1: 'Geheimweg 7', city: 'Berlin', postalCode: '10115', country: 'DE' } };
const payloadOf = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const valueOf = (payload: Payload): unknown => defaultPayloadConverter.fromPayload(payload);
const meta = (payload: Payload, name: string) => Buffer.from(payload.metadata?.[name] ?? []).toString('utf8');
const bytesOf = (payload: Payload) => Buffer.concat([...Object.values(payload.metadata ?? {}).map((v) => Buffer.from(v)), Buffer.from(payload.data ?? [])]);

describe('EncryptionCodec', () => {
  it('stores a payload unreadable, tagged with its key, and reads it back exactly', async () => {
    const codec = new EncryptionCodec([k1]);
    const original = payloadOf(order);
    const [encrypted] = await codec.encode([original]);

    expect(meta(encrypted!, 'encoding')).toBe(ENCRYPTED_ENCODING);
    expect(meta(encrypted!, KEY_ID_METADATA_KEY)).toBe('k1');
    const stored = bytesOf(encrypted!);
    for (const secret of ['Geheimweg', 'cus-secret-42', 'json/plain']) expect(stored.includes(secret)).toBe(false);

    const [decoded] = await codec.decode([encrypted!]);
    expect(meta(decoded!, 'encoding')).toBe('json/plain');
    expect(valueOf(decoded!)).toEqual(order);
  });

  it('uses a fresh IV for every payload', async () => {
    const codec = new EncryptionCodec([k1]);
    const [a, b] = await codec.encode([payloadOf(order), payloadOf(order)]);
    expect(Buffer.from(a!.data!).subarray(0, 12).equals(Buffer.from(b!.data!).subarray(0, 12))).toBe(false);
  });

  it('after a rotation, encrypts with the new key and still reads what the old key wrote', async () => {
    const [old] = await new EncryptionCodec([k1]).encode([payloadOf(order)]);
    const rotated = new EncryptionCodec([k2, k1]);

    expect(valueOf((await rotated.decode([old!]))[0]!)).toEqual(order);
    const [fresh] = await rotated.encode([payloadOf(order)]);
    expect(meta(fresh!, KEY_ID_METADATA_KEY)).toBe('k2');
    // Once the old key is dropped, what it wrote is unreadable: keep it until no history needs it.
    await expect(new EncryptionCodec([k2]).decode([old!])).rejects.toThrow(UnknownPayloadKeyError);
  });

  it('names the key it does not have', async () => {
    const [encrypted] = await new EncryptionCodec([key('k9')]).encode([payloadOf(order)]);
    const failure = new EncryptionCodec([k1]).decode([encrypted!]);
    await expect(failure).rejects.toThrow(UnknownPayloadKeyError);
    await expect(failure).rejects.toThrow(/key "k9", which is not configured/);
  });

  it('refuses altered or truncated ciphertext, and a different key under the same ID', async () => {
    const codec = new EncryptionCodec([k1]);
    const [encrypted] = await codec.encode([payloadOf(order)]);
    const data = Buffer.from(encrypted!.data!);
    const flipped = Buffer.from(data);
    flipped[20] = flipped[20]! ^ 0x01;

    await expect(codec.decode([{ ...encrypted!, data: flipped }])).rejects.toThrow(PayloadDecryptionError);
    await expect(codec.decode([{ ...encrypted!, data: data.subarray(0, 20) }])).rejects.toThrow(PayloadDecryptionError);
    await expect(new EncryptionCodec([key('k1')]).decode([encrypted!])).rejects.toThrow(/key "k1" cannot be decrypted/);
  });

  it('passes payloads that are not encrypted through unchanged', async () => {
    const codec = new EncryptionCodec([k1]);
    const plain = [payloadOf(order), payloadOf(null), payloadOf(new Uint8Array([1, 2, 3]))];
    expect(await codec.decode(plain)).toEqual(plain);
  });

  it('passes the recorded plaintext histories through unchanged', async () => {
    const codec = new EncryptionCodec([k2, k1]);
    const { history } = loadHistories(historiesDir).find((h) => h.workflowId === 'card-completed')!;
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads as Payload[];
    expect(input.length).toBeGreaterThan(0);
    const decoded = await codec.decode(input);
    expect(decoded).toEqual(input);
    expect(valueOf(decoded[0]!)).toHaveProperty('shippingAddress.line1');
  });

  it('with encryption off, stores plaintext and says why it cannot read an encrypted payload', async () => {
    const off = new EncryptionCodec([]);
    const plain = payloadOf(order);
    expect(await off.encode([plain])).toEqual([plain]);
    const [encrypted] = await new EncryptionCodec([k1]).encode([plain]);
    await expect(off.decode([encrypted!])).rejects.toThrow(/key "k1"/);
  });

  it('refuses keys of the wrong size or a repeated ID', () => {
    expect(() => new EncryptionCodec([{ id: 'short', key: randomBytes(16) }])).toThrow(/32 bytes/);
    expect(() => new EncryptionCodec([k1, { ...k2, id: 'k1' }])).toThrow(/twice/);
  });
});

describe('BATON_PAYLOAD_KEYS', () => {
  const material = randomBytes(32).toString('base64');
  const issues = (value: string | undefined, schema: typeof workerEnv | typeof apiEnv = workerEnv) => {
    try {
      parseEnv(schema, {
        BATON_API_TOKENS: 'token-0123456789abcdef',
        BATON_WEBHOOK_SECRET: 'secret-0123456789abcdef',
        ...(value !== undefined && { BATON_PAYLOAD_KEYS: value }),
      });
      return [];
    } catch (err) {
      if (!(err instanceof EnvError)) throw err;
      return err.issues;
    }
  };

  it('reads id:base64 pairs, the first one encrypting', () => {
    const parsed = payloadKeys.parse(` k2:${material}, k1:${randomBytes(32).toString('base64')} `);
    expect(parsed.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(Buffer.from(parsed[0]!.key).toString('base64')).toBe(material);
    expect(payloadKeys.parse(generatePayloadKey('fresh'))[0]!.key).toHaveLength(32);
  });

  it('is required by the worker and the API; off is the explicit way out', () => {
    expect(issues(undefined, workerEnv)).toEqual([{ variable: 'BATON_PAYLOAD_KEYS', message: 'is required' }]);
    expect(issues(undefined, apiEnv)).toEqual([{ variable: 'BATON_PAYLOAD_KEYS', message: 'is required' }]);
    expect(payloadKeys.parse('off')).toEqual([]);
  });

  it.each([
    ['a key of 16 bytes', `k1:${randomBytes(16).toString('base64')}`, /entry 1 \("k1"\): the key must be 32 bytes in base64/],
    ['no id', material, /entry 1 must be <id>:<base64 key>/],
    ['an id with spaces', `my key:${material}`, /entry 1 must be <id>:<base64 key>/],
    ['a repeated id', `k1:${material},k1:${randomBytes(32).toString('base64')}`, /entry 2 \("k1"\): the id is used twice/],
    ['an empty entry', `k1:${material},`, /entry 2 must be/],
  ])('refuses %s, naming the entry but never its key', (_, value, message) => {
    const found = issues(value);
    expect(found).toHaveLength(1);
    expect(found[0]!.variable).toBe('BATON_PAYLOAD_KEYS');
    expect(found[0]!.message).toMatch(message);
    expect(found[0]!.message).not.toContain(material);
  });

  it('takes the Web UI origins for the codec endpoint, refusing URLs with a path', () => {
    const env = (extra: Record<string, string>) => ({
      BATON_API_TOKENS: 'token-0123456789abcdef',
      BATON_WEBHOOK_SECRET: 'secret-0123456789abcdef',
      BATON_PAYLOAD_KEYS: 'off',
      ...extra,
    });
    expect(parseEnv(apiEnv, env({})).BATON_CODEC_CORS_ORIGINS).toEqual(['http://localhost:8233']);
    expect(parseEnv(apiEnv, env({ BATON_CODEC_CORS_ORIGINS: 'https://temporal.example.com, http://localhost:8080' })).BATON_CODEC_CORS_ORIGINS).toEqual([
      'https://temporal.example.com',
      'http://localhost:8080',
    ]);
    expect(() => parseEnv(apiEnv, env({ BATON_CODEC_CORS_ORIGINS: 'http://localhost:8233/' }))).toThrow(/BATON_CODEC_CORS_ORIGINS: must be an origin/);
  });
});

describe('the local payload key of npm start', () => {
  it('is created once, readable by its owner only, and the same on every start', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'baton-keys-')), 'data');
    const first = await devPayloadKeys(dir, new Date('2026-01-02T03:04:05Z'));
    expect(first.created).toBe(true);
    expect(first.value).toMatch(/^dev-2026-01-02:[A-Za-z0-9+/]{43}=$/);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);

    const second = await devPayloadKeys(dir);
    expect(second).toEqual({ ...first, created: false });
  });

  it('refuses a damaged key file, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-keys-'));
    writeFileSync(join(dir, 'payload-keys'), 'dev:not-a-key\n');
    await expect(devPayloadKeys(dir)).rejects.toThrow(new RegExp(`${join(dir, 'payload-keys')} does not hold usable payload keys`));
    expect(readFileSync(join(dir, 'payload-keys'), 'utf8')).toBe('dev:not-a-key\n');
  });
});
