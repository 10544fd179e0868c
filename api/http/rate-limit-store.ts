// The rate-limit counts in Valkey/Redis (BATON_RATE_LIMIT_REDIS_URL), so every API replica spends from one
// budget per client. hono-rate-limiter's RedisStore does the counting in one Lua script per request (atomic,
// so two replicas never both see "one left"); this adapts an ioredis client to it and turns the client's
// failures into RateLimitStoreUnavailable, which the middleware lets through uncounted.
import type { Store } from 'hono-rate-limiter';
import { RedisStore, type RedisClient } from 'hono-rate-limiter';
import { Redis } from 'ioredis';
import type { AppEnv } from './deps';
import { RateLimitStoreUnavailable } from './middleware/rate-limit';

export interface SharedRateLimitStore {
  store: Store<AppEnv>;
  /** The store's client, for the other counts replicas share (api/workflows/shared-burst-priority.ts). */
  redis: Redis;
  /** Resolves true once connected, false after `timeoutMs` without a connection (it keeps trying meanwhile). */
  connected(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** ioredis spelled as the store expects it (evalsha with the key count first). */
function adapt(redis: Redis): RedisClient {
  return {
    scriptLoad: async (script) => String(await redis.script('LOAD', script)),
    evalsha: async <TArgs extends unknown[], TData = unknown>(sha1: string, keys: string[], args: TArgs) =>
      (await redis.evalsha(sha1, keys.length, ...keys, ...(args as (string | number)[]))) as TData,
    decr: (key) => redis.decr(key),
    del: (key) => redis.del(key),
  };
}

export function createSharedRateLimitStore(url: string, prefix = 'baton:rl:'): SharedRateLimitStore {
  const redis = new Redis(url, {
    // A request never waits on a store that is away: fail at once and let the request through.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1000,
    connectTimeout: 2000,
    // Reconnect in the background, at most every 2 s.
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
  });
  // ioredis reports connection trouble as 'error' events; unhandled they would crash the process.
  redis.on('error', () => {});
  const inner = new RedisStore<AppEnv>({ client: adapt(redis), prefix });
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      throw new RateLimitStoreUnavailable(err);
    }
  };
  const store: Store<AppEnv> = {
    init: (options) => inner.init(options),
    get: (key) => guard(() => inner.get(key)),
    increment: (key) => guard(() => inner.increment(key)),
    decrement: (key) => guard(() => inner.decrement(key)),
    resetKey: (key) => guard(() => inner.resetKey(key)),
  };
  return {
    store,
    redis,
    connected: (timeoutMs) =>
      redis.status === 'ready'
        ? Promise.resolve(true)
        : new Promise((resolve) => {
            const timer = setTimeout(() => {
              redis.off('ready', onReady);
              resolve(false);
            }, timeoutMs);
            const onReady = () => {
              clearTimeout(timer);
              resolve(true);
            };
            redis.once('ready', onReady);
          }),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
