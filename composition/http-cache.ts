// A shared HTTP cache (RFC 9111) for the sources that ask for one: the service decides, through its
// Cache-Control and ETag, what may be kept and for how long; Baton only keeps to it. Fresh answers are
// served without a call; stale ones are revalidated (If-None-Match, a 304 refreshes the entry), served
// at once while a background revalidation runs (stale-while-revalidate), or served when the service
// fails (stale-if-error: a 5xx, a timeout, an open circuit). The freshness rules are
// http-cache-semantics'; entries live in an LRU bounded in bytes. Every answer carries its
// `Cache-Status` parameters (RFC 9211).
import CachePolicy from 'http-cache-semantics';
import { LRUCache } from 'lru-cache';
import type { CallScope } from './call-scope';
import type { Fetched, HttpOutcome } from './downstream-http';

/** Default bound on the bodies the cache keeps. */
export const DEFAULT_CACHE_MAX_BYTES = 32 * 1024 * 1024;
/** What an entry costs beyond its body (the policy, the key): counted so that many tiny bodies stay bounded too. */
const ENTRY_OVERHEAD_BYTES = 512;
/** How long an answer with no freshness but a validator (an ETag, Last-Modified) is kept for revalidation. */
const VALIDATOR_KEEP_MS = 10 * 60_000;

/** Makes one request; `conditional` is If-None-Match / If-Modified-Since when revalidating. */
export type Fetch = (conditional: Readonly<Record<string, string>> | undefined, timeoutMs: number, scope: CallScope | undefined) => Promise<Fetched>;

export interface HttpCacheOptions {
  maxBytes: number;
}

interface Entry {
  policy: CachePolicy;
  body: unknown;
  bytes: number;
  /** stale-if-error's window (seconds past freshness), read once from the stored response. */
  staleIfErrorS: number;
  /** A background revalidation is running (stale-while-revalidate): one at a time per entry. */
  revalidating: boolean;
}

/** What the policy reads of a request: Baton's calls send no header that a response could vary on but these. */
interface RequestLine {
  host: string;
  path: string;
}

export class HttpCache {
  readonly #entries: LRUCache<string, Entry> | undefined;

  constructor(options: HttpCacheOptions) {
    this.#entries =
      options.maxBytes > 0
        ? new LRUCache<string, Entry>({ maxSize: options.maxBytes, sizeCalculation: (entry) => entry.bytes + ENTRY_OVERHEAD_BYTES })
        : undefined;
  }

  /** Entries kept and bytes they count for (for tests and metrics). */
  get stats(): { entries: number; bytes: number } {
    return { entries: this.#entries?.size ?? 0, bytes: this.#entries?.calculatedSize ?? 0 };
  }

  async get(key: string, line: RequestLine, timeoutMs: number, scope: CallScope | undefined, fetch: Fetch): Promise<HttpOutcome> {
    const request = requestOf(line);
    const entry = this.#entries?.get(key);
    if (entry === undefined) return this.#miss(key, request, await fetch(undefined, timeoutMs, scope));

    const { response, revalidation } = entry.policy.evaluateRequest(request);
    if (response && !revalidation) return { kind: 'ok', body: entry.body, cacheStatus: `hit; ttl=${ttlOf(entry.policy)}` };
    if (response && revalidation && !revalidation.synchronous) {
      this.#revalidateInBackground(key, request, entry, timeoutMs, fetch);
      return { kind: 'ok', body: entry.body, cacheStatus: `hit; ttl=${ttlOf(entry.policy)}; detail="stale-while-revalidate"` };
    }
    const fetched = await fetch(validators(entry.policy, request), timeoutMs, scope);
    const collapsed = fetched.collapsed ? '; collapsed' : '';
    switch (fetched.kind) {
      case 'not_modified':
      case 'ok': {
        const refreshed = this.#refresh(key, request, entry, fetched);
        // A 304 whose validator is not the stored answer's cannot vouch for it: ask again, unconditionally.
        if (refreshed === undefined) return this.#miss(key, request, await fetch(undefined, timeoutMs, scope));
        const status = fetched.kind === 'not_modified' ? 304 : 200;
        return { kind: 'ok', body: refreshed.body, cacheStatus: `fwd=stale; fwd-status=${status}${refreshed.stored ? '; stored' : ''}${collapsed}` };
      }
      case 'not_found':
        // The service says it is gone: so is the entry.
        this.#entries?.delete(key);
        return { ...fetched, cacheStatus: `fwd=stale; fwd-status=404${collapsed}` };
      case 'failed':
        if (staleIfError(entry)) {
          return { kind: 'ok', body: entry.body, cacheStatus: `fwd=stale; ttl=${ttlOf(entry.policy)}; detail="stale-if-error ${fetched.reason}"${collapsed}` };
        }
        return { ...fetched, cacheStatus: `fwd=stale; detail="${fetched.reason}"${collapsed}` };
      case 'cancelled':
        return fetched;
    }
  }

  #miss(key: string, request: CachePolicy.Request, fetched: Fetched): HttpOutcome {
    const collapsed = fetched.collapsed ? '; collapsed' : '';
    if (fetched.kind === 'not_modified') return { kind: 'failed', reason: 'bad_response', cacheStatus: `fwd=miss; fwd-status=304${collapsed}` };
    if (fetched.kind !== 'ok') return fetched.kind === 'cancelled' ? fetched : { ...fetched, cacheStatus: `fwd=miss${collapsed}` };
    // A joiner's answer was stored by the call whose request it joined.
    const stored = !fetched.collapsed && 'headers' in fetched && this.#store(key, request, fetched.body, fetched.headers, fetched.bytes);
    return { kind: 'ok', body: fetched.body, cacheStatus: `fwd=miss${stored ? '; stored' : ''}${collapsed}` };
  }

