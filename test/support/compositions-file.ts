// The docs' example composition (docs/compositions.md), as one entry of a compositions file's list, for the
// unit and integration tests of BATON_COMPOSITIONS_FILE.
export const DASHBOARD = `
  - name: dashboard
    path: /dashboards/{userId}
    deadlineMs: 800
    sources:
      user:    { service: users,   path: "/users/{input.userId}", required: true, timeoutMs: 500 }
      loyalty: { service: loyalty, path: "/loyalty/{user.id}", after: [user], timeoutMs: 300, fallback: null }
      orders:  { service: orderHistory, path: "/users/{user.id}/orders", query: { limit: 3 }, after: [user], select: /orders }
    output:
      id: user/id
      name: user/name
      tier: loyalty/tier
      lastOrders: orders
`;

/** A compositions file of these entries. */
export const fileOf = (...compositions: string[]): string => `compositions:\n${compositions.join('')}`;
