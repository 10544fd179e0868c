import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Below this, well-known defaults live (Temporal 7233, the API 3000, the sample services 4001–4006, PostgreSQL 5432). */
const LOWEST = 10_000;

/** Linux's range for ports the kernel hands out by itself (a listen on 0, every outgoing connection). */
function ephemeralRange(): { low: number; high: number } | undefined {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low && high ? { low, high } : undefined;
  } catch {
    return undefined;
  }
}

function listenOn(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

const handedOut = new Set<number>();

/**
 * A port that is free right now, for a child process to listen on. Between this answer and the child's
 * listen, any port-0 listener or outgoing connection on the machine could be given an ephemeral port by
 * the kernel, so where the ephemeral range is known the port comes from below it: nothing takes those
 * unasked. Elsewhere, the OS picks.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const range = ephemeralRange();
  if (range && range.low > LOWEST + 1000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const candidate = randomInt(LOWEST, range.low);
      // A port handed out before may not be listened on yet: never the same one twice from one process.
      if (handedOut.has(candidate)) continue;
      handedOut.add(candidate);
      if ((await listenOn(candidate, host)) === candidate) return candidate;
      handedOut.delete(candidate);
    }
  }
  const port = await listenOn(0, host);
  if (port === undefined) throw new Error(`no free port on ${host}`);
  return port;
}
