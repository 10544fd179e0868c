// A customer's overview: the profile's three services plus the orders Baton itself is still running for
// them, read from Temporal (a hybrid composition: api/compositions/baton-sources.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { compose } from '../../composition';
import { InFlightOrder, ordersInFlight } from '../compositions/baton-sources';
import { createRouter } from '../http/router';
import { DEFAULT_PROFILE_DEADLINE_MS, Profile, profileSources, unknownUser, UserParams } from '../profiles/profile-routes';
import { compositionErrorResponses, serveComposition } from '../profiles/serve-composition';

const CustomerOverview = Profile.extend({
  ordersInFlight: z
    .array(InFlightOrder)
    .nullable()
    .openapi({ description: 'Orders whose workflow is still running, newest first (at most 5), each with the step it is in' }),
}).openapi('CustomerOverview');

/** The profile (only the user is required) and, beside it, the customer's orders in flight from Temporal. */
export const customerOverview = compose({ name: 'customer-overview', input: UserParams, deadlineMs: DEFAULT_PROFILE_DEADLINE_MS })
  .source('users', profileSources.users)
  .source('orderHistory', profileSources.orderHistory)
  .source('loyalty', profileSources.loyalty)
  // A visibility list and one state query per order (in parallel): a little more time than a service call.
  .source('ordersInFlight', {
    endpoint: ordersInFlight,
    timeoutMs: 600,
    request: ({ input }) => ({ params: { customerId: input.userId }, query: { limit: 5 } }),
    select: (body) => body.orders,
  })
  .output(CustomerOverview, (v, meta) => ({
    user: v.users,
    recentOrders: v.orderHistory,
    loyalty: v.loyalty,
    ordersInFlight: v.ordersInFlight,
    ...meta,
  }));

const getCustomerOverview = createRoute({
  method: 'get',
  path: '/customers/{userId}/overview',
  tags: ['compositions'],
  summary: "A customer's overview: the profile and the orders still in flight",
  description:
    'Users, order history and loyalty are called in parallel, as in GET /profiles/{userId}, and beside them ' +
    "Baton reads the customer's running orders from Temporal with the step each is in. The user is required; " +
    'when any other part fails (Temporal unreachable included), its field is null, `partial` is true and `errors` says why.',
  security: [{ bearer: [] }],
  request: { params: UserParams },
  responses: {
    200: { description: 'The overview, possibly partial', content: { 'application/json': { schema: CustomerOverview } } },
    ...compositionErrorResponses,
  },
});

export function customerRoutes() {
  return createRouter().openapi(getCustomerOverview, async (c) =>
    c.json(await serveComposition(c, customerOverview, c.req.valid('param'), { notFound: unknownUser }), 200),
  );
}
