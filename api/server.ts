import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from './app';
import type { AppDeps } from './deps';

export interface RunningApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `createApp(deps)` over real HTTP; port 0 picks a free one. */
export function startApiServer(deps: AppDeps, { port, host = '127.0.0.1' }: { port: number; host?: string }): Promise<RunningApi> {
  const app = createApp(deps);
  return new Promise((resolve, reject) => {
    let server: ServerType | undefined = undefined;
    server = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      resolve({
        url: `http://${shownHost}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            if (!server) return done();
            if ('closeIdleConnections' in server) server.closeIdleConnections();
            server.close(() => done());
            if ('closeAllConnections' in server) setTimeout(() => server && 'closeAllConnections' in server && server.closeAllConnections(), 2000).unref();
          }),
      });
    });
    server.once('error', reject);
  });
}
