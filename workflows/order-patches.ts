// The order workflow's versions. Every change of what an order does (which calls it makes, in what
// order) is guarded by `patched(id)`: orders started before the change replay without it, new ones
// take it. Once no order older than a patch can still be running (mind the 3-day clearance wait and
// needs_attention orders), replace `patched(id)` by `deprecatePatch(id)`, and later drop both.
// README: "Rolling out workflow changes".
export const ORDER_PATCHES = {
  /**
   * v2: a bank transfer that a callback reports cleared is re-confirmed with the payments service's
   * own record (getPayment) before any stock is reserved; a record that says failed or refunded wins.
   */
  reconfirmClearance: 'order-v2-reconfirm-clearance',
  /**
   * Upserts the OrderStatus search attribute whenever the status changes (workflows/order-search.ts),
   * for runs started with Baton's search attributes.
   */
  searchAttributes: 'order-search-attributes',
  /**
   * v4, the money-safe saga: a payment notice only wakes the order, the payments service's record
   * decides (asked again until the clearance timeout); the record must say cleared right before
   * anything ships; attempts heartbeat and a cancelled step is waited for before it is compensated;
   * no step starts after a cancellation.
   */
  moneySafe: 'order-v4-money-safe',
  /**
   * v5: the OrderStatus search attribute changes only to the statuses a person searches by
   * (SEARCHABLE_ORDER_STATUSES: in flight, waiting for a transfer, compensating, needs attention, final),
   * not at each step: a card order upserts once (its end) instead of four times.
   */
  searchableStatus: 'order-v5-searchable-status',
  /**
   * v6: the payment's record (v4's check before shipping) is read while the stock is reserved, not after:
   * the two calls are independent. A record read more than a second before shipping starts (a reservation
   * that took long) is read again; only `cleared` lets the goods go.
   */
  checkBesideReservation: 'order-v6-check-beside-reservation',
  /**
   * v7: a new order takes v4, v5 and v6 as this one patch: one marker and one TemporalChangeVersion upsert
   * instead of three (each a history event and a visibility write; docs/decisions/0012). An order that began
   * before it replays through the three, as it ran. A later change adds its own patch beside this one.
   */
  v4ToV6: 'order-v7-v4-to-v6',
} as const;
