import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Lines buffered for a reader that has fallen behind, before newer ones are dropped. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

let stdout: DestinationStream | undefined;

/**
 * Standard output, written asynchronously and shared by the process's loggers. A synchronous write to a pipe
 * blocks the whole event loop while the pipe is full: with a reader that falls behind (a container runtime's
 * log driver, a terminal, a busy parent process) every request in flight stalls, which put the composition
 * benchmark's p99 at 18 ms instead of 5 (docs/benchmarks.md). Written this way, a slow reader costs memory up
 * to MAX_BUFFERED_BYTES; pino writes out what is buffered when the process exits.
 */
function sharedStdout(): DestinationStream {
  stdout ??= pino.destination({ dest: 1, sync: false, maxLength: MAX_BUFFERED_BYTES });
  return stdout;
}

/** Structured JSON logs; one logger per process, children carry the part's name. */
export function createLogger(name: string, level: LoggerOptions['level'] = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, sharedStdout());
}
