// A compositions file may not declare a path under one of Baton's own routes: the list it is checked
// against must name the first segment of every route the app serves, or a file could shadow one.
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { BATON_ROUTE_PREFIXES, createApp } from '../../../api/app';
import { nowhereTemporal, unitConfig } from '../../support/unit-app';

const temporal = nowhereTemporal();
afterAll(() => temporal.connection.close());

it('names the first segment of every route Baton serves, and nothing it does not serve', () => {
  const app = createApp({ config: unitConfig(), temporal, logger: pino({ level: 'silent' }) });
  // "*" routes are middleware and the file compositions' own dispatcher.
  const served = new Set(app.routes.map((r) => r.path.split('/')[1] ?? '').filter((first) => first !== '*' && first !== ''));
  expect([...served].sort()).toEqual([...BATON_ROUTE_PREFIXES].sort());
});
