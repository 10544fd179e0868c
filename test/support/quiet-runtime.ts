// The SDK logs every worker start, bundle and failed activity attempt: tests that fail on purpose
// would drown their own output. Errors still show.
import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

export function quietRuntime(): void {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  } catch {
    // this process installed a runtime already
  }
}
