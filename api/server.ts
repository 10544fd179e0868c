import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { getRequestListener, RequestError } from '@hono/node-server';
import { createApp } from './app';
import type { AppDeps } from './http/deps';
import { EventStreams } from './orders/event-streams';
import { problems, type ApiProblem } from './http/problems';

const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface RunningApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `createApp(deps)` over real HTTP; port 0 picks a free one. */
export function startApiServer(deps: AppDeps, { port, host = '127.0.0.1' }: { port: number; host?: string }): Promise<RunningApi> {
  // Created here rather than in the app, so that closing the server can end the streams first.
  const eventStreams = deps.eventStreams ?? new EventStreams(deps.config.eventStreamsPerClient ?? 10);
  const app = createApp({ ...deps, eventStreams });
  // The adapter refuses some requests before the app sees them (a backslash in the path, a bad Host):
  // they get the app's problem+json too, not an empty 400.
  const errorHandler = (err: unknown) => {
    if (!(err instanceof RequestError)) deps.logger.error({ err }, 'request failed outside the app');
    return problemResponse(err instanceof RequestError ? problems.badRequest(err.message) : problems.internal());
  };
  return new Promise((resolve, reject) => {
    const server: Server = createServer(getRequestListener(app.fetch, { hostname: host, errorHandler }));
    // Node's 5 s default closes a client's idle keep-alive connections between bursts, so every burst
    // pays for new connections (and a proxy in front races the close into 502s). Longer than the 60 s
    // idle timeout load balancers commonly use; headersTimeout must stay above it.
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
    // Node's parser refuses some requests itself (an over-long URL or header block, a malformed
    // request line) and would answer with an empty 400/431: give the client the same problem+json.
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
      const problem = err.code === 'HPE_HEADER_OVERFLOW' ? problems.headersTooLarge() : problems.badRequest('The request is not valid HTTP/1.1.');
      const body = JSON.stringify(problem.toJSON());
      socket.end(
        `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: application/problem+json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
    server.listen(port, host, () => {
      const info = server.address() as AddressInfo;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      resolve({
        url: `http://${shownHost}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            // Event streams never go idle by themselves: each sends `shutdown` and ends, then the sockets can close.
            eventStreams.closeAll();
            server.closeIdleConnections();
            server.close(() => done());
            setTimeout(() => server.closeAllConnections(), 2000).unref();
          }),
      });
    });
    server.once('error', reject);
  });
}

function problemResponse(problem: ApiProblem): Response {
  return new Response(JSON.stringify(problem.toJSON()), { status: problem.status, headers: { 'content-type': 'application/problem+json' } });
}
