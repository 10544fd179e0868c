// Secrets that have been published (in .env.example, the README or an old default) are no secrets: the API and
// the worker refuse to start with one, so `cp .env.example .env && docker compose up` cannot run with values
// anyone can read. .env.example's placeholders all say "replace me"; the values below are the ones Baton once
// shipped as working defaults. test/unit/config/public-secrets.test.ts checks that every secret in .env.example
// and the README is refused.
import { z } from 'zod';

/** Values Baton published as working defaults at some point (README examples, `npm start` defaults). */
const PUBLISHED_SECRETS = new Set([
  'dev-token-change-me-0123456789',
  'dev-webhook-secret-change-me-0123',
  'replace-me-with-a-long-random-token',
  'replace-me-with-a-long-random-secret',
  'replace-me-with-a-postgres-password',
]);

/** What a placeholder looks like: "replace me", "change me" (any separator, any case), or a published value. */
const PLACEHOLDER = /replace[\W_]?me|change[\W_]?me/i;

export const PUBLIC_SECRET_MESSAGE = 'is a published placeholder, not a secret: generate one (e.g. openssl rand -hex 24)';

export function isPublicSecret(value: string): boolean {
  return PUBLISHED_SECRETS.has(value.trim()) || PLACEHOLDER.test(value);
}

/** A string secret of at least `min` characters that is not a published placeholder. */
export const secretString = (min = 16) =>
  z
    .string()
    .min(min, `needs at least ${min} characters`)
    .refine((value) => !isPublicSecret(value), PUBLIC_SECRET_MESSAGE);

/**
 * The variables that hold secrets, each with .env.example's placeholder for it: `npm run check:compose`
 * checks those stay placeholders (refused at start) rather than working values.
 */
export const SECRET_VARIABLES = [
  'BATON_API_TOKENS',
  'BATON_WEBHOOK_SECRET',
  'BATON_PAYLOAD_KEYS',
  'BATON_METRICS_TOKEN',
  'POSTGRES_PASSWORD',
  'TEMPORAL_API_KEY',
  'TEMPORAL_AUTH_CLIENT_SECRET',
] as const;
