// Reading a Prometheus endpoint: the API's and the worker's in the observability tests, the workers' SDK
// metrics in the benchmarks.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (0.0.4) into samples; comments and blank lines skipped. */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const m of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[m[1] as string] = (m[2] as string).replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    const value = match[3] as string;
    samples.push({ name: match[1] as string, labels, value: value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value) });
  }
  return samples;
}

/** The sum of every sample of `name` whose labels include `labels`. */
export function sumOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((total, s) => total + s.value, 0);
}

/**
 * GET a Prometheus endpoint; `token` for the API's /metrics (BATON_METRICS_TOKEN), none for the worker's. A process
 * that stopped answering fails the scrape after 5 s instead of holding up the test or the benchmark run.
 */
export async function scrape(url: string, token?: string): Promise<Sample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000), ...(token !== undefined && { headers: { authorization: `Bearer ${token}` } }) });
  if (!res.ok) throw new Error(`scrape ${url}: ${res.status}`);
  return parsePrometheus(await res.text());
}
