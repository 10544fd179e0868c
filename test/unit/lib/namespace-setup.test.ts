// lib/namespace-setup.ts against a fake operator service: what it adds, what it refuses to touch, and
// the command it names for a person to run.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { apiEnv, parseEnv, temporalEnv, workerEnv } from '../../../config/env';
import {
  checkNamespace,
  createSearchAttributesCommand,
  logNamespaceCheck,
  NamespaceCheckError,
  unknownSearchAttributes,
  type NamespaceServices,
} from '../../../lib/namespace-setup';
import { issuesOf } from '../../support/env-issues';

const KEYWORD = 2;
const TEXT = 1;

const grpcError = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details });

interface FakeCluster {
  /** The namespace's custom attributes by name and IndexedValueType; undefined: no such namespace. */
  attributes: Record<string, number> | undefined;
  /** Refuses addSearchAttributes with this error (after applying nothing). */
  refuseAdd?: Error;
  /** Another process adds these just before our add lands (so ours fails with ALREADY_EXISTS). */
  raceAdd?: boolean;
  /** addSearchAttributes answers OK but changes nothing. */
  ignoreAdd?: boolean;
  /** listSearchAttributes fails with this. */
  refuseList?: Error;
  /** Searches by these still fail as unknown (the server's namespace cache is behind), for this many searches. */
  staleSearches?: number;
  calls: string[];
  added: Record<string, number>[];
}

/** An RPC: answers, or rejects with what `fn` throws. */
const answer =
  <A extends unknown[], R>(fn: (...args: A) => R) =>
  (...args: A): Promise<R> =>
    new Promise((resolve) => resolve(fn(...args)));

function fake(cluster: Partial<FakeCluster> & Pick<FakeCluster, 'attributes'>): { services: NamespaceServices; cluster: FakeCluster } {
  const c: FakeCluster = { calls: [], added: [], ...cluster };
  const services = {
    operatorService: {
      listSearchAttributes: answer(() => {
        c.calls.push('list');
        if (c.refuseList) throw c.refuseList;
        if (!c.attributes) throw grpcError(GrpcStatus.NOT_FOUND, 'Namespace orders is not found.');
        return { customAttributes: { ...c.attributes }, systemAttributes: {}, storageSchema: {} };
      }),
      addSearchAttributes: answer(({ searchAttributes }: { searchAttributes?: Record<string, number> | null }) => {
        c.calls.push('add');
        if (c.refuseAdd) throw c.refuseAdd;
        c.added.push({ ...searchAttributes });
        if (c.ignoreAdd) return {};
        if (c.raceAdd) {
          Object.assign(c.attributes!, searchAttributes);
          throw grpcError(GrpcStatus.ALREADY_EXISTS, 'Search attribute CustomerId already exists.');
        }
        Object.assign(c.attributes!, searchAttributes);
        return {};
      }),
    },
    workflowService: {
      listWorkflowExecutions: answer(({ query }: { query?: string | null }) => {
        c.calls.push('search');
        if (!c.attributes) throw grpcError(GrpcStatus.NOT_FOUND, 'Namespace orders is not found.');
        if (c.staleSearches && c.staleSearches > 0) {
          c.staleSearches--;
          throw grpcError(GrpcStatus.INVALID_ARGUMENT, 'invalid query: invalid search attribute: CustomerId');
        }
        const unknown = ['CustomerId', 'OrderStatus'].find((name) => query?.includes(name) && c.attributes![name] === undefined);
        if (unknown) throw grpcError(GrpcStatus.INVALID_ARGUMENT, `invalid query: invalid search attribute: ${unknown}`);
        return { executions: [] };
      }),
    },
    withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn(),
  } as unknown as NamespaceServices;
  return { services, cluster: c };
}

const noSleep = () => Promise.resolve();
const check = (services: NamespaceServices, register: boolean) => checkNamespace(services, { namespace: 'orders', register, sleep: noSleep });

