// worker/namespace.ts on a fake cluster: the worker waits for a missing namespace, runs without the search
// attributes it may not add (logging the command once), and notices when a person adds them.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { NamespaceServices } from '../../../lib/namespace-setup';
import { prepareNamespace } from '../../../worker/namespace';

const grpcError = (code: number, details: string) => Object.assign(new Error(details), { code, details });
const resolveWith = <R>(fn: () => R): Promise<R> => new Promise((resolve) => resolve(fn()));

function cluster() {
  const state = { exists: false, attributes: {} as Record<string, number>, lists: 0 };
  const services = {
    operatorService: {
      listSearchAttributes: () =>
        resolveWith(() => {
          state.lists++;
          if (!state.exists) throw grpcError(GrpcStatus.NOT_FOUND, 'Namespace orders is not found.');
          return { customAttributes: { ...state.attributes } };
        }),
      addSearchAttributes: () => Promise.reject(grpcError(GrpcStatus.PERMISSION_DENIED, 'not allowed')),
    },
    workflowService: { listWorkflowExecutions: () => Promise.resolve({ executions: [] }) },
    withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn(),
  } as unknown as NamespaceServices;
  const lines: { level: string; message: string; command?: string }[] = [];
  const at = (level: string) => (fields: { command?: string }, message: string) => void lines.push({ level, message, command: fields.command });
  const log = { info: at('info'), warn: at('warn'), error: at('error') } as never;
  return { state, services, lines, log };
}

const until = async (done: () => boolean) => {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(done()).toBe(true);
};

describe('the worker and its namespace', () => {
  it('waits for a missing namespace, naming the command once, then starts', async () => {
    const { state, services, lines, log } = cluster();
    let resolved = false;
    const prepared = prepareNamespace(services, { namespace: 'orders', register: false, log, namespaceRetryMs: 5 }).then((p) => {
      resolved = true;
      return p;
    });
    await until(() => state.lists >= 4);
    expect(resolved).toBe(false);
    state.exists = true;
    state.attributes = { CustomerId: 2, OrderStatus: 2 };
    const { stopped, check } = await prepared;
    expect(stopped).toBe(false);
    expect(check?.state).toBe('ready');
    expect(lines.filter((l) => l.level === 'error')).toEqual([
      { level: 'error', message: expect.stringContaining('does not exist') as string, command: 'temporal operator namespace create --namespace orders' },
    ]);
  });

  it('a shutdown ends the wait', async () => {
    const { services, log } = cluster();
    const abort = new AbortController();
    const prepared = prepareNamespace(services, { namespace: 'orders', register: false, log, namespaceRetryMs: 60_000, signal: abort.signal });
    abort.abort();
    expect((await prepared).stopped).toBe(true);
  });

  it('runs without attributes it may not add, logs the command, and notices once a person adds them', async () => {
    const { state, services, lines, log } = cluster();
    state.exists = true;
    const prepared = await prepareNamespace(services, { namespace: 'orders', register: true, log, recheckMs: 5 });
    expect(prepared.check?.state).toBe('search-attributes-missing');
    expect(lines).toEqual([
      {
        level: 'error',
        message: expect.stringContaining('adding them failed (not allowed)') as string,
        command: 'temporal operator search-attribute create --namespace orders --name CustomerId --type Keyword --name OrderStatus --type Keyword',
      },
    ]);
    state.attributes = { CustomerId: 2, OrderStatus: 2 };
    await until(() => lines.some((l) => l.level === 'info'));
    // Settled: no more checks.
    const lists = state.lists;
    await new Promise((r) => setTimeout(r, 50));
    expect(state.lists).toBe(lists);
    prepared.stop();
  });
});
