// One real Temporal dev server (the `temporal` CLI, in memory) and one workflow bundle for the whole project.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { BATON_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { startDevServer, type DevServer } from '../../dev/temporal/dev-server';
import { provideWorkflowBundle } from './workflow-bundle';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
  }
}

let server: DevServer | undefined;
let removeBundle: (() => Promise<void>) | undefined;

export async function setup(project: TestProject) {
  // Orders start with Baton's search attributes (CustomerId, OrderStatus): the namespace must know them.
  [server, removeBundle] = await Promise.all([
    startDevServer({
      logLevel: 'error',
      searchAttributes: [...BATON_SEARCH_ATTRIBUTES],
      // A deleted workflow (retention, in test/integration/orders/api.test.ts) goes once the server has saved
      // that its close was processed, which it does every 30 s by default: 4 s instead of 20-50.
      dynamicConfig: { 'history.transferProcessorUpdateAckInterval': '1s' },
    }),
    provideWorkflowBundle(project),
  ]);
  project.provide('temporalAddress', server.address);
  project.provide('temporalNamespace', server.namespace);
}

export async function teardown() {
  await Promise.all([server?.stop(), removeBundle?.()]);
}