describe('checkNamespace', () => {
  it('a namespace with both attributes is ready, and nothing is added', async () => {
    const { services, cluster } = fake({ attributes: { CustomerId: KEYWORD, OrderStatus: KEYWORD } });
    expect(await check(services, true)).toMatchObject({ state: 'ready', registered: [] });
    expect(cluster.calls).toEqual(['list', 'search']);
  });

  it('adds the missing ones as Keyword when allowed', async () => {
    const { services, cluster } = fake({ attributes: { OrderStatus: KEYWORD } });
    expect(await check(services, true)).toMatchObject({ state: 'ready', registered: ['CustomerId'] });
    expect(cluster.added).toEqual([{ CustomerId: KEYWORD }]);
  });

  it('with registration off, adds nothing and names both attributes and the command', async () => {
    const { services, cluster } = fake({ attributes: {} });
    const result = await check(services, false);
    expect(result).toMatchObject({
      state: 'search-attributes-missing',
      why: 'registration-off',
      missing: ['CustomerId', 'OrderStatus'],
      command: 'temporal operator search-attribute create --namespace orders --name CustomerId --type Keyword --name OrderStatus --type Keyword',
    });
    expect(result.detail).toContain('BATON_REGISTER_SEARCH_ATTRIBUTES=false');
    expect(result.detail).toContain(
      'temporal operator search-attribute create --namespace orders --name CustomerId --type Keyword --name OrderStatus --type Keyword',
    );
    expect(cluster.calls).not.toContain('add');
  });

  it('a refused registration (PermissionDenied) says why and what to run', async () => {
    const { services } = fake({ attributes: {}, refuseAdd: grpcError(GrpcStatus.PERMISSION_DENIED, 'Request unauthorized.') });
    const result = await check(services, true);
    expect(result).toMatchObject({
      state: 'search-attributes-missing',
      why: 'registration-refused',
      error: 'Request unauthorized.',
      missing: ['CustomerId', 'OrderStatus'],
    });
    expect(result.detail).toContain('adding them failed (Request unauthorized.)');
  });

  it('an add the server accepts but does not apply is reported as such, not as registration being off', async () => {
    const { services } = fake({ attributes: {}, ignoreAdd: true });
    const result = await check(services, true);
    expect(result).toMatchObject({ state: 'search-attributes-missing', why: 'registration-refused', missing: ['CustomerId', 'OrderStatus'] });
    expect(result.detail).toContain('they were added, but the server does not list them');
    expect(result.detail).not.toContain('BATON_REGISTER_SEARCH_ATTRIBUTES=false');
  });

  it('another process adding them first (ALREADY_EXISTS) is no failure', async () => {
    const { services } = fake({ attributes: {}, raceAdd: true });
    expect(await check(services, true)).toMatchObject({ state: 'ready', registered: ['CustomerId', 'OrderStatus'] });
  });

  it('an attribute of the wrong type is reported, never changed', async () => {
    const { services, cluster } = fake({ attributes: { CustomerId: TEXT } });
    const result = await check(services, true);
    expect(result).toMatchObject({
      state: 'search-attributes-missing',
      wrongType: [{ name: 'CustomerId', registeredAs: 'Text', expected: 'Keyword' }],
      missing: [],
      why: 'wrong-type',
    });
    // OrderStatus was missing and got added; CustomerId was left alone.
    expect(cluster.added).toEqual([{ OrderStatus: KEYWORD }]);
    expect(result.detail).toContain('CustomerId is registered as Text, but Baton needs Keyword');
    expect(result.state === 'search-attributes-missing' && result.command).toBe(
      'temporal operator search-attribute remove --namespace orders --name CustomerId --yes && ' +
        'temporal operator search-attribute create --namespace orders --name CustomerId --type Keyword',
    );
  });

  it('a namespace that does not exist is named with the command that creates it', async () => {
    const { services, cluster } = fake({ attributes: undefined });
    expect(await check(services, true)).toMatchObject({
      state: 'namespace-not-found',
      namespace: 'orders',
      command: 'temporal operator namespace create --namespace orders',
    });
    expect(cluster.calls).toEqual(['list']);
  });

  it('an unreachable server is an error, not an answer', async () => {
    const { services } = fake({ attributes: {}, refuseList: grpcError(GrpcStatus.UNAVAILABLE, 'connection refused') });
    await expect(check(services, true)).rejects.toBeInstanceOf(NamespaceCheckError);
  });

  it('when listing is not allowed, a search by the attributes decides', async () => {
    const denied = grpcError(GrpcStatus.PERMISSION_DENIED, 'Request unauthorized.');
    const present = fake({ attributes: { CustomerId: KEYWORD, OrderStatus: KEYWORD }, refuseList: denied });
    expect(await check(present.services, true)).toMatchObject({ state: 'unverified' });
    const absent = fake({ attributes: { CustomerId: KEYWORD }, refuseList: denied });
    expect(await check(absent.services, false)).toMatchObject({ state: 'search-attributes-missing', why: 'registration-off', missing: ['OrderStatus'] });
    const refused = await check(absent.services, true);
    expect(refused).toMatchObject({ state: 'search-attributes-missing', why: 'registration-refused', missing: ['OrderStatus'] });
    expect(refused.detail).toContain('lets Baton neither list nor add them (Request unauthorized.)');
    expect(absent.cluster.calls).not.toContain('add');
  });

  it('after adding them, waits until the server uses them', async () => {
    const { services, cluster } = fake({ attributes: {}, staleSearches: 3 });
    expect(await check(services, true)).toMatchObject({ state: 'ready', registered: ['CustomerId', 'OrderStatus'] });
    expect(cluster.calls.filter((c) => c === 'search')).toHaveLength(4);
  });

  it('listed but not yet in effect (added by someone else a moment ago) is pending, not ready', async () => {
    const { services } = fake({ attributes: { CustomerId: KEYWORD, OrderStatus: KEYWORD }, staleSearches: 1 });
    expect(await check(services, true)).toMatchObject({ state: 'search-attributes-pending', pending: ['CustomerId'] });
  });
});

