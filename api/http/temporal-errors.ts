// Maps what the Temporal client throws to the API's problems, so no Temporal error becomes a 500.
import { ServiceError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, isGrpcServiceError } from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { BATON_SEARCH_ATTRIBUTE_KEYS } from '../../contracts/search-attributes';
import { createNamespaceCommand, createSearchAttributesCommand, unknownSearchAttributes } from '../../lib/namespace-setup';
import { problems, type ApiProblem } from './problems';

const UNREACHABLE = new Set<number>([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.RESOURCE_EXHAUSTED]);

function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if (isGrpcServiceError(e)) return e.code;
  }
  return undefined;
}

/** Every message and gRPC detail along the cause chain: the server's own words sit at the bottom. */
function messages(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { message, details } = e as { message?: unknown; details?: unknown };
    if (typeof message === 'string') parts.push(message);
    if (typeof details === 'string') parts.push(details);
  }
  return parts.join('; ');
}

/**
 * A namespace that is not set up for Baton (lib/namespace-setup.ts), as the call itself learned it:
 * the namespace is gone, or a start or search named one of Baton's search attributes it does not know.
 */
function namespaceProblem(err: unknown, namespace: string | undefined): ApiProblem | undefined {
  const text = messages(err);
  const gone = err instanceof NamespaceNotFoundError ? err.namespace : /Namespace (\S+) (?:is not found|was not found)/.exec(text)?.[1];
  if (gone !== undefined) {
    return problems.namespaceNotFound(`Temporal namespace "${gone}" does not exist; create it: ${createNamespaceCommand(gone)}`);
  }
  const missing = unknownSearchAttributes(
    text,
    BATON_SEARCH_ATTRIBUTE_KEYS.map((key) => key.name),
  );
  if (missing.length === 0) return undefined;
  const where = /Namespace (\S+) has no mapping/.exec(text)?.[1] ?? namespace ?? 'default';
  return problems.searchAttributesMissing(
    `Temporal namespace "${where}" lacks Baton's search attributes ${missing.join(', ')} (Keyword); Baton adds them at start unless ` +
      `BATON_REGISTER_SEARCH_ATTRIBUTES=false or the server refuses. Fix: ${createSearchAttributesCommand(where, missing)}`,
  );
}

/** `namespace`: the API's (TEMPORAL_NAMESPACE), named in the fix when the server's message does not say. */
export function problemFromTemporal(err: unknown, namespace?: string): ApiProblem | undefined {
  if (err instanceof WorkflowNotFoundError) return problems.notFound('No such workflow.');
  if (err instanceof WorkflowExecutionAlreadyStartedError) return problems.conflict('A workflow with this ID is already running.');
  const setup = namespaceProblem(err, namespace);
  if (setup) return setup;
  const code = grpcCode(err);
  if (code !== undefined && UNREACHABLE.has(code)) return problems.temporalUnavailable();
  if (code === GrpcStatus.NOT_FOUND) return problems.notFound('No such workflow.');
  // A connection that never came up surfaces as a plain ServiceError or a transport error.
  if (err instanceof ServiceError && /unavailable|connect|deadline/i.test(err.message)) return problems.temporalUnavailable();
  if (err instanceof Error && /Failed to connect|ECONNREFUSED|transport/i.test(err.message)) return problems.temporalUnavailable();
  return undefined;
}
