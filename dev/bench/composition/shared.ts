export const BENCH_TOKEN = 'bench-token-0123456789abcdef';

export interface BackendUrls {
  users: string;
  orderHistory: string;
  loyalty: string;
}

export function backendUrlsFromEnv(): BackendUrls {
  const raw = process.env.BENCH_BACKENDS;
  if (!raw) throw new Error('BENCH_BACKENDS is not set; run bench/composition.ts');
  return JSON.parse(raw) as BackendUrls;
}

/**
 * Whether a `Cache-Status` header (RFC 9211) says that each of `caches` (Baton names them
 * `baton-<source>`) answered from its store: `hit`, fresh or served stale while revalidating.
 */
export function cacheHits(cacheStatus: string | null | undefined, caches: readonly string[]): boolean {
  const hits = new Set<string>();
  for (const member of (cacheStatus ?? '').split(',')) {
    const [name, ...params] = member.split(';').map((part) => part.trim());
    if (name && params.includes('hit')) hits.add(name);
  }
  return caches.every((cache) => hits.has(cache));
}
