// `npm start`'s local secrets: without BATON_API_TOKENS or BATON_WEBHOOK_SECRET it makes random ones, once, in
// the data folder (owner-only files), instead of shipping a default that anyone who read the README could use.
// The API token is printed with the command that reads it, so the README's curl examples need no secret.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isPublicSecret } from '../config/public-secrets';

export const DEV_API_TOKEN_FILE = 'dev-api-token';
export const DEV_WEBHOOK_SECRET_FILE = 'dev-webhook-secret';

export interface DevSecret {
  value: string;
  path: string;
  created: boolean;
}

/** The data folder's secret `name`, created on first use; throws naming the file when it holds no usable secret. */
export async function devSecret(dataDir: string, name: string): Promise<DevSecret> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, name);
  let created = true;
  try {
    // `wx`: two launchers starting at once must not each write a different secret.
    await writeFile(path, `${randomBytes(24).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    created = false;
  }
  const value = (await readFile(path, 'utf8')).trim();
  if (value.length < 16 || isPublicSecret(value)) throw new Error(`${path} does not hold a usable secret (delete it to get a new one)`);
  return { value, path, created };
}
