// Runtime checks of the builder, plus compile-time ones: each @ts-expect-error below is a mistake
// the types must catch (tsc fails if one of them compiles).
import { z } from '@hono/zod-openapi';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { compose, endpoint, type InputOf, type OutputOf } from '../../../composition';
import { getLoyalty, getUser, listUserOrders } from '../../../composition/endpoints';
import type { profile, profileSummary } from '../../../api/profiles/profile-routes';
import type { LoyaltyStatus, OrderSummary, User } from '../../../contracts';

const Input = z.object({ userId: z.string() });
const base = () => compose({ name: 't', input: Input, deadlineMs: 100 });

describe('compose', () => {
  it('orders sources and records dependencies by index', () => {
    const c = base()
      .source('users', { endpoint: getUser, required: true, timeoutMs: 50, request: ({ input }) => ({ params: { userId: input.userId } }) })
      .source('loyalty', { endpoint: getLoyalty, after: ['users'], timeoutMs: 50, request: ({ users }) => ({ params: { userId: users.id } }) })
      .output(z.object({ id: z.string() }), (v) => ({ id: v.users.id }));
    expect(c.sources.map((s) => [s.name, s.after, s.required])).toEqual([
      ['users', [], true],
      ['loyalty', [0], false],
    ]);
    expect(c.sources[1]?.url({ input: { userId: 'alias' }, users: { id: 'canon/1' } })).toBe('/loyalty/canon%2F1');
  });

  it('refuses duplicate or reserved names, unknown dependencies and non-positive budgets', () => {
    const users = { endpoint: getUser, timeoutMs: 50, request: ({ input }: { input: { userId: string } }) => ({ params: { userId: input.userId } }) };
    // @ts-expect-error a second source with the same name
    expect(() => base().source('users', users).source('users', users)).toThrow(/taken/);
    // @ts-expect-error "input" is where the request sees the composition's input
    expect(() => base().source('input', users)).toThrow(/taken/);
    // @ts-expect-error "nobody" is not a source
    expect(() => base().source('a', { ...users, after: ['nobody'] })).toThrow(/unknown source/);
    expect(() => base().source('users', { ...users, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => compose({ name: 'x', input: Input, deadlineMs: 0 })).toThrow(/deadlineMs/);
    expect(() => base().output(z.object({}), () => ({}))).toThrow(/no sources/);
  });

  it('checks the query of an endpoint against its schema', () => {
    const list = listUserOrders.url({ params: { userId: 'u-1' }, query: { limit: 3 } });
    expect(list).toBe('/users/u-1/orders?limit=3');
    expect(() => listUserOrders.url({ params: { userId: 'u-1' }, query: { limit: 1000 } })).toThrow(/bad query/);
  });

  it('carries strong types from endpoints to the merge and the output', () => {
    expectTypeOf<OutputOf<typeof profile>['user']>().toEqualTypeOf<User>();
    expectTypeOf<OutputOf<typeof profile>['recentOrders']>().toEqualTypeOf<OrderSummary[] | null>();
    expectTypeOf<OutputOf<typeof profile>['loyalty']>().toEqualTypeOf<LoyaltyStatus | null>();
    expectTypeOf<InputOf<typeof profileSummary>>().toEqualTypeOf<{ userId: string; orders: number }>();

    const withUser = base().source('users', {
      endpoint: getUser,
      required: true,
      timeoutMs: 50,
      request: ({ input }) => ({ params: { userId: input.userId } }),
    });
    withUser.source('loyalty', {
      endpoint: getLoyalty,
      timeoutMs: 50,
      // @ts-expect-error a source sees only the sources it declared in `after`
      request: ({ users }: { users: { id: string } }) => ({ params: { userId: users.id } }),
    });
    withUser.source('orders', {
      endpoint: listUserOrders,
      timeoutMs: 50,
      // @ts-expect-error path parameter names come from the path template
      request: ({ input }) => ({ params: { user: input.userId }, query: {} }),
    });
    withUser.source('orders', {
      endpoint: listUserOrders,
      timeoutMs: 50,
      // @ts-expect-error query values are typed by the endpoint's query schema
      request: ({ input }) => ({ params: { userId: input.userId }, query: { limit: 'ten' } }),
    });
    withUser
      .source('loyalty', { endpoint: getLoyalty, timeoutMs: 50, request: ({ input }) => ({ params: { userId: input.userId } }) })
      // @ts-expect-error an optional source may be null in the merge
      .output(z.object({ tier: z.string() }), (v) => ({ tier: v.loyalty.tier }));
    // @ts-expect-error the merge must produce the output schema's shape
    withUser.output(z.object({ name: z.string() }), (v) => ({ nom: v.users.name }));

    const noParams = endpoint({ service: 'users', path: '/users', response: z.array(z.string()) });
    expect(noParams.url({})).toBe('/users');
  });
});
