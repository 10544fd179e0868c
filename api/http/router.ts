import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './deps';
import { fieldErrors, problems } from './problems';

/** Every router shares one validation hook, so each bad field is named the same way everywhere. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const prefix = result.target === 'json' ? undefined : result.target;
        throw problems.validation(fieldErrors(result.error, prefix));
      }
    },
  });
}
