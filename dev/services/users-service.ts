// Users service: seeded users u-1..u-1000 plus any added through the admin route.
import { z } from 'zod';
import { User } from '../../contracts';
import { ServiceKit, type CommonServiceOptions, type SampleService } from './kit';
import { problems } from './problem-response';
import { readJson, validate } from './request';
import { seededUser } from './seed';

export const UserId = z.string().min(1).max(128);

export function createUsersService(options: CommonServiceOptions = {}): SampleService {
  const added = new Map<string, User>();
  const removed = new Set<string>();
  const find = (id: string) => (removed.has(id) ? undefined : (added.get(id) ?? seededUser(id)));

  const kit = new ServiceKit('users', options, {
    state: () => ({ addedUsers: added.size, removedUsers: removed.size }),
    reset: () => {
      added.clear();
      removed.clear();
    },
  });
  const { app } = kit;

  app.get('/users/:userId', kit.cacheable(), (c) => {
    const userId = validate(UserId, c.req.param('userId'));
    const user = find(userId);
    if (!user) throw problems.notFound(`No user ${userId}.`);
    return c.json(user);
  });

  // Upsert, so tests can add users beyond the seed or change a seeded one.
  app.put('/__admin/users/:userId', async (c) => {
    const userId = validate(UserId, c.req.param('userId'));
    const body = await readJson(c, User.omit({ id: true }));
    const user = { id: userId, ...body };
    added.set(userId, user);
    removed.delete(userId);
    return c.json(user);
  });

  // Lets a test make even a seeded user unknown.
  app.delete('/__admin/users/:userId', (c) => {
    const userId = c.req.param('userId');
    const existed = find(userId) !== undefined;
    added.delete(userId);
    removed.add(userId);
    return existed ? c.body(null, 204) : problems.notFound(`No user ${userId}.`).toResponse();
  });

  return kit.service;
}
