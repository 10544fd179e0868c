// Loyalty service: points and tier for seeded users, 404 for anyone else.
import type { LoyaltyStatus } from '../../contracts';
import { ServiceKit, type CommonServiceOptions, type SampleService } from './kit';
import { problems } from './problem-response';
import { validate } from './request';
import { hash, seededUserNumber } from './seed';
import { UserId } from './users-service';

const TIERS: { minPoints: number; tier: LoyaltyStatus['tier'] }[] = [
  { minPoints: 15_000, tier: 'platinum' },
  { minPoints: 7_000, tier: 'gold' },
  { minPoints: 3_000, tier: 'silver' },
  { minPoints: 1_000, tier: 'bronze' },
  { minPoints: 0, tier: 'none' },
];

export function loyaltyFor(userId: string): LoyaltyStatus | undefined {
  if (seededUserNumber(userId) === undefined) return undefined;
  const points = hash(`loyalty:${userId}`) % 20_000;
  const tier = TIERS.find((t) => points >= t.minPoints)?.tier ?? 'none';
  return { userId, points, tier };
}

export function createLoyaltyService(options: CommonServiceOptions = {}): SampleService {
  const kit = new ServiceKit('loyalty', options);
  kit.app.get('/loyalty/:userId', kit.cacheable(), (c) => {
    const userId = validate(UserId, c.req.param('userId'));
    const status = loyaltyFor(userId);
    if (!status) throw problems.notFound(`No loyalty account for ${userId}.`);
    return c.json(status);
  });
  return kit.service;
}
