import { User } from '../contracts';
import type { ActivityContext } from './context';
import { idSegment } from './call-downstream';
import { failureFor, parseOrFail } from './http-failures';

export function createUserActivities({ http, urls, signal }: ActivityContext) {
  return {
    async getUser(userId: string): Promise<User> {
      const res = await http.call(urls.users, { method: 'GET', path: `/users/${idSegment('users', userId)}`, signal: signal() });
      if (res.status !== 200) throw failureFor('users', res);
      return parseOrFail('users', User, res.body);
    },
  };
}
