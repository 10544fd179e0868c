// A typed client for Baton's generic workflow API (/workflows/{type}/...). Its types come from the
// workflow definitions themselves (contracts/registry.ts by default), so a wrong workflow type,
// signal, query or update name, or a payload of the wrong shape, does not compile.
// Types only from contracts/: the client pulls in no Temporal or zod code at run time.
import type {
  AnyWorkflowDefinition,
  ClientInputOf,
  QueryNameOf,
  QueryResultOf,
  ResultOf,
  SignalNameOf,
  SignalPayloadOf,
  UpdateArgsOf,
  UpdateNameOf,
  UpdateResultOf,
} from '../contracts/define-workflow';
import type { WorkflowRegistry } from '../contracts/registry';

export type Registry = Record<string, AnyWorkflowDefinition>;
export type WorkflowType<R extends Registry = WorkflowRegistry> = keyof R & string;
export type WorkflowInput<T extends WorkflowType<R>, R extends Registry = WorkflowRegistry> = ClientInputOf<R[T]>;
export type WorkflowResult<T extends WorkflowType<R>, R extends Registry = WorkflowRegistry> = ResultOf<R[T]>;
export type SignalName<T extends WorkflowType<R>, R extends Registry = WorkflowRegistry> = SignalNameOf<R[T]>;
export type SignalPayload<T extends WorkflowType<R>, S extends SignalName<T, R>, R extends Registry = WorkflowRegistry> = SignalPayloadOf<R[T], S>;
export type QueryName<T extends WorkflowType<R>, R extends Registry = WorkflowRegistry> = QueryNameOf<R[T]>;
export type QueryResult<T extends WorkflowType<R>, Q extends QueryName<T, R>, R extends Registry = WorkflowRegistry> = QueryResultOf<R[T], Q>;
export type UpdateName<T extends WorkflowType<R>, R extends Registry = WorkflowRegistry> = UpdateNameOf<R[T]>;
export type UpdateArgs<T extends WorkflowType<R>, U extends UpdateName<T, R>, R extends Registry = WorkflowRegistry> = UpdateArgsOf<R[T], U>;
export type UpdateResult<T extends WorkflowType<R>, U extends UpdateName<T, R>, R extends Registry = WorkflowRegistry> = UpdateResultOf<R[T], U>;

export type RunStatus =
  'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'CONTINUED_AS_NEW' | 'TIMED_OUT' | 'PAUSED' | 'UNSPECIFIED' | 'UNKNOWN';
export type ListStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'canceled' | 'terminated' | 'timed_out' | 'continued_as_new';

export interface Links {
  self: string;
  temporalUi: string;
}

export interface StartedRun<Result, Early = unknown> {
  type: string;
  workflowId: string;
  runId: string;
  status: RunStatus;
  result?: Result;
  failure?: string;
  early?: Early;
  links: Links;
}

export interface StartAnswer<Result, Early = unknown> {
  /** 202: started; 200: the same run as before (same ID or Idempotency-Key), or answered within the wait. */
  httpStatus: 200 | 202;
  location: string | null;
  preferenceApplied: string | null;
  run: StartedRun<Result, Early>;
}

export interface DescribedRun<Result> {
  type: string;
  workflowId: string;
  runId: string;
  status: RunStatus;
  taskQueue: string;
  startTime: string;
  closeTime?: string;
  historyLength: number;
  result?: Result;
  failure?: string;
  links: Links;
}

export interface ListedRun {
  workflowId: string;
  runId: string;
  status: RunStatus;
  startTime?: string;
  closeTime?: string;
  links: Links;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
}

/** A problem+json answer from Baton. */
export class BatonApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
    readonly retryAfter: string | null,
  ) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = 'BatonApiError';
  }
}

export interface BatonClientOptions {
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
}

export interface StartOptions {
  /** A repeat with the same key returns the same run. */
  idempotencyKey?: string;
  /** An explicit workflow ID (it must follow the type's ID rule). */
  workflowId?: string;
  /** `Prefer: wait=N`: answer with the result (or the early-return update's answer) if it comes within N seconds. */
  waitSeconds?: number;
}

type EarlyOf<D extends AnyWorkflowDefinition> = NonNullable<D['earlyReturnUpdate']> extends infer U extends UpdateNameOf<D> ? UpdateResultOf<D, U> : never;

export function createBatonClient<R extends Registry = WorkflowRegistry>(options: BatonClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/$/, '');
  const path = (type: string, id?: string, ...rest: string[]) =>
    ['/workflows', encodeURIComponent(type), ...(id === undefined ? [] : [encodeURIComponent(id)]), ...rest.map(encodeURIComponent)].join('/');

  async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const res = await doFetch(base + url, {
      method,
      headers: { authorization: `Bearer ${options.token}`, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (res.status >= 400) {
      const problem = (await res.json().catch(() => undefined)) as Problem | undefined;
      throw new BatonApiError(res.status, problem, res.headers.get('retry-after'));
    }
    return res;
  }
  const read = async <T>(res: Promise<Response>) => (await (await res).json()) as T;

  return {
    async start<T extends WorkflowType<R>>(
      type: T,
      input: WorkflowInput<T, R>,
      opts: StartOptions = {},
    ): Promise<StartAnswer<WorkflowResult<T, R>, EarlyOf<R[T]>>> {
      const query = opts.workflowId === undefined ? '' : `?workflowId=${encodeURIComponent(opts.workflowId)}`;
      const res = await call('POST', path(type) + query, input, {
        ...(opts.idempotencyKey !== undefined && { 'idempotency-key': opts.idempotencyKey }),
        ...(opts.waitSeconds !== undefined && { prefer: `wait=${opts.waitSeconds}` }),
      });
      return {
        httpStatus: res.status as 200 | 202,
        location: res.headers.get('location'),
        preferenceApplied: res.headers.get('preference-applied'),
        run: (await res.json()) as StartedRun<WorkflowResult<T, R>, EarlyOf<R[T]>>,
      };
    },
    describe<T extends WorkflowType<R>>(type: T, id: string): Promise<DescribedRun<WorkflowResult<T, R>>> {
      return read(call('GET', path(type, id)));
    },
    async signal<T extends WorkflowType<R>, S extends SignalName<T, R>>(type: T, id: string, name: S, payload: SignalPayload<T, S, R>): Promise<void> {
      await call('POST', path(type, id, 'signals', name), payload);
    },
    query<T extends WorkflowType<R>, Q extends QueryName<T, R>>(type: T, id: string, name: Q): Promise<QueryResult<T, Q, R>> {
      return read(call('GET', path(type, id, 'queries', name)));
    },
    update<T extends WorkflowType<R>, U extends UpdateName<T, R>>(type: T, id: string, name: U, args: UpdateArgs<T, U, R>): Promise<UpdateResult<T, U, R>> {
      return read(call('POST', path(type, id, 'updates', name), args));
    },
    async cancel<T extends WorkflowType<R>>(type: T, id: string): Promise<void> {
      await call('POST', path(type, id, 'cancel'));
    },
    list<T extends WorkflowType<R>>(
      type: T,
      opts: { status?: ListStatus; pageSize?: number; nextPageToken?: string } = {},
    ): Promise<{ workflows: ListedRun[]; nextPageToken?: string }> {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(opts)) if (value !== undefined) params.set(key, String(value));
      const qs = params.size ? `?${params.toString()}` : '';
      return read(call('GET', path(type) + qs));
    },
  };
}

export type BatonClient<R extends Registry = WorkflowRegistry> = ReturnType<typeof createBatonClient<R>>;
