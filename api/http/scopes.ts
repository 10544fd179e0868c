import { errorResponses } from './problems';
import type { createRouter } from './router';

type OpenAPIRegistry = ReturnType<typeof createRouter>['openAPIRegistry'];

// Which scope each route class needs (docs/security.md has the table). A JWT carries its scopes in `scope`
// (space-separated, OAuth 2) or `scp` (a list, as some providers write it); a static token has them all.
// `family:*` in a token grants every scope of that family (`workflows:*` = workflows:read + workflows:write).

export const SCOPES = ['orders:write', 'orders:read', 'profiles:read', 'compositions:read', 'workflows:write', 'workflows:read', 'operator', 'codec'] as const;
export type Scope = (typeof SCOPES)[number];

interface Rule {
  methods: readonly string[] | 'any';
  path: RegExp;
  scope: Scope;
}

const READ = ['GET', 'HEAD'] as const;
const seg = '[^/]+';

// First match wins; paths are the request's own (no template), so each rule spells its route's shape.
const RULES: readonly Rule[] = [
  // Resolving an order that needs attention is an operator's decision, not a client's.
  { methods: ['POST'], path: new RegExp(`^/orders/${seg}/resolve/?$`), scope: 'operator' },
  // So are pausing, unpausing and resetting a running step, and the list of orders that need a person.
  { methods: ['POST'], path: new RegExp(`^/orders/${seg}/step/(?:pause|unpause|reset)/?$`), scope: 'operator' },
  { methods: 'any', path: /^\/operator(?:\/.*)?$/, scope: 'operator' },
  { methods: READ, path: /^\/orders(?:\/.*)?$/, scope: 'orders:read' },
  { methods: 'any', path: /^\/orders(?:\/.*)?$/, scope: 'orders:write' },
  { methods: READ, path: /^\/profiles(?:\/.*)?$/, scope: 'profiles:read' },
  // A customer's overview shows their orders in flight: it reveals orders.
  { methods: READ, path: /^\/customers(?:\/.*)?$/, scope: 'orders:read' },
  // Queries answer and change nothing, whichever method carries them.
  { methods: 'any', path: new RegExp(`^/workflows/${seg}/${seg}/queries/${seg}/?$`), scope: 'workflows:read' },
  { methods: READ, path: /^\/workflows(?:\/.*)?$/, scope: 'workflows:read' },
  { methods: 'any', path: /^\/workflows(?:\/.*)?$/, scope: 'workflows:write' },
  { methods: 'any', path: /^\/codec(?:\/.*)?$/, scope: 'codec' },
  { methods: READ, path: /^\/metrics\/?$/, scope: 'operator' },
  // Any other GET may be a composition of BATON_COMPOSITIONS_FILE, whose paths change with the file.
  { methods: READ, path: /^\//, scope: 'compositions:read' },
];

/** The scope of the compositions a file declares. */
export const COMPOSITIONS_SCOPE: Scope = 'compositions:read';

/** The scope a request needs, or undefined for paths no rule names (they answer 404 once authenticated). */
export function requiredScope(method: string, path: string): Scope | undefined {
  const m = method.toUpperCase();
  for (const rule of RULES) if ((rule.methods === 'any' || rule.methods.includes(m)) && rule.path.test(path)) return rule.scope;
  return undefined;
}

/** The scopes a token's claims grant: `scope` (space-separated) and `scp` (string or list), unknown ones ignored. */
export function scopesFromClaims(claims: Record<string, unknown>): Set<Scope> {
  const raw: string[] = [];
  for (const claim of [claims.scope, claims.scp]) {
    if (typeof claim === 'string') raw.push(...claim.split(/\s+/));
    else if (Array.isArray(claim)) raw.push(...claim.filter((s): s is string => typeof s === 'string'));
  }
  const granted = new Set<Scope>();
  for (const entry of raw) {
    if (entry.endsWith(':*')) {
      const family = entry.slice(0, -1);
      for (const scope of SCOPES) if (scope.startsWith(family)) granted.add(scope);
    } else if ((SCOPES as readonly string[]).includes(entry)) granted.add(entry as Scope);
  }
  return granted;
}

/**
 * Writes each secured route's scope into the OpenAPI document (`security: [{ bearer: ["orders:read"] }]`) and
 * lists its 403, so clients read there what their token needs. Run once every route is registered.
 */
export function documentScopes(registry: OpenAPIRegistry): void {
  for (const definition of registry.definitions) {
    if (definition.type !== 'route') continue;
    const { route } = definition;
    if (!route.security?.some((requirement) => 'bearer' in requirement)) continue;
    const scope = requiredScope(route.method, route.path);
    if (scope === undefined) continue;
    route.security = [{ bearer: [scope] }];
    route.responses[403] ??= errorResponses[403];
  }
}
