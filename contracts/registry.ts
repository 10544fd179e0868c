// Every workflow type Baton serves. Registering a definition here is all the API and the typed
// client need: routes, validation, OpenAPI entries and client types follow from it.
import type { AnyWorkflowDefinition } from './define-workflow';
import { orderDefinition } from './order';
import { welcomeDefinition } from './welcome';

export const workflowRegistry = {
  [welcomeDefinition.type]: welcomeDefinition,
  [orderDefinition.type]: orderDefinition,
} as const satisfies Record<string, AnyWorkflowDefinition>;

export type WorkflowRegistry = typeof workflowRegistry;
export type RegisteredWorkflowType = keyof WorkflowRegistry;

/** The registry as a list, for the API (which also takes extra definitions, e.g. from tests). */
export const registeredWorkflows: readonly AnyWorkflowDefinition[] = Object.values(workflowRegistry);