  #store(key: string, request: CachePolicy.Request, body: unknown, headers: CachePolicy.Headers, bytes: number): boolean {
    if (!this.#entries) return false;
    const policy = new CachePolicy(request, { status: 200, headers }, { shared: true });
    if (!policy.storable()) return false;
    const ttlMs = keepFor(policy, headers);
    if (ttlMs <= 0) return false;
    const entry: Entry = { policy, body, bytes, staleIfErrorS: directive(headers['cache-control'], 'stale-if-error'), revalidating: false };
    this.#entries.set(key, entry, { ttl: ttlMs });
    return this.#entries.has(key);
  }

  /**
   * A 304 keeps the stored body under the new headers; a 200 replaces it. Undefined (and the entry gone) for
   * a 304 whose validator does not match the stored answer (RFC 9111 §4.3.4): that body is not known good.
   */
  #refresh(
    key: string,
    request: CachePolicy.Request,
    entry: Entry,
    fetched: Extract<Fetched, { kind: 'ok' | 'not_modified' }>,
  ): { body: unknown; stored: boolean } | undefined {
    if (fetched.kind === 'ok') {
      const stored = 'headers' in fetched && this.#store(key, request, fetched.body, fetched.headers, fetched.bytes);
      return { body: fetched.body, stored };
    }
    const { policy, matches } = entry.policy.revalidatedPolicy(request, { status: 304, headers: fetched.headers });
    if (!matches) {
      this.#entries?.delete(key);
      return undefined;
    }
    const ttlMs = keepFor(policy, policy.responseHeaders());
    const refreshed: Entry = { ...entry, policy, staleIfErrorS: directive(policy.responseHeaders()['cache-control'], 'stale-if-error'), revalidating: false };
    if (policy.storable() && ttlMs > 0) this.#entries?.set(key, refreshed, { ttl: ttlMs });
    else this.#entries?.delete(key);
    return { body: entry.body, stored: this.#entries?.has(key) ?? false };
  }

  #revalidateInBackground(key: string, request: CachePolicy.Request, entry: Entry, timeoutMs: number, fetch: Fetch): void {
    if (entry.revalidating) return;
    entry.revalidating = true;
    fetch(validators(entry.policy, request), timeoutMs, undefined).then(
      (fetched) => {
        if (fetched.kind === 'ok' || fetched.kind === 'not_modified') this.#refresh(key, request, entry, fetched);
        else if (fetched.kind === 'not_found') this.#entries?.delete(key);
        entry.revalidating = false;
      },
      () => {
        // Nothing a service does rejects a fetch; a bug here must not become an unhandled rejection in
        // a request that has long been answered. The next request tries again.
        entry.revalidating = false;
      },
    );
  }
}

function requestOf(line: RequestLine): CachePolicy.Request {
  return { url: line.path, method: 'GET', headers: { host: line.host, accept: 'application/json' } };
}

/** Only the validators of the revalidation headers: the rest of the request is Baton's own. */
function validators(policy: CachePolicy, request: CachePolicy.Request): Record<string, string> | undefined {
  const headers = policy.revalidationHeaders(request);
  const conditional: Record<string, string> = {};
  const etag = headers['if-none-match'];
  const since = headers['if-modified-since'];
  if (typeof etag === 'string') conditional['if-none-match'] = etag;
  if (typeof since === 'string') conditional['if-modified-since'] = since;
  return Object.keys(conditional).length > 0 ? conditional : undefined;
}

/** Seconds of freshness left; negative when stale (RFC 9211 `ttl`). */
function ttlOf(policy: CachePolicy): number {
  return Math.floor(policy.maxAge() - policy.age());
}

function staleIfError(entry: Entry): boolean {
  return entry.staleIfErrorS > 0 && entry.policy.maxAge() + entry.staleIfErrorS > entry.policy.age();
}

/**
 * How long the LRU keeps an entry: as long as the policy may use it, and, when it has a validator (an
 * ETag, Last-Modified), longer, so that a stale answer is revalidated with a 304 instead of fetched whole.
 */
function keepFor(policy: CachePolicy, headers: CachePolicy.Headers): number {
  const usable = policy.timeToLive();
  const validated = typeof headers.etag === 'string' || typeof headers['last-modified'] === 'string';
  return validated ? Math.max(usable, VALIDATOR_KEEP_MS) : usable;
}

function directive(cacheControl: string | string[] | undefined, name: string): number {
  const value = Array.isArray(cacheControl) ? cacheControl.join(',') : cacheControl;
  const match = value ? new RegExp(`(?:^|[,\\s])${name}\\s*=\\s*"?(\\d+)`, 'i').exec(value) : null;
  return match ? Number(match[1]) : 0;
}
