// Maps what the Temporal client throws to the API's problems, so no Temporal error becomes a 500.
import { ServiceError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, isGrpcServiceError } from '@temporalio/client';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { problems, type ApiProblem } from './problems';

const UNREACHABLE = new Set<number>([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.RESOURCE_EXHAUSTED]);

function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if (isGrpcServiceError(e)) return e.code;
  }
  return undefined;
}

export function problemFromTemporal(err: unknown): ApiProblem | undefined {
  if (err instanceof WorkflowNotFoundError) return problems.notFound('No such workflow.');
  if (err instanceof WorkflowExecutionAlreadyStartedError) return problems.conflict('A workflow with this ID is already running.');
  const code = grpcCode(err);
  if (code !== undefined && UNREACHABLE.has(code)) return problems.temporalUnavailable();
  if (code === GrpcStatus.NOT_FOUND) return problems.notFound('No such workflow.');
  // A connection that never came up surfaces as a plain ServiceError or a transport error.
  if (err instanceof ServiceError && /unavailable|connect|deadline/i.test(err.message)) return problems.temporalUnavailable();
  if (err instanceof Error && /Failed to connect|ECONNREFUSED|transport/i.test(err.message)) return problems.temporalUnavailable();
  return undefined;
}
