// One definition per workflow type: its name, input and result, messages, ID rule and start options.
// The worker's workflows import the Temporal message definitions from here; the API derives its
// routes, validation and OpenAPI entries from the zod schemas; the typed client derives its types.
// Workflow-safe: plain `zod` (no @hono/zod-openapi) and @temporalio/workflow's pure define* helpers.
import type { SearchAttributePair, UpdateDefinition } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate, type QueryDefinition, type SignalDefinition } from '@temporalio/workflow';
import { z } from 'zod';

/**
 * A Temporal duration: milliseconds, or text such as "3 days". Spelled out here because the SDK's
 * own Duration type comes from a package whose typings do not resolve under this project's settings.
 */
export const Timespan = z.union([z.number().int().min(0), z.string().min(1).max(64)]);
export type Timespan = z.infer<typeof Timespan>;

export type IdReusePolicy = 'ALLOW_DUPLICATE' | 'ALLOW_DUPLICATE_FAILED_ONLY' | 'REJECT_DUPLICATE' | 'TERMINATE_IF_RUNNING';
export type IdConflictPolicy = 'FAIL' | 'USE_EXISTING' | 'TERMINATE_EXISTING';

export interface UpdateSpec<A extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  args: A;
  result: R;
}

/** What the API knows when it names a new run: the request's key (Idempotency-Key, else its request ID). */
export interface WorkflowIdContext {
  key: string;
}

export interface WorkflowSpec<
  Type extends string,
  I extends z.ZodType,
  R extends z.ZodType,
  S extends Record<string, z.ZodType>,
  Q extends Record<string, z.ZodType>,
  U extends Record<string, UpdateSpec>,
  F extends string = never,
> {
  /** The Temporal workflow type: the name of the exported workflow function. Never rename it. */
  type: Type;
  /** Task queue; the API's configured one when absent. */
  taskQueue?: string;
  description?: string;
  input: I;
  result: R;
  /**
   * Input fields the API sets itself (a signed callback URL, deployment settings): no route accepts
   * them from a client, and the API must be given a way to fill them (api/workflows/starter.ts).
   */
  serverFields?: readonly (F & keyof z.output<I>)[];
  /**
   * What a person reads about a run in the Web UI and `temporal workflow describe`: a one-line summary
   * and markdown details, set at start (stored encrypted like any payload; the UI reads them through the codec).
   */
  describeRun?: (input: z.output<I>) => { summary: string; details?: string };
  /**
   * Whose run this is, for Temporal's fair dispatch (`matching.enableFairness` on the server): tasks of
   * different keys take turns, so one key's burst does not queue everyone else's runs behind it. Stored as a
   * digest (api/workflows/workflow-runs.ts storedFairnessKey).
   */
  fairnessKey?: (input: z.output<I>) => string;
  /** The search attributes a new run starts with (the namespace must have them registered). */
  searchAttributes?: (input: z.output<I>) => SearchAttributePair[];
  /** Signal name → its one payload. */
  signals?: S;
  /** Query name → what it answers (queries take no arguments). */
  queries?: Q;
  /** Update name → its one argument and its result. */
  updates?: U;
  /** Every ID of this type starts with it; explicit IDs must too. */
  idPrefix: string;
  /**
   * The ID of a new run. `input`: derived from the input alone (one run per business key, for ever);
   * `key`: from the input and the request's key, so a repeated Idempotency-Key finds the same run.
   */
  idFrom: 'input' | 'key';
  workflowId: (input: z.output<I>, context: WorkflowIdContext) => string;
  /** Defaults: REJECT_DUPLICATE and FAIL, so a repeated start returns the existing run. */
  idReusePolicy?: IdReusePolicy;
  idConflictPolicy?: Exclude<IdConflictPolicy, 'USE_EXISTING'>;
  defaultTimeouts?: { executionTimeout?: Timespan; runTimeout?: Timespan };
  /** An update that answers a start early (`Prefer: wait`): it takes no arguments and returns the early state. */
  earlyReturnUpdate?: keyof U & string;
}

