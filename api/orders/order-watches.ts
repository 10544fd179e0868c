// One look at an order's run every `pollMs`, shared by every event stream open on that order: ten browser
// tabs on one order cost Temporal one read per interval, not ten. A watch starts with its first stream and
// stops with its last.
import type { OrderView } from './order-reads';

export interface OrderSubscription {
  /**
   * The order as the next look found it: after about `pollMs`, or at once (undefined) when `signal` aborts.
   * A look that failed (Temporal slow or away for a moment) gives the last view read, or undefined.
   */
  next(signal: AbortSignal): Promise<OrderView | undefined>;
  /** Leaves the watch; the last to leave stops it. Idempotent. */
  close(): void;
}

export class OrderWatches {
  readonly #watches = new Map<string, Watch>();

  constructor(
    readonly pollMs: number,
    /** Hears a failed look (the stream keeps going and looks again). */
    private readonly onReadError: (err: unknown, orderId: string) => void = () => undefined,
  ) {}

  /** Orders watched now. */
  get size(): number {
    return this.#watches.size;
  }

  /** Joins the watch of `orderId`, starting it with `read` when nobody watches the order yet. */
  subscribe(orderId: string, read: () => Promise<OrderView>): OrderSubscription {
    let watch = this.#watches.get(orderId);
    if (!watch) {
      const made = new Watch(
        read,
        this.pollMs,
        (err) => this.onReadError(err, orderId),
        () => {
          if (this.#watches.get(orderId) === made) this.#watches.delete(orderId);
        },
      );
      this.#watches.set(orderId, made);
      watch = made;
    }
    return watch.join();
  }
}

class Watch {
  #subscribers = 0;
  #latest: OrderView | undefined;
  readonly #waiting = new Set<(view: OrderView | undefined) => void>();
  #timer: NodeJS.Timeout | undefined;
  #reading = false;

  constructor(
    private readonly read: () => Promise<OrderView>,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void,
    private readonly onStop: () => void,
  ) {}

  join(): OrderSubscription {
    this.#subscribers++;
    if (this.#subscribers === 1 && !this.#reading) this.#schedule();
    let closed = false;
    return {
      next: (signal) =>
        new Promise((resolve) => {
          if (signal.aborted) return resolve(undefined);
          const answer = (view: OrderView | undefined) => {
            signal.removeEventListener('abort', onAbort);
            this.#waiting.delete(answer);
            resolve(view);
          };
          const onAbort = () => answer(undefined);
          signal.addEventListener('abort', onAbort, { once: true });
          this.#waiting.add(answer);
        }),
      close: () => {
        if (closed) return;
        closed = true;
        if (--this.#subscribers > 0) return;
        clearTimeout(this.#timer);
        this.#timer = undefined;
        this.onStop();
      },
    };
  }

  #schedule(): void {
    this.#timer = setTimeout(() => void this.#look(), this.pollMs);
  }

  async #look(): Promise<void> {
    this.#timer = undefined;
    this.#reading = true;
    try {
      this.#latest = await this.read();
    } catch (err) {
      this.onError(err);
    } finally {
      this.#reading = false;
    }
    for (const answer of [...this.#waiting]) answer(this.#latest);
    if (this.#subscribers > 0) this.#schedule();
  }
}
