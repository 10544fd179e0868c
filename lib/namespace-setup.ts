// Is the namespace ready for Baton's orders? It must exist, and it must know Baton's search attributes
// (contracts/search-attributes.ts) with the right type: a start that carries an unknown one is refused
// ("Namespace default has no mapping defined for search attribute OrderStatus"), and so is a search by it.
// The API and the worker both run this at start; missing attributes are added through the operator
// service when BATON_REGISTER_SEARCH_ATTRIBUTES allows it. Baton never creates the namespace itself:
// its retention and ownership are the cluster operator's call.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { encodeSearchAttributeIndexedValueType, type SearchAttributeKey, type SearchAttributeType } from '@temporalio/common/lib/search-attributes';
import type { temporal } from '@temporalio/proto';
import { BATON_SEARCH_ATTRIBUTE_KEYS } from '../contracts/search-attributes';
import type { Logger } from './logger';

type OperatorService = temporal.api.operatorservice.v1.OperatorService;
type WorkflowService = temporal.api.workflowservice.v1.WorkflowService;

/** What the check calls: a client Connection or a worker's NativeConnection both have it. */
export interface NamespaceServices {
  operatorService: Pick<OperatorService, 'listSearchAttributes' | 'addSearchAttributes'>;
  workflowService: Pick<WorkflowService, 'listWorkflowExecutions'>;
  withDeadline<R>(deadline: number, fn: () => Promise<R>): Promise<R>;
}

export interface WrongType {
  name: string;
  /** As the `temporal` CLI names types: Text, Keyword, ... */
  registeredAs: string;
  expected: string;
}

interface Base {
  namespace: string;
  /** One sentence for logs, /readyz and problem details; names the command that fixes it. */
  detail: string;
}

export type NamespaceCheck =
  /** `registered`: the attributes this check added. */
  | (Base & { state: 'ready'; registered: string[] })
  /** The server would not list the attributes (a narrow role, an old server): orders go ahead, a refused start still says what is missing. */
  | (Base & { state: 'unverified' })
  | (Base & { state: 'namespace-not-found'; command: string })
  /**
   * Missing or of the wrong type, and not added: `why` says whether registration is off, was refused
   * (`error`) or cannot fix it (a wrong type is never changed behind the operator's back).
   */
  | (Base & {
      state: 'search-attributes-missing';
      missing: string[];
      wrongType: WrongType[];
      why: 'registration-off' | 'registration-refused' | 'wrong-type';
      error?: string;
      command: string;
    })
  /** Registered, but the server does not use them yet (its namespace cache refreshes every few seconds). */
  | (Base & { state: 'search-attributes-pending'; pending: string[] });

export type NamespaceCheckState = NamespaceCheck['state'];

