// The first workflow as one definition (plain zod: workflow-safe).
import { z } from 'zod';
import { defineWorkflow } from './define-workflow';
import { Id } from './ids';
import { welcomeUser, type WelcomeInput, type WelcomeResult } from './welcome';

export const welcomeDefinition = defineWorkflow({
  type: welcomeUser.type,
  description: 'Looks the user up and greets them by name.',
  input: z.object({ userId: Id }) satisfies z.ZodType<WelcomeInput>,
  result: z.object({ userId: z.string(), name: z.string(), message: z.string() }) satisfies z.ZodType<WelcomeResult>,
  idPrefix: welcomeUser.idPrefix,
  idFrom: 'key',
  workflowId: (input, { key }) => welcomeUser.workflowId(input.userId, key),
});
