// One real Temporal dev server (the `temporal` CLI, in memory) for the whole integration project.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { BATON_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { startDevServer, type DevServer } from '../../dev/temporal/dev-server';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
  }
}

let server: DevServer | undefined;

export async function setup(project: TestProject) {
  // Orders start with Baton's search attributes (CustomerId, OrderStatus): the namespace must know them.
  server = await startDevServer({ logLevel: 'error', searchAttributes: [...BATON_SEARCH_ATTRIBUTES] });
  project.provide('temporalAddress', server.address);
  project.provide('temporalNamespace', server.namespace);
}

export async function teardown() {
  await server?.stop();
}
