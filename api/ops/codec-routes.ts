// The Temporal codec-server protocol, which the Web UI and `temporal ... --codec-endpoint` speak: POST
// /codec/encode and /codec/decode take and return Payloads as protobuf JSON, `{ "payloads": [{ "metadata":
// { "<key>": "<base64>" }, "data": "<base64>" }] }`. They run the payloads through the codecs of the API's
// own Temporal client (lib/payload-codec.ts), so they read exactly what the worker and the API stored.
// The UI calls from its own origin: CORS (preflight included) must answer before the bearer check. It sends
// its user's access token from the identity provider (TEMPORAL_CODEC_PASS_ACCESS_TOKEN): a JWT with the
// `codec` scope decodes, one without it gets 403 (api/http/scopes.ts).
import { createRoute, z } from '@hono/zod-openapi';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { PayloadDecryptionError, UnknownPayloadKeyError } from '../../lib/payload-codec';
import type { AppConfig, AppEnv } from '../http/deps';
import { ApiProblem, errorResponses, errorsFor } from '../http/problems';
import { createRouter } from '../http/router';

export const CODEC_PATH_PREFIX = '/codec/';
export const DEFAULT_CODEC_CONFIG: NonNullable<AppConfig['codec']> = { corsOrigins: ['http://localhost:8233'], auth: 'bearer' };

const Base64 = z.base64('must be base64');

const CodecPayload = z
  .object({
    metadata: z
      .record(z.string(), Base64)
      .optional()
      .openapi({ description: 'Metadata values, base64 (e.g. `encoding`, `encryption-key-id`)', example: { encoding: 'anNvbi9wbGFpbg==' } }),
    data: Base64.optional().openapi({ description: 'The payload bytes, base64; absent when empty', example: 'eyJvcmRlcklkIjoib3JkLTEifQ==' }),
  })
  .openapi('CodecPayload');

const CodecPayloads = z.object({ payloads: z.array(CodecPayload) }).openapi('CodecPayloads', {
  description: 'temporal.api.common.v1.Payloads as protobuf JSON',
});
type JsonPayload = z.infer<typeof CodecPayload>;

const undecodable = (errors: { path: string; message: string }[]) =>
  new ApiProblem(422, 'undecodable-payload', 'Payload cannot be decoded', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });

function codecRoute(operation: 'encode' | 'decode') {
  return createRoute({
    method: 'post',
    path: `${CODEC_PATH_PREFIX}${operation}`,
    tags: ['codec'],
    summary:
      operation === 'encode'
        ? 'Encrypt payloads as Baton stores them in Temporal (codec-server protocol)'
        : 'Decrypt payloads read from Temporal; unencrypted ones come back unchanged (codec-server protocol)',
    description:
      'For the Temporal Web UI (its codec endpoint is `<api>/codec`; with `TEMPORAL_CODEC_PASS_ACCESS_TOKEN` it sends its user\'s identity-provider token, which needs the `codec` scope) and the CLI (`--codec-endpoint`, `--codec-auth "Bearer <token>"`). ' +
      'The `X-Namespace` header the UI sends is accepted and not needed. Browsers may call it only from the origins in `BATON_CODEC_CORS_ORIGINS`.',
    security: [{ bearer: [] }],
    request: { body: { required: true, content: { 'application/json': { schema: CodecPayloads } } } },
    responses: {
      200: { description: 'The payloads, in the same order', content: { 'application/json': { schema: CodecPayloads } } },
      ...errorsFor(400, 401, 403, 413),
      ...(operation === 'decode' && {
        422: {
          ...errorResponses[400],
          description: 'A payload is encrypted with a key this API does not have, or its ciphertext does not authenticate; `errors` names it',
        },
      }),
    },
  });
}

const fromJson = ({ metadata, data }: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
  data: Buffer.from(data ?? '', 'base64'),
});

// As protobuf JSON writes them: empty fields left out.
const toJson = ({ metadata, data }: Payload): JsonPayload => {
  const entries = Object.entries(metadata ?? {});
  return {
    ...(entries.length > 0 && { metadata: Object.fromEntries(entries.map(([key, value]) => [key, Buffer.from(value).toString('base64')])) }),
    ...(data && data.length > 0 && { data: Buffer.from(data).toString('base64') }),
  };
};

/** Decodes one payload at a time, so that a failure names the payload it belongs to. */
async function decodeEach(codecs: readonly PayloadCodec[], payloads: Payload[]): Promise<Payload[]> {
  const decoded: Payload[] = [];
  const errors: { path: string; message: string }[] = [];
  for (const [index, payload] of payloads.entries()) {
    try {
      let current = [payload];
      for (const codec of [...codecs].reverse()) current = await codec.decode(current);
      decoded.push(...current);
    } catch (err) {
      if (err instanceof UnknownPayloadKeyError) errors.push({ path: `payloads.${index}.metadata.encryption-key-id`, message: err.message });
      else if (err instanceof PayloadDecryptionError) errors.push({ path: `payloads.${index}.data`, message: err.message });
      else throw err;
    }
  }
  if (errors.length > 0) throw undecodable(errors);
  return decoded;
}

async function encodeAll(codecs: readonly PayloadCodec[], payloads: Payload[]): Promise<Payload[]> {
  let current = payloads;
  for (const codec of codecs) current = await codec.encode(current);
  return current;
}

/** CORS for the Web UI's origins only, with credentials as the UI may send them; answers preflights itself. */
export function codecCors(config: AppConfig['codec'] = DEFAULT_CODEC_CONFIG): MiddlewareHandler<AppEnv> {
  return cors({
    origin: [...config.corsOrigins],
    allowMethods: ['POST', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'X-Namespace'],
    credentials: true,
    maxAge: 600,
  });
}

export function codecRoutes() {
  const codecsOf = (deps: AppEnv['Variables']['deps']) => deps.temporal.client.options.loadedDataConverter.payloadCodecs;
  return createRouter()
    .openapi(codecRoute('encode'), async (c) => {
      const { payloads } = c.req.valid('json');
      const encoded = await encodeAll(codecsOf(c.var.deps), payloads.map(fromJson));
      return c.json({ payloads: encoded.map(toJson) }, 200);
    })
    .openapi(codecRoute('decode'), async (c) => {
      const { payloads } = c.req.valid('json');
      const decoded = await decodeEach(codecsOf(c.var.deps), payloads.map(fromJson));
      return c.json({ payloads: decoded.map(toJson) }, 200);
    });
}
