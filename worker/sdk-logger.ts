// Routes the SDK's own logs (worker lifecycle, workflow and activity loggers) into our pino logger,
// so every line of the worker is one JSON object.
import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../lib/logger';

const toPino = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

export function sdkLogger(log: Logger): DefaultLogger {
  // The bundler reports its whole webpack summary at INFO: useful only when debugging.
  const level: LogLevel = log.isLevelEnabled('debug') ? 'DEBUG' : 'INFO';
  return new DefaultLogger(level, ({ level: sdkLevel, message, meta }) => {
    const quiet = message.startsWith('asset workflow-bundle') || message === 'Workflow bundle created';
    log[quiet ? 'debug' : toPino[sdkLevel]]({ ...meta }, message);
  });
}
