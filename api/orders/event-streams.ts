// The open event streams (GET /orders/{orderId}/events) of one API process: at most `maxPerClient` at
// once for each client (the rate limiter's key: a JWT's tenant or subject, or the static token), and
// every one of them told to close when the process shuts down, so that a deploy is not held up by
// browsers that keep their connection open.

export class EventStreams {
  readonly #open = new Map<string, number>();
  readonly #shutdown = new AbortController();

  constructor(readonly maxPerClient: number) {}

  /** Aborted when the process begins to shut down. */
  get closing(): AbortSignal {
    return this.#shutdown.signal;
  }

  /** Takes a place for one stream of `client`; undefined when it has `maxPerClient` open already, or the process is closing. */
  admit(client: string): (() => void) | undefined {
    const open = this.#open.get(client) ?? 0;
    if (open >= this.maxPerClient || this.#shutdown.signal.aborted) return undefined;
    this.#open.set(client, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#open.get(client) ?? 1) - 1;
      if (left === 0) this.#open.delete(client);
      else this.#open.set(client, left);
    };
  }

  /** Streams open now, all clients together. */
  get size(): number {
    let total = 0;
    for (const n of this.#open.values()) total += n;
    return total;
  }

  /** Tells every stream to end (each sends a last `shutdown` event and closes). */
  closeAll(): void {
    this.#shutdown.abort();
  }
}
