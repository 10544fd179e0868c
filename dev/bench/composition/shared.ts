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
