// The one way any workflow starts, whichever route asks: the server's own fields filled in, the ID
// derived (or an explicit one checked), then an idempotent start, `Prefer: wait` and the definition's
// search attributes (workflow-runs.ts). POST /workflows/{type} and POST /orders both come here.
import type { AnyWorkflowDefinition } from '../../contracts';
import type { AppConfig, AppDeps } from '../http/deps';
import { problems } from '../http/problems';
import type { BurstAllowances } from './burst-priority';
import { startRun, withWaitDeadline, type StartOutcome } from './workflow-runs';

/** Fills a definition's server-owned fields (`serverFields`) into a client's validated input. */
export type ServerInput = (clientInput: unknown, config: AppConfig) => unknown;

export interface StartCall {
  /** The client's input, already validated against clientInputSchema(def). */
  input: unknown;
  /** The request's key (Idempotency-Key, else its request ID): names the runs of key-derived types. */
  key: string;
  /** A workflow ID the client chose; it must follow the definition's rule. */
  workflowId?: string;
  /** Seconds to wait for the result or the early-return update (`Prefer: wait`). */
  wait?: number;
}

export type StartWorkflow = (deps: AppDeps, def: AnyWorkflowDefinition, call: StartCall) => Promise<StartOutcome>;

export function workflowStarter(
  definitions: readonly AnyWorkflowDefinition[],
  serverInputs: Readonly<Record<string, ServerInput>>,
  burst?: BurstAllowances,
): StartWorkflow {
  for (const def of definitions) {
    if ((def.serverFields?.length ?? 0) > 0 && !serverInputs[def.type]) {
      throw new Error(`workflow ${def.type} has server-owned fields (${def.serverFields?.join(', ')}) but the API has no ServerInput for it`);
    }
  }
  return async ({ config, temporal }, def, call) => {
    const fill = serverInputs[def.type];
    const input = fill ? fill(call.input, config) : call.input;
    const derived = def.workflowId(input, { key: call.key });
    const explicit = call.workflowId;
    if (explicit !== undefined && (def.idFrom === 'input' ? explicit !== derived : !explicit.startsWith(def.idPrefix))) {
      const rule = def.idFrom === 'input' ? `must be ${derived} (it follows from the input)` : `must start with ${def.idPrefix}`;
      throw problems.validation([{ path: 'query.workflowId', message: rule }]);
    }
    // A customer's burst past its allowance runs on the burst lane, so other customers' orders keep the main one.
    const inBurst = def.fairnessKey !== undefined && burst !== undefined && (await burst.pastAllowance(def.fairnessKey(input)));
    return withWaitDeadline(temporal.connection, call.wait, config.temporalDeadlineMs, () =>
      startRun({ ...temporal, config }, def, { workflowId: explicit ?? derived, input, wait: call.wait, burst: inBurst }),
    );
  };
}
