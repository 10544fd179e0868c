// Synchronous composition at the edge: declare endpoints, compose them, serve the composition.
export { endpoint, BATON_SOURCE, type SourceService, type Endpoint, type EndpointRequest, type AnyEndpoint, type BodyOf, type RequestOf } from './endpoint';
export {
  compose,
  CompositionBuilder,
  type Composition,
  type SourceSpec,
  type SourceContext,
  type MergedValues,
  type PartialMeta,
  type InputOf,
  type OutputOf,
} from './define';
export {
  runComposition,
  whenAborted,
  type ClientGone,
  type BatonSources,
  type CompositionOutcome,
  type RequiredFailureReason,
  type RunOptions,
} from './engine';
export { createComposer, type Composer, type ComposerOptions, type ComposeCallOptions } from './composer';
export { DownstreamHttp, type CallPolicy, type DownstreamHttpOptions, type GetOptions, type HttpOutcome, type PoolOptions } from './downstream-http';
export { CallScope } from './call-scope';
export { FailureReason, SourceError, partialAnswerFields } from './source-failures';
export type { BreakerOptions, RetryOptions, CircuitStateName } from './resilience';
