import { z } from 'zod';
import { SERVICE_ENV, SERVICE_NAMES } from '../../config/env';

const port = z.coerce.number().int().min(1).max(65535);

/** What `npm start` reads; the roles it starts read their own variables from the same environment. */
export const launcherEnv = z.object({
  /** Use this Temporal server instead of starting the embedded dev server. */
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port')
    .optional(),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  BATON_DATA_DIR: z.string().default('.data'),
  PORT: port.default(3000),
  // Unset: random local secrets made once in BATON_DATA_DIR (lib/dev-secrets.ts), never a published default.
  BATON_API_TOKENS: z.string().optional(),
  BATON_WEBHOOK_SECRET: z.string().optional(),
  /** Where the API listens: loopback unless you say otherwise (the local setup has open /codec for the Web UI). */
  HOST: z.string().default('127.0.0.1'),
  /** Passed on to the worker and the API (which validate it); without it, the data folder's own key (lib/dev-payload-keys.ts). */
  BATON_PAYLOAD_KEYS: z.string().optional(),
  /** The API's declarative compositions; the shipped example unless you name your own (an empty value: none). */
  BATON_COMPOSITIONS_FILE: z.string().default('examples/compositions.yaml'),
  ...Object.fromEntries(SERVICE_NAMES.map((name) => [SERVICE_ENV[name].urlVar, z.string().url().optional()])),
});
export type LauncherEnv = z.infer<typeof launcherEnv>;
