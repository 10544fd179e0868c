// The one ID rule for everything a client names (orderId, customerId, userId, workflow IDs,
// idempotency keys) and every ID Baton derives from them. IDs travel into downstream URL paths,
// Temporal workflow IDs and links: a letter or digit first, then letters, digits, ".", "_", ":" or
// "-", so no ID can hold "/", "%", whitespace or start a ".." segment. Plain zod: workflow-safe.
import { z } from 'zod';

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
export const ID_RULE = 'must use letters, digits, ".", "_", ":" or "-", starting with a letter or digit';
/** A client's own IDs and keys. */
export const ID_MAX_LENGTH = 128;
/** Derived workflow IDs are longer: `welcome-<userId>-<key>` is at most 8 + 128 + 1 + 128. */
export const WORKFLOW_ID_MAX_LENGTH = 300;

export const isId = (value: string): boolean => value.length <= ID_MAX_LENGTH && ID_PATTERN.test(value);

export const Id = z.string().min(1).max(ID_MAX_LENGTH).regex(ID_PATTERN, ID_RULE);
/** A workflow ID in a path or query: the same charset, room for the derived ones. */
export const WorkflowId = z.string().min(1).max(WORKFLOW_ID_MAX_LENGTH).regex(ID_PATTERN, ID_RULE);
