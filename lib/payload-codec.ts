// AES-256-GCM encryption of Temporal payloads (a PayloadCodec), so that order inputs, results, signals,
// queries and activity arguments (addresses, customer data) reach Temporal's history only encrypted.
// The worker, the API's client and the codec endpoint all use createDataConverter, so they agree.
// Codecs run in the client and in the worker's main thread, never in the workflow sandbox.
//
// The wire format is the one of Temporal's encryption samples in every SDK: the whole original Payload
// (its metadata included) serialized as protobuf, encrypted, stored as IV (12 bytes) || ciphertext || tag
// (16 bytes), with metadata `encoding: binary/encrypted` and `encryption-key-id: <id>`.
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
// The package is CommonJS that Node's ESM loader cannot see named exports in: take its default export.
import proto from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';
export const PAYLOAD_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CIPHER = 'aes-256-gcm';

const ProtoPayload = proto.temporal.api.common.v1.Payload;
const utf8 = (s: string) => Buffer.from(s, 'utf8');
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** One AES-256 key and the ID that payloads encrypted with it carry. */
export interface PayloadKey {
  id: string;
  key: Uint8Array;
}

/** A payload names a key this process does not have: add that key (BATON_PAYLOAD_KEYS) to read it. */
export class UnknownPayloadKeyError extends Error {
  constructor(readonly keyId: string | undefined) {
    super(
      keyId === undefined
        ? `encrypted payload carries no ${KEY_ID_METADATA_KEY}`
        : `payload is encrypted with key "${keyId}", which is not configured (BATON_PAYLOAD_KEYS)`,
    );
    this.name = 'UnknownPayloadKeyError';
  }
}

/** The payload's key is known but the ciphertext does not authenticate: tampered, truncated, or another key under that ID. */
export class PayloadDecryptionError extends Error {
  constructor(readonly keyId: string) {
    super(`payload encrypted with key "${keyId}" cannot be decrypted: it was altered, or the key under that ID is not the one it was written with`);
    this.name = 'PayloadDecryptionError';
  }
}

export const isEncrypted = (payload: Payload): boolean => text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;

export class EncryptionCodec implements PayloadCodec {
  // KeyObjects made once: given raw bytes, Node 24 builds a KeyObject inside every createCipheriv and
  // createDecipheriv, which more than doubles their cost (26 against 11 µs to encrypt, 22 against 6 to decrypt).
  private readonly keys = new Map<string, KeyObject>();
  /** Encrypts new payloads; undefined when encryption is off (payloads pass through). */
  private readonly current: string | undefined;

  /** `keys[0]` encrypts; every key decrypts what was written with it. No keys: nothing is encrypted. */
  constructor(keys: readonly PayloadKey[]) {
    for (const { id, key } of keys) {
      if (key.length !== PAYLOAD_KEY_BYTES) throw new RangeError(`payload key "${id}" must be ${PAYLOAD_KEY_BYTES} bytes, not ${key.length}`);
      if (this.keys.has(id)) throw new RangeError(`payload key "${id}" is configured twice`);
      this.keys.set(id, createSecretKey(key));
    }
    this.current = keys[0]?.id;
  }

  /** The key that encrypts, then the others; for logs. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    const id = this.current;
    if (id === undefined) return Promise.resolve(payloads);
    const key = this.keys.get(id)!;
    return Promise.resolve(payloads.map((payload) => encrypt(payload, id, key)));
  }

  /** Payloads that are not encrypted (written before encryption, or with it off) pass through unchanged. */
  decode(payloads: Payload[]): Promise<Payload[]> {
    // A throw in the executor becomes the rejection.
    return new Promise((resolve) => resolve(payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload))));
  }

  private decrypt(payload: Payload): Payload {
    const id = text(payload.metadata?.[KEY_ID_METADATA_KEY]);
    const key = id === undefined ? undefined : this.keys.get(id);
    if (id === undefined || key === undefined) throw new UnknownPayloadKeyError(id);
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(id);
    try {
      const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return ProtoPayload.decode(plain);
    } catch {
      throw new PayloadDecryptionError(id);
    }
  }
}

function encrypt(payload: Payload, keyId: string, key: KeyObject): Payload {
  // A fresh IV for every payload: GCM's security rests on never reusing one under a key.
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  const plain = ProtoPayload.encode(payload).finish();
  const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return { metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA_KEY]: utf8(keyId) }, data };
}

/** Where the failure converter lives; workflow bundles built ahead of time must be given it too. */
export const failureConverterPath = fileURLToPath(new URL('./failure-converter.ts', import.meta.url));

/** The data converter of every Baton client and worker: default JSON conversion, failures' text encoded, then encryption. */
export function createDataConverter(keys: readonly PayloadKey[]): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(keys)], failureConverterPath };
}

/** What the API and the worker log about encryption (key IDs only, never key material). */
export function describePayloadEncryption(keys: readonly PayloadKey[]): { encryptWith: string; decryptWith: string[] } | 'off' {
  const [first] = keys;
  return first ? { encryptWith: first.id, decryptWith: keys.map((k) => k.id) } : 'off';
}

/** A new key in BATON_PAYLOAD_KEYS form, `<id>:<base64 of 32 random bytes>`. */
export function generatePayloadKey(id: string): string {
  return `${id}:${randomBytes(PAYLOAD_KEY_BYTES).toString('base64')}`;
}
