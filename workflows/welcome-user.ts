import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { WelcomeInput, WelcomeResult } from '../contracts';

const { getUser } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '5 seconds', maximumAttempts: 5 },
});

/** Looks the user up and greets them by name. */
export async function welcomeUser({ userId }: WelcomeInput): Promise<WelcomeResult> {
  const user = await getUser(userId);
  return { userId, name: user.name, message: `Welcome, ${user.name}!` };
}
