// The first workflow's contract: proves API -> Temporal -> worker -> activity -> downstream service end
// to end. Plain zod: workflow-safe.
import { z } from 'zod';
import { defineWorkflow } from './define-workflow';
import { Id } from './ids';

export const welcomeUser = {
  type: 'welcomeUser',
  workflowId: (userId: string, requestId: string) => `welcome-${userId}-${requestId}`,
  idPrefix: 'welcome-',
} as const;

export const WelcomeInput = z.object({ userId: Id });
export type WelcomeInput = z.infer<typeof WelcomeInput>;
export const WelcomeResult = z.object({ userId: z.string(), name: z.string(), message: z.string() });
export type WelcomeResult = z.infer<typeof WelcomeResult>;

export const welcomeDefinition = defineWorkflow({
  type: welcomeUser.type,
  description: 'Looks the user up and greets them by name.',
  input: WelcomeInput,
  result: WelcomeResult,
  idPrefix: welcomeUser.idPrefix,
  idFrom: 'key',
  workflowId: (input, { key }) => welcomeUser.workflowId(input.userId, key),
  describeRun: (input) => ({ summary: `Welcome user ${input.userId}` }),
});
