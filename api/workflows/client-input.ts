// What a client may send to start a workflow: the definition's input without the fields the server
// owns. Those are refused by name (400), never silently dropped, so a client learns it cannot set them.
import { z } from '@hono/zod-openapi';
import type { AnyWorkflowDefinition } from '../../contracts';

const REFUSED = 'is set by Baton; a client may not send it';

export function clientInputSchema(def: AnyWorkflowDefinition): z.ZodType {
  const fields: readonly string[] = def.serverFields ?? [];
  if (fields.length === 0) return def.input as z.ZodType;
  if (!(def.input instanceof z.ZodObject)) throw new Error(`workflow ${def.type}: serverFields need an object input`);
  const omit: Record<string, true> = Object.fromEntries(fields.map((field) => [field, true as const]));
  const refused = Object.fromEntries(
    fields.map((field) => [
      field,
      z
        .unknown()
        .refine((value) => value === undefined, REFUSED)
        .optional()
        .openapi({ readOnly: true, description: 'Set by Baton; a request that sends it is refused (400).' }),
    ]),
  );
  return def.input.omit(omit as never).extend(refused);
}
