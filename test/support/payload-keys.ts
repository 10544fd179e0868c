// The payload keys of the test runs: every worker and API a test starts (child processes through
// startChild, in-process through startTestApi) encrypts with these, so each reads what the others wrote.
// Fixed and public on purpose: they protect nothing but test data.
import type { DataConverter } from '@temporalio/common';
import { parseEnv, workerEnv } from '../../config/env';
import { createDataConverter, type PayloadKey } from '../../lib/payload-codec';

/** BATON_PAYLOAD_KEYS of the test runs: `test-2` encrypts, `test-1` is an older key still read. */
export const TEST_PAYLOAD_KEYS = 'test-2:RUQleENwfsRbunn4AuMJdzGqCGTv/wGMhQWmu+Mj2gk=,test-1:tA2UThjxV0aJx9FugA8YUFg1utFY4mYMBm9TgZyAkMc=';

/** The same keys, parsed as the roles parse them. */
export const testPayloadKeys = (): PayloadKey[] =>
  parseEnv(workerEnv.pick({ BATON_PAYLOAD_KEYS: true }), { BATON_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS }).BATON_PAYLOAD_KEYS;

/** The data converter of the test roles, for clients and in-process workers. */
export const testDataConverter = (): DataConverter => createDataConverter(testPayloadKeys());
