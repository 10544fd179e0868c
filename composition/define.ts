// Declaring a composition: sources in order, each an endpoint plus how to call it, then the output
// schema and a merge. The builder only lets a source depend on sources declared before it, so the
// graph cannot have cycles, and the types of every dependency flow into the call that needs it.
import type { z } from '@hono/zod-openapi';
import type { CallPolicy } from './downstream-http';
import type { AnyEndpoint, BodyOf, RequestOf } from './endpoint';
import type { SourceError } from './source-failures';

interface Slot {
  value: unknown;
  required: boolean;
}
type Slots = Record<string, Slot>;

/** What a source's request sees: the composition's input and the values of the sources it waits for. */
export type SourceContext<I, S extends Slots, D extends keyof S> = { readonly input: I } & {
  readonly [K in D]: S[K]['value'];
};

/** What the merge sees: an optional source that failed (or found nothing) is null. */
export type MergedValues<S extends Slots> = {
  readonly [K in keyof S]: S[K]['required'] extends true ? S[K]['value'] : S[K]['value'] | null;
};

export interface PartialMeta {
  partial: boolean;
  errors: SourceError[];
}

export interface SourceSpec<I, S extends Slots, E extends AnyEndpoint, D extends keyof S, V, R extends boolean> {
  endpoint: E;
  /** Sources whose values this one needs; it starts the moment the last of them arrives. */
  after?: readonly D[];
  // NoInfer: dependencies come from `after` alone, never from how the request's parameter is annotated.
  request: (context: SourceContext<I, S, NoInfer<D>>) => RequestOf<E>;
  /** What the composition keeps of the body (default: all of it). */
  select?: (body: BodyOf<E>) => V;
  /** Budget for this source, retries included; the composition's deadline caps it too. */
  timeoutMs: number;
  /** A required source that fails fails the composition (default false: its value becomes null). */
  required?: R;
  /** Reuse answers as long as the service's Cache-Control and ETag allow (RFC 9111); default false. */
  cache?: boolean;
  /** Share one request among identical calls in flight; default: as `cache`. */
  coalesce?: boolean;
  /** Send a second request when the first has not answered after this long (idempotent GETs); default off. */
  hedgeAfterMs?: number;
}

/** A source with its types erased; what the engine runs. */
export interface SourceNode {
  readonly name: string;
  readonly endpoint: AnyEndpoint;
  /** Indices of the sources this one waits for, all earlier in `sources`. */
  readonly after: readonly number[];
  readonly url: (context: Readonly<Record<string, unknown>>) => string;
  readonly select: ((body: unknown) => unknown) | undefined;
  readonly timeoutMs: number;
  readonly required: boolean;
  /** How its calls are made: cache, coalescing, hedging (undefined: the defaults). */
  readonly policy: CallPolicy | undefined;
}

export interface Composition<I, O extends z.ZodType> {
  readonly name: string;
  /** Schema of the input (route parameters); here for its type and for documentation. */
  readonly input: z.ZodType<I>;
  readonly output: O;
  readonly deadlineMs: number;
  readonly sources: readonly SourceNode[];
  readonly merge: (values: Readonly<Record<string, unknown>>, meta: PartialMeta) => z.input<O>;
}

export type InputOf<C> = C extends Composition<infer I, z.ZodType> ? I : never;
export type OutputOf<C> = C extends Composition<unknown, infer O> ? z.input<O> : never;

export class CompositionBuilder<I, S extends Slots> {
  constructor(
    private readonly settings: { name: string; input: z.ZodType<I>; deadlineMs: number },
    private readonly nodes: readonly SourceNode[],
  ) {}

  source<const N extends string, E extends AnyEndpoint, const D extends keyof S & string = never, V = BodyOf<E>, const R extends boolean = false>(
    name: N & (N extends keyof S | 'input' ? { error: 'source names must be unique and not "input"' } : unknown),
    spec: SourceSpec<I, S, E, D, V, R>,
  ): CompositionBuilder<I, S & { [K in N]: { value: V; required: R } }> {
    if (name === 'input' || this.nodes.some((n) => n.name === name)) {
      throw new Error(`composition ${this.settings.name}: source name "${name}" is taken`);
    }
    if (!(spec.timeoutMs > 0)) throw new Error(`composition ${this.settings.name}: source ${name} needs a positive timeoutMs`);
    if (spec.hedgeAfterMs !== undefined && !(spec.hedgeAfterMs > 0 && spec.hedgeAfterMs < spec.timeoutMs)) {
      throw new Error(`composition ${this.settings.name}: source ${name}'s hedgeAfterMs must be positive and below its timeoutMs`);
    }
    const after = (spec.after ?? []).map((dep) => {
      const index = this.nodes.findIndex((n) => n.name === dep);
      if (index === -1) throw new Error(`composition ${this.settings.name}: source ${name} waits for unknown source ${dep}`);
      return index;
    });
    const { endpoint, request } = spec;
    const node: SourceNode = {
      name,
      endpoint,
      after,
      // The engine only builds contexts that hold the declared dependencies, so the erased call is sound.
      url: (context) => endpoint.url(request(context as SourceContext<I, S, D>)),
      select: spec.select as ((body: unknown) => unknown) | undefined,
      timeoutMs: spec.timeoutMs,
      required: spec.required === true,
      policy: callPolicy(spec),
    };
    return new CompositionBuilder(this.settings, [...this.nodes, node]);
  }

  /** Closes the declaration: `schema` documents and types the answer; `merge` builds it. */
  output<O extends z.ZodType>(schema: O, merge: (values: MergedValues<S>, meta: PartialMeta) => z.input<O>): Composition<I, O> {
    if (this.nodes.length === 0) throw new Error(`composition ${this.settings.name} has no sources`);
    return {
      ...this.settings,
      output: schema,
      sources: this.nodes,
      merge: merge as (values: Readonly<Record<string, unknown>>, meta: PartialMeta) => z.input<O>,
    };
  }
}

export function compose<IS extends z.ZodType>(settings: { name: string; input: IS; deadlineMs: number }) {
  if (!(settings.deadlineMs > 0)) throw new Error(`composition ${settings.name} needs a positive deadlineMs`);
  return new CompositionBuilder<z.output<IS>, Record<never, Slot>>(
    { name: settings.name, input: settings.input as z.ZodType<z.output<IS>>, deadlineMs: settings.deadlineMs },
    [],
  );
}

/** The source's call policy, or undefined when it keeps every default (the engine's fast path). */
export function callPolicy(spec: CallPolicy): CallPolicy | undefined {
  const { cache, coalesce, hedgeAfterMs } = spec;
  if (cache !== true && coalesce === undefined && hedgeAfterMs === undefined) return undefined;
  return { ...(cache === true && { cache }), ...(coalesce !== undefined && { coalesce }), ...(hedgeAfterMs !== undefined && { hedgeAfterMs }) };
}
