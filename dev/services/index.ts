// Builds the six sample services and serves each on its own port.
import { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { SERVICE_NAMES, type ServiceName } from '../../config/env';
import type { Logger } from '../../lib/logger';
import type { CallbackRetryOptions } from './callback';
import type { FaultConfig } from './faults';
import { createInventoryService } from './inventory-service';
import type { CommonServiceOptions, SampleService } from './kit';
import { createLoyaltyService } from './loyalty-service';
import { createOrderHistoryService } from './order-history-service';
import type { SettleOutcome } from './payments-ledger';
import { createPaymentsService } from './payments-service';
import { createShippingService } from './shipping-service';
import { createUsersService } from './users-service';

export type { SampleService, ServiceState } from './kit';
export type { FaultConfig } from './faults';
export type { SettleOutcome } from './payments-ledger';
export type { CallbackRetryOptions } from './callback';

export interface SampleServicesOptions {
  logger?: Logger;
  /** Faults active from the start, per service. */
  faults?: Partial<Record<ServiceName, FaultConfig>>;
  /** How long a bank transfer stays pending (default 5000 ms). */
  settleDelayMs?: number;
  /** What a bank transfer settles as (default `cleared`). */
  settleOutcome?: SettleOutcome;
  callbackRetry?: Partial<CallbackRetryOptions>;
  random?: () => number;
  /** Cache-Control of the users and loyalty answers, with an ETag (default: none, so that tests see every call). */
  cacheControl?: string;
}

export interface StartSampleServicesOptions extends SampleServicesOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  ports?: Partial<Record<ServiceName, number>>;
  /** How long close() lets in-flight responses finish before cutting connections (default 250 ms). */
  closeGraceMs?: number;
}

export interface RunningSampleServices {
  urls: Record<ServiceName, string>;
  services: Record<ServiceName, SampleService>;
  /** Resets every service (state, counters, idempotency keys, faults). */
  reset(): void;
  /**
   * Takes one service off the network as if its process had stopped: its port refuses connections and
   * open ones are cut. Its books (state, idempotency keys) stay, so effects can be counted across the outage.
   */
  takeDown(name: ServiceName): Promise<void>;
  /** Serves a service taken down again, on the same port. */
  bringUp(name: ServiceName): Promise<void>;
  /** Stops every server, hung calls, settlement timers and callbacks. Safe to call twice. */
  close(): Promise<void>;
}

/** The six services as in-process apps, for `app.request()` tests or for serving. */
export function createSampleServices(options: SampleServicesOptions = {}): Record<ServiceName, SampleService> {
  const common = (name: ServiceName): CommonServiceOptions => ({
    logger: options.logger,
    faults: options.faults?.[name],
    random: options.random,
    cacheControl: options.cacheControl,
  });
  return {
    users: createUsersService(common('users')),
    orderHistory: createOrderHistoryService(common('orderHistory')),
    loyalty: createLoyaltyService(common('loyalty')),
    payments: createPaymentsService({
      ...common('payments'),
      settleDelayMs: options.settleDelayMs,
      settleOutcome: options.settleOutcome,
      callbackRetry: options.callbackRetry,
    }),
    inventory: createInventoryService(common('inventory')),
    shipping: createShippingService(common('shipping')),
  };
}

function urlFor(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Builds a record keyed by every service name; the one place the key set is asserted. */
function perService<T>(value: (name: ServiceName) => T): Record<ServiceName, T> {
  return Object.fromEntries(SERVICE_NAMES.map((name) => [name, value(name)])) as Record<ServiceName, T>;
}

function boundPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server is not listening on a TCP port');
  return address.port;
}

async function listen(service: SampleService, host: string, port: number): Promise<Server> {
  const server = serve({ fetch: service.app.fetch, hostname: host, port });
  // serve() always builds a node:http server unless told otherwise; narrowing keeps closeAllConnections typed.
  if (!(server instanceof Server)) throw new Error('expected a node:http server');
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`${service.name} cannot listen on ${urlFor(host, port)}: ${err.message}`));
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      resolve();
    });
  });
  return server;
}

async function closeServer(server: Server, graceMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // Released hung calls need a moment to write their 503; anything still open after that is cut.
  const cut = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(cut);
}

export async function startSampleServices(options: StartSampleServicesOptions = {}): Promise<RunningSampleServices> {
  const host = options.host ?? '127.0.0.1';
  const graceMs = options.closeGraceMs ?? 250;
  const services = createSampleServices(options);
  const servers = new Map<ServiceName, Server>();
  let closing: Promise<void> | undefined;

  const close = () => {
    closing ??= (async () => {
      for (const service of Object.values(services)) service.shutdown();
      await Promise.all([...servers.values()].map((server) => closeServer(server, graceMs)));
    })();
    return closing;
  };

  try {
    await Promise.all(SERVICE_NAMES.map(async (name) => servers.set(name, await listen(services[name], host, options.ports?.[name] ?? 0))));
  } catch (err) {
    await close();
    throw err;
  }

  const ports = perService((name) => {
    const server = servers.get(name);
    if (!server) throw new Error(`${name} did not start`);
    return boundPort(server);
  });
  const urls = perService((name) => urlFor(host, ports[name]));

  return {
    urls,
    services,
    reset: () => Object.values(services).forEach((service) => service.reset()),
    close,
    async takeDown(name) {
      const server = servers.get(name);
      if (server) await closeServer(server, 0);
    },
    async bringUp(name) {
      if (closing) throw new Error('the sample services are closed');
      if (servers.get(name)?.listening) return;
      servers.set(name, await listen(services[name], host, ports[name]));
    },
  };
}
