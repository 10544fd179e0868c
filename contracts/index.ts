// The one place where API, worker and tests learn task queues, workflow types, ID rules,
// signals, queries and updates. Workflow-safe: no Node modules, no runtime dependencies on the API.
export const DEFAULT_TASK_QUEUE = 'baton';

export * from './activity-failures';
export * from './define-workflow';
export * from './downstream';
export * from './ids';
export * from './order';
export * from './order-basics';
export * from './order-summary';
export * from './problem';
export * from './registry';
export * from './search-attributes';
export * from './welcome';
