// The one place where API, worker and tests learn task queues, workflow types, ID rules,
// signals, queries and updates. Workflow-safe: no Node modules, no runtime dependencies on the API.
export const DEFAULT_TASK_QUEUE = 'baton';

export * from './welcome';
export * from './failures';
export * from './orders';
export * from './search-attributes';
export * from './define-workflow';
export * from './welcome-definition';
export * from './order-definition';
export * from './registry';
export * from './ids';
