// Child process: the starts benchmark's HTTP hop alone. A bare node:http server that reads the order's JSON and
// starts it with the baseline's own call (`startOrderDirectly`, the same client settings): no Hono, middleware,
// auth, validation or encryption. What it costs beside the baseline is what any HTTP API in front of the SDK costs
// on this machine; what Baton's API costs beside it is Baton's own layer.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { startOrderDirectly } from '../lib/orders';
import type { OrderRequest } from '../../../contracts';

const { TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE } = process.env;
if (!TEMPORAL_ADDRESS || !TEMPORAL_NAMESPACE || !TEMPORAL_TASK_QUEUE)
  throw new Error('TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_TASK_QUEUE are required');
const taskQueue = TEMPORAL_TASK_QUEUE;
const connection = await Connection.connect({ address: TEMPORAL_ADDRESS });
const client = new Client({ connection, namespace: TEMPORAL_NAMESPACE });

function answer(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let order: OrderRequest;
    try {
      order = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OrderRequest;
    } catch {
      answer(res, 400, { error: 'malformed JSON' });
      return;
    }
    startOrderDirectly(client, taskQueue, order).then(
      (handle) => answer(res, 202, { orderId: order.orderId, workflowId: handle.workflowId, runId: handle.firstExecutionRunId }),
      (err: unknown) => answer(res, 500, { error: err instanceof Error ? err.message : String(err) }),
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.on('disconnect', () => {
  server.close();
  void connection.close().finally(() => process.exit(0));
});
