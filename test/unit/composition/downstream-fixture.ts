// The fixture of the HTTP client's tests: a fake users service started for each test (answering 200
// `{ ok: true }` until the test scripts it otherwise) and a DownstreamHttp to it, both closed after it.
import { afterEach, beforeEach } from 'vitest';
import { DownstreamHttp, type DownstreamHttpOptions } from '../../../composition';
import { json, startFakeBackend, type FakeBackend, type Script } from './fake-backend';

export interface UsersFixture {
  /** The current test's fake users service. */
  readonly backend: FakeBackend;
  /** A client for it (other `baseUrls` too when given), closed after the test; no retries unless `options` asks. */
  client: (options?: Partial<DownstreamHttpOptions>) => DownstreamHttp;
}

export function fakeUsersPerTest(): UsersFixture {
  let current: FakeBackend | undefined;
  let http: DownstreamHttp | undefined;
  beforeEach(async () => {
    current = await startFakeBackend((_req, res) => json(res, 200, { ok: true }));
  });
  afterEach(async () => {
    await http?.close();
    http = undefined;
    await current?.close();
  });
  const now = (): FakeBackend => {
    if (!current) throw new Error('the fake users service runs only inside a test');
    return current;
  };
  const backend: FakeBackend = {
    get url() {
      return now().url;
    },
    get arrivals() {
      return now().arrivals;
    },
    get aborted() {
      return now().aborted;
    },
    get connections() {
      return now().connections;
    },
    answer: (script: Script) => now().answer(script),
    close: () => now().close(),
  };
  return {
    backend,
    client: (options = {}) => {
      http = new DownstreamHttp({ baseUrls: { users: now().url }, retry: { retries: 0 }, ...options });
      return http;
    },
  };
}
