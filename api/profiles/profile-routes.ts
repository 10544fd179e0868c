// The profile screen, composed synchronously from the users, order history and loyalty services.
import { createRoute, z } from '@hono/zod-openapi';
import { Id, LoyaltyStatus, LoyaltyTier, OrderSummary, User } from '../../contracts';
import { compose, partialAnswerFields } from '../../composition';
import { getLoyalty, getUser, listUserOrders } from '../../composition/endpoints';
import { documented } from '../http/openapi-names';
import { compositionErrorResponses, serveComposition } from './serve-composition';
import { createRouter } from '../http/router';

export const DEFAULT_PROFILE_DEADLINE_MS = 1000;

export const UserParams = z.object({
  userId: documented(Id, { param: { name: 'userId', in: 'path' }, example: 'u-1' }),
});

const SummaryQuery = z.object({
  orders: z.coerce
    .number()
    .int()
    .min(1)
    .max(20)
    .default(3)
    .openapi({ param: { name: 'orders', in: 'query' }, description: 'How many recent orders to include', example: 3 }),
});

export const Profile = z
  .object({
    user: User,
    recentOrders: z.array(OrderSummary).nullable(),
    loyalty: LoyaltyStatus.nullable(),
    ...partialAnswerFields,
  })
  .openapi('Profile');

const ProfileSummary = z
  .object({
    userId: z.string().openapi({ description: "The users service's canonical id" }),
    name: z.string(),
    tier: LoyaltyTier.nullable(),
    points: z.number().int().nullable(),
    lastOrders: z.array(OrderSummary).nullable(),
    ...partialAnswerFields,
  })
  .openapi('ProfileSummary');

/** The profile's three calls, each asked for the requested user; only the user is required. Shared with the customer overview. */
export const profileSources = {
  users: {
    endpoint: getUser,
    required: true as const,
    timeoutMs: 800,
    request: ({ input }: { input: { userId: string } }) => ({ params: { userId: input.userId } }),
  },
  orderHistory: {
    endpoint: listUserOrders,
    timeoutMs: 500,
    request: ({ input }: { input: { userId: string } }) => ({ params: { userId: input.userId }, query: { limit: 10 } }),
    select: (body: { orders: z.infer<typeof OrderSummary>[] }) => body.orders,
  },
  loyalty: {
    endpoint: getLoyalty,
    timeoutMs: 500,
    request: ({ input }: { input: { userId: string } }) => ({ params: { userId: input.userId } }),
  },
};

/** All three at once; only the user is required. */
export const profile = compose({ name: 'profile', input: UserParams, deadlineMs: DEFAULT_PROFILE_DEADLINE_MS })
  .source('users', profileSources.users)
  .source('orderHistory', profileSources.orderHistory)
  .source('loyalty', profileSources.loyalty)
  .output(Profile, (v, meta) => ({ user: v.users, recentOrders: v.orderHistory, loyalty: v.loyalty, ...meta }));

/** The other two wait for the user, because they are asked for the canonical id the users service answers with. */
export const profileSummary = compose({
  name: 'profile-summary',
  input: UserParams.extend(SummaryQuery.shape),
  deadlineMs: DEFAULT_PROFILE_DEADLINE_MS,
})
  .source('users', {
    endpoint: getUser,
    required: true,
    timeoutMs: 500,
    request: ({ input }) => ({ params: { userId: input.userId } }),
  })
  .source('orderHistory', {
    endpoint: listUserOrders,
    after: ['users'],
    timeoutMs: 400,
    request: ({ input, users }) => ({ params: { userId: users.id }, query: { limit: input.orders } }),
    select: (body) => body.orders,
  })
  .source('loyalty', {
    endpoint: getLoyalty,
    after: ['users'],
    timeoutMs: 400,
    request: ({ users }) => ({ params: { userId: users.id } }),
  })
  .output(ProfileSummary, ({ users, orderHistory, loyalty }, meta) => ({
    userId: users.id,
    name: users.name,
    tier: loyalty?.tier ?? null,
    points: loyalty?.points ?? null,
    lastOrders: orderHistory,
    ...meta,
  }));

/** Deadline overrides for the composer, e.g. from BATON_PROFILE_DEADLINE_MS. */
export const profileDeadlines = (ms: number): Record<string, number> => ({ [profile.name]: ms, [profileSummary.name]: ms });

const getProfile = createRoute({
  method: 'get',
  path: '/profiles/{userId}',
  tags: ['compositions'],
  summary: "A user's profile: the user, recent orders and loyalty status",
  description:
    'Users, order history and loyalty are called in parallel under one deadline. The user is required; ' +
    'when order history or loyalty fails, its field is null, `partial` is true and `errors` says why.',
  security: [{ bearer: [] }],
  request: { params: UserParams },
  responses: {
    200: { description: 'The profile, possibly partial', content: { 'application/json': { schema: Profile } } },
    ...compositionErrorResponses,
  },
});

const getProfileSummary = createRoute({
  method: 'get',
  path: '/profiles/{userId}/summary',
  tags: ['compositions'],
  summary: "A user's name, loyalty tier and last orders",
  description:
    'The user comes first; order history and loyalty are then asked, in parallel, for the canonical id ' +
    'the users service answered with. Optional parts fail as in GET /profiles/{userId}.',
  security: [{ bearer: [] }],
  request: { params: UserParams, query: SummaryQuery },
  responses: {
    200: { description: 'The summary, possibly partial', content: { 'application/json': { schema: ProfileSummary } } },
    ...compositionErrorResponses,
  },
});

export const unknownUser = ({ userId }: { userId: string }) => `No user ${userId}.`;

export function profileRoutes() {
  return createRouter()
    .openapi(getProfile, async (c) => c.json(await serveComposition(c, profile, c.req.valid('param'), { notFound: unknownUser }), 200))
    .openapi(getProfileSummary, async (c) => {
      const input = { ...c.req.valid('param'), ...c.req.valid('query') };
      return c.json(await serveComposition(c, profileSummary, input, { notFound: unknownUser }), 200);
    });
}
