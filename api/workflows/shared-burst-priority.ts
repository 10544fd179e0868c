// Burst allowances every API replica spends from together: one token bucket per fairness key in the rate
// limit's Valkey/Redis (BATON_RATE_LIMIT_REDIS_URL). Per process, a customer's allowance would be one per
// replica, and a load balancer spreading a burst would let most of it past. The bucket refills by the
// store's clock (TIME in the script), so replicas whose clocks differ still agree.
//
// A start is never refused or held for the allowance: while the store is away, this replica's own buckets
// decide (api/workflows/burst-priority.ts), and the store's client fails at once rather than queueing.
import type { Redis } from 'ioredis';
import { BurstPriority, type BurstAllowance, type BurstAllowances } from './burst-priority';

// KEYS[1]: the key's bucket; ARGV: burst, refill per second. Returns 1 when the start is past the allowance
// (which empties the bucket, as in burst-priority.ts).
// The bucket expires once it would be full again: an idle customer costs the store nothing.
const TAKE_ONE = `
local burst = tonumber(ARGV[1])
local perSecond = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = burst
if bucket[1] then
  tokens = math.min(burst, tonumber(bucket[1]) + (now - tonumber(bucket[2])) / 1000 * perSecond)
end
local past = 0
if tokens < 1 then past = 1; tokens = 0 else tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / perSecond * 1000) + 1000)
return past
`;

export class SharedBurstPriority implements BurstAllowances {
  readonly #local: BurstPriority;

  constructor(
    private readonly redis: Redis,
    private readonly allowance: BurstAllowance,
    /** Called for each start the store could not count (the replica's own buckets decided it). */
    private readonly onUnavailable: (err: unknown) => void = () => {},
    private readonly prefix = 'baton:burst:',
  ) {
    this.#local = new BurstPriority(allowance);
  }

  async pastAllowance(key: string): Promise<boolean> {
    const { burst, perSecond } = this.allowance;
    if (burst <= 0) return false;
    try {
      return (await this.redis.eval(TAKE_ONE, 1, this.prefix + key, burst, perSecond)) === 1;
    } catch (err) {
      this.onUnavailable(err);
      return this.#local.pastAllowance(key);
    }
  }
}
