// A Temporal that answers at once, for tests of the API's own behaviour: starts succeed, listings and
// the readiness probe come back empty, and every other call finds no such workflow. The real Client
// runs on top of it, so the API meets the same errors it meets from a real server.
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { Client, type Connection } from '@temporalio/client';

export interface FakeTemporal {
  temporal: { client: Client; connection: Connection };
  /** Every RPC the API made, by method name, with its request. */
  calls: { method: string; request: unknown }[];
}

const notFound = () =>
  Object.assign(new Error(`${GrpcStatus.NOT_FOUND} NOT_FOUND: workflow not found`), {
    code: GrpcStatus.NOT_FOUND,
    details: 'workflow not found',
    metadata: new Metadata(),
  });

const ANSWERS: Record<string, () => unknown> = {
  startWorkflowExecution: () => ({ runId: 'fake-run-1', started: true }),
  listWorkflowExecutions: () => ({ executions: [], nextPageToken: new Uint8Array() }),
  getSystemInfo: () => ({ capabilities: {} }),
};

/** `answers`: RPCs answered (or refused, by throwing) otherwise than by default. */
export function fakeTemporal(answers: Record<string, (request: unknown) => unknown> = {}): FakeTemporal {
  const calls: FakeTemporal['calls'] = [];
  const service = new Proxy(
    {},
    {
      get: (_target, method) =>
        typeof method !== 'string'
          ? undefined
          : (request: unknown) => {
              calls.push({ method, request });
              const answer = answers[method] ?? ANSWERS[method];
              return answer ? new Promise((resolve) => resolve(answer(request))) : Promise.reject(notFound());
            },
    },
  );
  const connection = {
    workflowService: service,
    operatorService: service,
    plugins: [],
    withDeadline: <R>(_deadline: number | Date, fn: () => Promise<R>) => fn(),
    withAbortSignal: <R>(_signal: AbortSignal, fn: () => Promise<R>) => fn(),
    withMetadata: <R>(_metadata: unknown, fn: () => Promise<R>) => fn(),
    ensureConnected: () => Promise.resolve(),
    close: () => Promise.resolve(),
  } as unknown as Connection;
  return { temporal: { client: new Client({ connection }), connection }, calls };
}
