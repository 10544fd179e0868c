// Child process: the hand-written minimum to compare against: node:http around the baseline's
// fan-out (baseline-fanout.ts).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { baselineFanOut } from './baseline-fanout';
import { backendUrlsFromEnv } from './shared';
import { recordGcPauses } from '../lib/gc-pauses';

// The benchmark sets the latency it measures beside this process's GC pauses.
recordGcPauses();

const fanOut = baselineFanOut(backendUrlsFromEnv());

const server = createServer((req, res) => {
  const userId = (req.url ?? '').split('/')[2] ?? '';
  fanOut(userId).then(
    ({ status, body, serverTiming }) => {
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'server-timing': serverTiming });
      res.end(body);
    },
    () => {
      res.writeHead(502);
      res.end();
    },
  );
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.on('disconnect', () => process.exit(0));
