// `npm start` encrypts payloads out of the box: without BATON_PAYLOAD_KEYS it uses a key of its own, made once
// and kept in the data folder next to the SQLite file, so runs written before a restart stay readable. Losing
// the file makes the payloads of those runs unreadable, exactly as losing a production key would.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { payloadKeys } from '../config/env';
import { generatePayloadKey } from '../lib/payload-codec';

export const DEV_PAYLOAD_KEYS_FILE = 'payload-keys';

export interface DevPayloadKeys {
  /** In BATON_PAYLOAD_KEYS form. */
  value: string;
  path: string;
  created: boolean;
}

/** The data folder's payload keys, created on first use (owner-only file). Throws naming the file when it is unusable. */
export async function devPayloadKeys(dataDir: string, today: Date = new Date()): Promise<DevPayloadKeys> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, DEV_PAYLOAD_KEYS_FILE);
  let created = true;
  try {
    // `wx`: two launchers starting at once must not each write a different key.
    await writeFile(path, `${generatePayloadKey(`dev-${today.toISOString().slice(0, 10)}`)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    created = false;
  }
  const value = (await readFile(path, 'utf8')).trim();
  const parsed = payloadKeys.safeParse(value);
  if (!parsed.success) throw new Error(`${path} does not hold usable payload keys: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return { value, path, created };
}
