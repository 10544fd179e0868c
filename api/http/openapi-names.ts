// OpenAPI names and metadata for the contracts' plain-zod schemas, given on the API side only.
import { z } from '@hono/zod-openapi';

/**
 * zod 4 binds methods when a schema is built, so one built before @hono/zod-openapi loaded (the
 * workflow-safe contracts may be) lacks `.openapi`: call the extension itself. Each returns a clone;
 * the contract's own schema stays plain.
 */
const openapi = (z.ZodType.prototype as unknown as { openapi: (this: z.ZodType, ...args: unknown[]) => z.ZodType }).openapi;

/** A component name: the schema appears once under components/schemas and is referenced. */
export const named = <T extends z.ZodType>(schema: T, name: string): T => openapi.call(schema, name) as T;

/** Metadata for a parameter or a field (description, example, `param`). */
export const documented = <T extends z.ZodType>(schema: T, metadata: Record<string, unknown>): T => openapi.call(schema, metadata) as T;

/** A JSON response entry of a route's `responses`. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