export interface CheckNamespaceOptions {
  namespace: string;
  /** Add missing attributes through the operator service (BATON_REGISTER_SEARCH_ATTRIBUTES). */
  register: boolean;
  /** Default: Baton's (contracts/search-attributes.ts). */
  attributes?: readonly SearchAttributeKey<SearchAttributeType>[];
  /** Deadline of each call. */
  callTimeoutMs?: number;
  /** After adding attributes, how long to wait until the server uses them. */
  settleTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The `temporal` CLI's name of each type (`--type`), by temporal.api.enums.v1.IndexedValueType. */
const CLI_TYPE_NAMES: Record<number, string> = { 1: 'Text', 2: 'Keyword', 3: 'Int', 4: 'Double', 5: 'Bool', 6: 'Datetime', 7: 'KeywordList' };
const cliType = (code: number | undefined) => (code !== undefined && CLI_TYPE_NAMES[code]) || `type ${code}`;
const code = (key: SearchAttributeKey<SearchAttributeType>) => encodeSearchAttributeIndexedValueType(key.type) ?? 0;

export const shellWord = (word: string) => (/^[A-Za-z0-9._:/=@-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/**
 * The command that adds `names`, all of one type. Each `--name` needs its own `--type`: the CLI (1.9)
 * adds only the first of several names given one `--type`, and says it added them all.
 */
export function createSearchAttributesCommand(namespace: string, names: readonly string[], type = 'Keyword'): string {
  return [
    'temporal operator search-attribute create',
    `--namespace ${shellWord(namespace)}`,
    ...names.map((n) => `--name ${shellWord(n)} --type ${type}`),
  ].join(' ');
}

export function createNamespaceCommand(namespace: string): string {
  return `temporal operator namespace create --namespace ${shellWord(namespace)}`;
}

/** The gRPC status code of a Temporal call's error, whichever connection made it. */
export function grpcCodeOf(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'number') return c;
  }
  return undefined;
}

const messageOf = (err: unknown) => {
  const e = err as { details?: unknown; message?: unknown };
  return String((typeof e.details === 'string' && e.details) || e.message || err);
};

/** Asking the server did not settle anything (unreachable, too slow): the caller reports Temporal as unavailable. */
export class NamespaceCheckError extends Error {
  constructor(override readonly cause: unknown) {
    super(`could not check the namespace: ${messageOf(cause)}`);
    this.name = 'NamespaceCheckError';
  }
}

const NAMESPACE_GONE = 'namespace-gone';
const CANNOT_LIST = new Set<number>([GrpcStatus.PERMISSION_DENIED, GrpcStatus.UNIMPLEMENTED, GrpcStatus.UNAUTHENTICATED]);

export async function checkNamespace(services: NamespaceServices, options: CheckNamespaceOptions): Promise<NamespaceCheck> {
  const { namespace } = options;
  const attributes = options.attributes ?? BATON_SEARCH_ATTRIBUTE_KEYS;
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const call = <R>(fn: () => Promise<R>) => services.withDeadline(Date.now() + callTimeoutMs, fn);
  const names = attributes.map((a) => a.name);
  const listed = () => call(() => services.operatorService.listSearchAttributes({ namespace })).then((r) => r.customAttributes ?? {});

  const notFound = (): NamespaceCheck => {
    const command = createNamespaceCommand(namespace);
    return { state: 'namespace-not-found', namespace, command, detail: `Temporal namespace "${namespace}" does not exist; create it: ${command}` };
  };

  let custom: Record<string, number>;
  try {
    custom = await listed();
  } catch (err) {
    const grpc = grpcCodeOf(err);
    if (grpc === GrpcStatus.NOT_FOUND) return notFound();
    if (grpc !== undefined && CANNOT_LIST.has(grpc)) return unverifiedOrPending(err);
    throw new NamespaceCheckError(err);
  }

  const wrongType: WrongType[] = attributes
    .filter((a) => custom[a.name] !== undefined && custom[a.name] !== code(a))
    .map((a) => ({ name: a.name, registeredAs: cliType(custom[a.name]), expected: cliType(code(a)) }));
  let missing = attributes.filter((a) => custom[a.name] === undefined);
  let registered: string[] = [];
  let refusal: unknown;

  if (missing.length > 0 && options.register) {
    try {
      await call(() =>
        services.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((a) => [a.name, code(a)])) }),
      );
    } catch (err) {
      // Another process may have added them a moment earlier (ALREADY_EXISTS): the list below tells.
      refusal = err;
    }
    try {
      custom = await listed();
    } catch (err) {
      throw new NamespaceCheckError(err);
    }
    registered = missing.filter((a) => custom[a.name] !== undefined).map((a) => a.name);
    missing = missing.filter((a) => custom[a.name] === undefined);
  }

  if (missing.length > 0 || wrongType.length > 0) {
    const because = !options.register
      ? undefined
      : refusal !== undefined
        ? { text: `adding them failed (${messageOf(refusal)})`, error: messageOf(refusal) }
        : { text: 'they were added, but the server does not list them' };
    return notReady(
      missing.map((a) => a.name),
      wrongType,
      because,
    );
  }

  // Listed is not yet usable: the frontend checks starts and queries against its cached copy of the
  // namespace. Right after adding them, wait for it; otherwise just look once.
  const deadline = Date.now() + (registered.length > 0 ? (options.settleTimeoutMs ?? 20_000) : 0);
  for (;;) {
    const unusable = await unusableAttributes();
    if (unusable === NAMESPACE_GONE) return notFound();
    if (unusable.length === 0) {
      const detail =
        registered.length > 0
          ? `registered Baton's search attributes ${registered.join(', ')} in "${namespace}"`
          : `namespace "${namespace}" has Baton's search attributes`;
      return { state: 'ready', namespace, registered, detail };
    }
    if (Date.now() >= deadline) return pending(unusable);
    await sleep(250);
  }

  function pending(unusable: string[]): NamespaceCheck {
    return {
      state: 'search-attributes-pending',
      namespace,
      pending: unusable,
      detail: `Baton's search attributes ${unusable.join(', ')} are registered in "${namespace}" but not yet in effect on the server; this passes within seconds`,
    };
  }

  /** `because`: why registration did not fix it; undefined when it is off. */
  function notReady(missingNames: string[], wrong: WrongType[], because: { text: string; error?: string } | undefined): NamespaceCheck {
    const commands: string[] = [];
    const parts: string[] = [];
    if (missingNames.length > 0) {
      commands.push(createSearchAttributesCommand(namespace, missingNames));
      const why = because?.text ?? 'BATON_REGISTER_SEARCH_ATTRIBUTES=false, so Baton does not add them';
      parts.push(`Temporal namespace "${namespace}" lacks Baton's search attributes ${missingNames.join(', ')} (Keyword) and ${why}`);
    }
    if (wrong.length > 0) {
      const wrongNames = wrong.map((w) => w.name);
      commands.push(
        `temporal operator search-attribute remove --namespace ${shellWord(namespace)} ${wrongNames.map((n) => `--name ${shellWord(n)}`).join(' ')} --yes`,
      );
      commands.push(createSearchAttributesCommand(namespace, wrongNames));
      parts.push(
        `in Temporal namespace "${namespace}" ${wrong.map((w) => `${w.name} is registered as ${w.registeredAs}`).join(' and ')}, but Baton needs Keyword`,
      );
    }
    const command = commands.join(' && ');
    return {
      state: 'search-attributes-missing',
      namespace,
      missing: missingNames,
      wrongType: wrong,
      why: wrong.length > 0 && missingNames.length === 0 ? 'wrong-type' : because !== undefined ? 'registration-refused' : 'registration-off',
      ...(because?.error !== undefined && { error: because.error }),
      command,
      detail: `${parts.join('; ')}. Fix: ${command}`,
    };
  }

  /** When the attributes cannot be listed, a search by them still tells whether the server knows them. */
  async function unverifiedOrPending(listError: unknown): Promise<NamespaceCheck> {
    const unusable = await unusableAttributes();
    if (unusable === NAMESPACE_GONE) return notFound();
    if (unusable.length > 0) {
      // Not listable, so not addable either: say what to run.
      const refused = messageOf(listError);
      return notReady(unusable, [], options.register ? { text: `the server lets Baton neither list nor add them (${refused})`, error: refused } : undefined);
    }
    return {
      state: 'unverified',
      namespace,
      detail: `could not list the search attributes of "${namespace}" (${messageOf(listError)}); searches by them work, so orders go ahead`,
    };
  }

  /** Baton's attributes a search by them names as unknown: the query is checked against the server's live mapping. */
  async function unusableAttributes(): Promise<string[] | typeof NAMESPACE_GONE> {
    const probe = attributes.filter((a) => a.type === 'KEYWORD' || a.type === 'TEXT');
    if (probe.length === 0) return [];
    const query = probe.map((a) => `${a.name} = "baton-readiness-probe"`).join(' AND ');
    try {
      await call(() => services.workflowService.listWorkflowExecutions({ namespace, query, pageSize: 1 }));
      return [];
    } catch (err) {
      const grpc = grpcCodeOf(err);
      if (grpc === GrpcStatus.NOT_FOUND) return NAMESPACE_GONE;
      // Not allowed to search either: nothing more to learn here.
      if (grpc !== undefined && CANNOT_LIST.has(grpc)) return [];
      if (grpc !== GrpcStatus.INVALID_ARGUMENT) throw new NamespaceCheckError(err);
      // Only an error that names one of them says they are unknown; any other refusal of the probe proves nothing.
      return unknownSearchAttributes(messageOf(err), names);
    }
  }
}

/**
 * Which of `names` a Temporal error says the namespace does not know: "no mapping defined for search
 * attribute X" (a start or upsert), "invalid search attribute: X" (a query). Empty for any other error.
 */
export function unknownSearchAttributes(message: string, names: readonly string[]): string[] {
  const found = new Set<string>();
  for (const m of message.matchAll(/(?:no mapping defined for search attribute|invalid search attribute:?)\s+"?([A-Za-z_][A-Za-z0-9_]*)/gi)) {
    if (names.includes(m[1]!)) found.add(m[1]!);
  }
  return [...found];
}

/** How a process reports a check: errors name the command, since a person has to run it. */
export function logNamespaceCheck(log: Pick<Logger, 'info' | 'warn' | 'error'>, check: NamespaceCheck): void {
  const fields = { namespace: check.namespace, state: check.state, ...('command' in check && { command: check.command }) };
  switch (check.state) {
    case 'ready':
      return log.info(fields, check.detail);
    case 'unverified':
    case 'search-attributes-pending':
      return log.warn(fields, check.detail);
    case 'namespace-not-found':
    case 'search-attributes-missing':
      return log.error(fields, check.detail);
  }
}