type SignalDefs<S extends Record<string, z.ZodType>> = { [K in keyof S & string]: SignalDefinition<[z.output<S[K]>], K> };
type QueryDefs<Q extends Record<string, z.ZodType>> = { [K in keyof Q & string]: QueryDefinition<z.output<Q[K]>, [], K> };
type UpdateDefs<U extends Record<string, UpdateSpec>> = {
  [K in keyof U & string]: UpdateDefinition<z.output<U[K]['result']>, [z.output<U[K]['args']>], K>;
};

export type WorkflowDefinition<
  Type extends string = string,
  I extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
  S extends Record<string, z.ZodType> = Record<string, z.ZodType>,
  Q extends Record<string, z.ZodType> = Record<string, z.ZodType>,
  U extends Record<string, UpdateSpec> = Record<string, UpdateSpec>,
  F extends string = string,
> = Omit<WorkflowSpec<Type, I, R, S, Q, U, F>, 'signals' | 'queries' | 'updates'> & {
  signals: S;
  queries: Q;
  updates: U;
  /** The Temporal definitions, typed from the schemas: `setHandler(def.signal.x, ...)` in the workflow. */
  signal: SignalDefs<S>;
  query: QueryDefs<Q>;
  update: UpdateDefs<U>;
};

// The registry and the API handle definitions of any shape; `any` here only erases the schema types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyWorkflowDefinition = WorkflowDefinition<string, any, any, any, any, any, string>;

function mapNames<T extends object, V>(record: T, make: (name: string) => V): Record<string, V> {
  return Object.fromEntries(Object.keys(record).map((name) => [name, make(name)]));
}

export function defineWorkflow<
  const Type extends string,
  I extends z.ZodType,
  R extends z.ZodType,
  S extends Record<string, z.ZodType> = Record<never, z.ZodType>,
  Q extends Record<string, z.ZodType> = Record<never, z.ZodType>,
  U extends Record<string, UpdateSpec> = Record<never, UpdateSpec>,
  const F extends string = never,
>(spec: WorkflowSpec<Type, I, R, S, Q, U, F>): WorkflowDefinition<Type, I, R, S, Q, U, F> {
  const signals = spec.signals ?? ({} as S);
  const queries = spec.queries ?? ({} as Q);
  const updates = spec.updates ?? ({} as U);
  if (spec.earlyReturnUpdate !== undefined && !(spec.earlyReturnUpdate in updates)) {
    throw new TypeError(`${spec.type}: earlyReturnUpdate ${spec.earlyReturnUpdate} is not one of its updates`);
  }
  return {
    ...spec,
    signals,
    queries,
    updates,
    signal: mapNames(signals, (name) => defineSignal(name)) as SignalDefs<S>,
    query: mapNames(queries, (name) => defineQuery(name)) as QueryDefs<Q>,
    update: mapNames(updates, (name) => defineUpdate(name)) as UpdateDefs<U>,
  };
}

// Types the API and the typed client derive from a definition.
export type InputOf<D extends AnyWorkflowDefinition> = z.input<D['input']>;
/** What a client may send: the input without the fields the API sets itself. */
export type ClientInputOf<D extends AnyWorkflowDefinition> = Omit<InputOf<D>, NonNullable<D['serverFields']>[number]>;
export type ResultOf<D extends AnyWorkflowDefinition> = z.output<D['result']>;
export type SignalNameOf<D extends AnyWorkflowDefinition> = keyof D['signals'] & string;
export type SignalPayloadOf<D extends AnyWorkflowDefinition, S extends SignalNameOf<D>> = z.input<D['signals'][S]>;
export type QueryNameOf<D extends AnyWorkflowDefinition> = keyof D['queries'] & string;
export type QueryResultOf<D extends AnyWorkflowDefinition, Q extends QueryNameOf<D>> = z.output<D['queries'][Q]>;
export type UpdateNameOf<D extends AnyWorkflowDefinition> = keyof D['updates'] & string;
export type UpdateArgsOf<D extends AnyWorkflowDefinition, U extends UpdateNameOf<D>> = z.input<D['updates'][U]['args']>;
export type UpdateResultOf<D extends AnyWorkflowDefinition, U extends UpdateNameOf<D>> = z.output<D['updates'][U]['result']>;
