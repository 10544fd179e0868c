import { z } from 'zod';
import { SERVICE_ENV, SERVICE_NAMES } from './env';

const port = z.coerce.number().int().min(1).max(65535);

/** What `npm start` reads; the roles it starts read their own variables from the same environment. */
export const launcherEnv = z.object({
  /** Use this Temporal server instead of starting the embedded dev server. */
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port').optional(),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  BATON_DATA_DIR: z.string().default('.data'),
  PORT: port.default(3000),
  // Local-only defaults so that `npm start` works out of the box; real deployments set their own.
  BATON_API_TOKENS: z.string().default('dev-token-change-me-0123456789'),
  BATON_WEBHOOK_SECRET: z.string().default('dev-webhook-secret-change-me-0123'),
  /** Passed on to the worker and the API (which validate it); without it, the data folder's own key (lib/dev-payload-keys.ts). */
  BATON_PAYLOAD_KEYS: z.string().optional(),
  ...Object.fromEntries(SERVICE_NAMES.map((name) => [SERVICE_ENV[name].urlVar, z.string().url().optional()])),
});
export type LauncherEnv = z.infer<typeof launcherEnv>;