describe('the commands and messages', () => {
  it('quotes a namespace the shell would split', () => {
    expect(createSearchAttributesCommand("my ns's", ['CustomerId'])).toBe(
      `temporal operator search-attribute create --namespace 'my ns'\\''s' --name CustomerId --type Keyword`,
    );
  });

  it("reads which of Baton's attributes a server error names as unknown", () => {
    const names = ['CustomerId', 'OrderStatus'];
    expect(unknownSearchAttributes('Namespace default has no mapping defined for search attribute OrderStatus', names)).toEqual(['OrderStatus']);
    expect(unknownSearchAttributes('invalid query: invalid search attribute: CustomerId', names)).toEqual(['CustomerId']);
    expect(unknownSearchAttributes('invalid value for search attribute CustomerId of type Keyword', names)).toEqual([]);
    expect(unknownSearchAttributes('no mapping defined for search attribute Other', names)).toEqual([]);
  });

  it('logs a namespace that is not set up as an error carrying the command', async () => {
    const { services } = fake({ attributes: {} });
    const lines: { level: string; fields: unknown; message: string }[] = [];
    const log = (level: string) => (fields: unknown, message: string) => void lines.push({ level, fields, message });
    logNamespaceCheck({ info: log('info'), warn: log('warn'), error: log('error') } as never, await check(services, false));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe('error');
    expect(lines[0]!.fields).toMatchObject({
      command: 'temporal operator search-attribute create --namespace orders --name CustomerId --type Keyword --name OrderStatus --type Keyword',
    });
    expect(lines[0]!.message).toContain('lacks Baton');
  });
});

describe('BATON_REGISTER_SEARCH_ATTRIBUTES', () => {
  const register = (value?: string) =>
    parseEnv(temporalEnv, value === undefined ? {} : { BATON_REGISTER_SEARCH_ATTRIBUTES: value }).BATON_REGISTER_SEARCH_ATTRIBUTES;

  it('is on by default; "false" and "0" turn it off', () => {
    expect(register()).toBe(true);
    expect(register('')).toBe(true);
    expect(register('true')).toBe(true);
    expect(register('false')).toBe(false);
    expect(register('0')).toBe(false);
    expect(register(' FALSE ')).toBe(false);
  });

  it('a value that is not yes or no is refused, naming the variable', () => {
    expect(issuesOf(() => register('sometimes'))).toEqual([{ variable: 'BATON_REGISTER_SEARCH_ATTRIBUTES', message: 'must be true or false' }]);
  });

  it('both the API and the worker read it', () => {
    expect(Object.keys(apiEnv.shape)).toContain('BATON_REGISTER_SEARCH_ATTRIBUTES');
    expect(Object.keys(workerEnv.shape)).toContain('BATON_REGISTER_SEARCH_ATTRIBUTES');
  });
});
