import { currentActivitySignal, type ActivityDeps } from './context';
import { createInventoryActivities } from './inventory';
import { createPaymentActivities } from './payments';
import { createShippingActivities } from './shipping';
import { createUserActivities } from './users';

export type { ActivityDeps, ServiceUrls } from './context';
export type { AuthorizePaymentInput, RefundPaymentInput } from './payments';
export type { ReserveInventoryInput, ReleaseReservationInput } from './inventory';
export type { CreateShipmentInput, CancelShipmentInput } from './shipping';

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities(deps: ActivityDeps) {
  const ctx = { ...deps, signal: currentActivitySignal };
  return {
    ...createUserActivities(ctx),
    ...createPaymentActivities(ctx),
    ...createInventoryActivities(ctx),
    ...createShippingActivities(ctx),
  };
}

export type Activities = ReturnType<typeof createActivities>;
