import { z } from '@hono/zod-openapi';
import { compose, type OutputOf, type InputOf } from '../../../api/composition';
import { getLoyalty, getUser, listUserOrders } from '../../../api/composition/endpoints';
import { profile, profileSummary } from '../../../api/routes/profiles';

type PO = OutputOf<typeof profile>;
type PI = InputOf<typeof profileSummary>;
const po: PO = null as unknown as PO;
const s1: string = po.user.name;
const s2: number | undefined = po.recentOrders?.[0]?.total.value;
const pi: PI = { userId: 'x', orders: 3 };
void s1; void s2; void pi;

compose({ name: 'x', input: z.object({ userId: z.string() }), deadlineMs: 100 })
  // @ts-expect-error misspelt param
  .source('a', { endpoint: getUser, timeoutMs: 1, request: ({ input }) => ({ params: { userid: input.userId } }) });

compose({ name: 'x', input: z.object({ userId: z.string() }), deadlineMs: 100 })
  .source('a', { endpoint: getUser, timeoutMs: 1, request: ({ input }) => ({ params: { userId: input.userId } }) })
  // @ts-expect-error no dependency declared
  .source('b', { endpoint: getLoyalty, timeoutMs: 1, request: ({ a }) => ({ params: { userId: a.id } }) });

compose({ name: 'x', input: z.object({ userId: z.string() }), deadlineMs: 100 })
  .source('a', { endpoint: getUser, timeoutMs: 1, request: ({ input }) => ({ params: { userId: input.userId } }) })
  // @ts-expect-error query has wrong type
  .source('b', { endpoint: listUserOrders, timeoutMs: 1, request: ({ input }) => ({ params: { userId: input.userId }, query: { limit: 'x' } }) });

compose({ name: 'x', input: z.object({ userId: z.string() }), deadlineMs: 100 })
  .source('a', { endpoint: getUser, timeoutMs: 1, request: ({ input }) => ({ params: { userId: input.userId } }) })
  // @ts-expect-error duplicate
  .source('a', { endpoint: getUser, timeoutMs: 1, request: ({ input }) => ({ params: { userId: input.userId } }) });

compose({ name: 'x', input: z.object({ userId: z.string() }), deadlineMs: 100 })
  .source('a', { endpoint: getUser, timeoutMs: 1, request: ({ input }) => ({ params: { userId: input.userId } }) })
  .source('b', { endpoint: getLoyalty, timeoutMs: 1, request: ({ input }) => ({ params: { userId: input.userId } }) })
  // @ts-expect-error optional b may be null
  .output(z.object({ t: z.string() }), (v) => ({ t: v.b.tier }));

compose({ name: 'x', input: z.object({ userId: z.string() }), deadlineMs: 100 })
  .source('a', { endpoint: getUser, timeoutMs: 1, required: true, request: ({ input }) => ({ params: { userId: input.userId } }) })
  .source('b', { endpoint: getLoyalty, after: ['a'], timeoutMs: 1, request: ({ a }) => ({ params: { userId: a.id } }) })
  .output(z.object({ t: z.string(), n: z.string() }), (v) => ({ t: v.b?.tier ?? 'none', n: v.a.name }));
