// The order workflow sets its handlers from contracts/order-basics.ts (no zod in the workflow bundle);
// the API and the typed client use orderDefinition's, derived from the schemas. Both must be the same messages.
import { describe, expectTypeOf, it } from 'vitest';
import { orderDefinition, orderQueries, orderSignals, orderUpdates } from '../../contracts';

describe('order messages', () => {
  it('the workflow defines exactly the messages of the schemas, with the same types', () => {
    expectTypeOf(orderSignals).toEqualTypeOf(orderDefinition.signal);
    expectTypeOf(orderQueries).toEqualTypeOf(orderDefinition.query);
    expectTypeOf(orderUpdates).toEqualTypeOf(orderDefinition.update);
  });
});
