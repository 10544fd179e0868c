// Reading and validating request input; every failure becomes a 400 problem.
import type { Context } from 'hono';
import type { z } from 'zod';
import { problems } from './problem-response';

/** Parses the body as JSON whatever the content type says: the services are lenient readers. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw problems.malformedJson();
  }
  return validate(schema, raw);
}

export function validate<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw problems.validation(result.error);
  return result.data;
}
