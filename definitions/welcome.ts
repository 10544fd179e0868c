// The first workflow: proves API -> Temporal -> worker -> activity -> downstream service end to end.
export const welcomeUser = {
  type: 'welcomeUser',
  workflowId: (userId: string, requestId: string) => `welcome-${userId}-${requestId}`,
  idPrefix: 'welcome-',
} as const;

export interface WelcomeInput {
  userId: string;
}

export interface WelcomeResult {
  userId: string;
  name: string;
  message: string;
}
