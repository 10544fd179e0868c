import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Lines buffered for a reader that has fallen behind, before newer ones are dropped. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** Lines are written out once this much has gathered, or when FLUSH_EVERY_MS has passed, whichever comes first. */
const BATCH_BYTES = 4096;
const FLUSH_EVERY_MS = 100;

let stdout: DestinationStream | undefined;

/**
 * Standard output, written asynchronously and shared by the process's loggers. A synchronous write to a pipe
 * blocks the whole event loop while the pipe is full: with a reader that falls behind (a container runtime's
 * log driver, a terminal, a busy parent process) every request in flight stalls, which put the composition
 * benchmark's p99 at 18 ms instead of 5 (docs/benchmark-journal.md). Written this way, a slow reader costs memory up
 * to MAX_BUFFERED_BYTES; pino writes out what is buffered when the process exits.
 *
 * Lines are written in batches: one write per line cost the API about 0.2 ms of CPU per order start (a system
 * call and a wake-up of the reader for every request log line). A line waits at most FLUSH_EVERY_MS; a process
 * killed outright loses what it logged in that time.
 */
function sharedStdout(): DestinationStream {
  stdout ??= pino.destination({ dest: 1, sync: false, maxLength: MAX_BUFFERED_BYTES, minLength: BATCH_BYTES, periodicFlush: FLUSH_EVERY_MS });
  return stdout;
}

/** Structured JSON logs; one logger per process, children carry the part's name. */
export function createLogger(name: string, level: LoggerOptions['level'] = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, sharedStdout());
}
