// Admin routes every service has, for tests and demos; faults never apply to them.
import type { Hono } from 'hono';
import { FaultConfig, type Faults, type FaultVariables } from './faults';
import { readJson } from './request';

export interface AdminTarget {
  faults: Faults;
  state: () => unknown;
  reset: () => void;
}

export function registerAdminRoutes(app: Hono<{ Variables: FaultVariables }>, target: AdminTarget): void {
  app.get('/__admin/state', (c) => c.json(target.state()));
  app.post('/__admin/reset', (c) => {
    target.reset();
    return c.body(null, 204);
  });
  app.get('/__admin/faults', (c) => c.json(target.faults.get()));
  // PUT replaces the whole configuration, so `{}` switches every fault off.
  app.put('/__admin/faults', async (c) => {
    target.faults.set(await readJson(c, FaultConfig));
    return c.json(target.faults.get());
  });
}
