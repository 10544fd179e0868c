// One real Temporal dev server (the `temporal` CLI, in memory) and one workflow bundle for the whole project.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { BATON_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { startDevServer } from '../../dev/temporal/dev-server';
import provideWorkflowBundle from './workflow-bundle';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
  }
}

/** Its teardown is the function it returns. */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Orders start with Baton's search attributes (CustomerId, OrderStatus): the namespace must know them.
  const [server, removeBundle] = await Promise.all([
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
  return async () => {
    await Promise.all([server.stop(), removeBundle()]);
  };
}
