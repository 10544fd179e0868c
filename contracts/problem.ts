// RFC 9457 problem details: what Baton and the downstream services answer with on errors.
// Plain zod: workflow-safe.
import { z } from 'zod';

/** RFC 9457 problem details; validation problems add `errors`. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof Problem>;
