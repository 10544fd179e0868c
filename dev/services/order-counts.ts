// Effect counts per orderId: what a test reads to prove "charged once, refunded once".

export class OrderCounts<K extends string> {
  readonly #counts = new Map<string, Record<K, number>>();

  constructor(private readonly keys: readonly K[]) {}

  add(orderId: string, key: K, delta = 1): void {
    const counts = this.#counts.get(orderId) ?? this.#zero();
    counts[key] += delta;
    this.#counts.set(orderId, counts);
  }

  get(orderId: string): Record<K, number> {
    return { ...(this.#counts.get(orderId) ?? this.#zero()) };
  }

  toJSON(): Record<string, Record<K, number>> {
    return Object.fromEntries([...this.#counts].map(([orderId, counts]) => [orderId, { ...counts }]));
  }

  clear(): void {
    this.#counts.clear();
  }

  #zero(): Record<K, number> {
    return Object.fromEntries(this.keys.map((k) => [k, 0])) as Record<K, number>;
  }
}
