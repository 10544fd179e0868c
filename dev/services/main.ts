// `npm run services`: the six sample services in one process.
import { loadEnvOrExit, SERVICE_NAMES, servicesEnv, type ServiceName } from '../../config/env';
import { createLogger } from '../../lib/logger';
import { startTelemetry } from '../../lib/telemetry';
import { parseFaults, type FaultConfig } from './faults';
import { startSampleServices, type RunningSampleServices } from './index';

const env = loadEnvOrExit(servicesEnv, 'services');

const ports: Record<ServiceName, number> = {
  users: env.USERS_PORT,
  orderHistory: env.ORDER_HISTORY_PORT,
  loyalty: env.LOYALTY_PORT,
  payments: env.PAYMENTS_PORT,
  inventory: env.INVENTORY_PORT,
  shipping: env.SHIPPING_PORT,
};

const faultVariables: Record<ServiceName, [variable: string, value: string | undefined]> = {
  users: ['USERS_FAULTS', env.USERS_FAULTS],
  orderHistory: ['ORDER_HISTORY_FAULTS', env.ORDER_HISTORY_FAULTS],
  loyalty: ['LOYALTY_FAULTS', env.LOYALTY_FAULTS],
  payments: ['PAYMENTS_FAULTS', env.PAYMENTS_FAULTS],
  inventory: ['INVENTORY_FAULTS', env.INVENTORY_FAULTS],
  shipping: ['SHIPPING_FAULTS', env.SHIPPING_FAULTS],
};

/** Same report shape as loadEnvOrExit, so a bad fault variable reads like any other bad variable. */
function loadFaultsOrExit(): Partial<Record<ServiceName, FaultConfig>> {
  const faults: Partial<Record<ServiceName, FaultConfig>> = {};
  const bad: string[] = [];
  for (const name of SERVICE_NAMES) {
    const [variable, value] = faultVariables[name];
    if (value === undefined) continue;
    try {
      faults[name] = parseFaults(value);
    } catch (err) {
      bad.push(`  ${variable}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  if (bad.length > 0) {
    process.stderr.write(`baton services: invalid configuration\n${bad.join('')}`);
    process.exit(1);
  }
  return faults;
}

const logger = createLogger('services', env.LOG_LEVEL);
// Traces to OTEL_EXPORTER_OTLP_ENDPOINT when set: each call becomes a SERVER span in its caller's trace.
const telemetry = startTelemetry({ serviceName: 'baton-services' });
const faults = loadFaultsOrExit();

let running: RunningSampleServices | undefined;
let stopping = false;

async function stop(reason: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ reason }, 'sample services stopping');
  // A wedged close must not leave an orphan behind the launcher.
  setTimeout(() => process.exit(1), 5000).unref();
  await running?.close();
  await telemetry.shutdown();
  process.exit(0);
}

process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
// The launcher starts us with an IPC channel; its end means the launcher is gone.
process.once('disconnect', () => void stop('parent disconnected'));

try {
  running = await startSampleServices({
    host: env.SERVICES_HOST,
    ports,
    settleDelayMs: env.PAYMENTS_SETTLE_DELAY_MS,
    settleOutcome: env.PAYMENTS_SETTLE_OUTCOME,
    cacheControl: env.SERVICES_CACHE_CONTROL,
    faults,
    logger,
  });
} catch (err) {
  logger.fatal({ err }, 'sample services failed to start');
  process.exit(1);
}

for (const name of SERVICE_NAMES) {
  logger.info({ service: name, url: running.urls[name] }, `${name} listening on ${running.urls[name]}`);
}
for (const [name, config] of Object.entries(faults)) logger.warn({ service: name, faults: config }, `${name} starts with faults`);
