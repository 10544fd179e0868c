// Ports handed to child processes: outside the kernel's ephemeral range, so that no port-0 listener or
// outgoing connection elsewhere on the machine can take one between the pick and the child's listen
// (the launcher test once lost its sample services to EADDRINUSE that way).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { freePort } from '../../../dev/ports';

it('picks free ports below the ephemeral range, well clear of the well-known defaults', async () => {
  const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const ports = await Promise.all(Array.from({ length: 200 }, () => freePort()));
  // Never the same port twice: each may be for a child that has not listened yet.
  expect(new Set(ports).size).toBe(ports.length);
  for (const port of ports) {
    expect(port).toBeGreaterThanOrEqual(10_000);
    expect(port).toBeLessThan(low!);
  }
  // Each one can be listened on.
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ports[0], '127.0.0.1', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
});
