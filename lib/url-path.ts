// Values placed into downstream URL paths. encodeURIComponent keeps "/", "?" and "#" inside the
// segment, but not "." or "..": URL parsers (and proxies in front of services) resolve those, so
// `/payments/../refund` would reach `/refund`. IDs from clients already follow contracts/ids.ts;
// this is the second line, for IDs that come back from downstream services.

export class UnsafePathSegmentError extends Error {
  constructor(readonly value: string) {
    super(`cannot put ${JSON.stringify(value.slice(0, 64))} into a URL path`);
    this.name = 'UnsafePathSegmentError';
  }
}

/** `value` as one encoded path segment; throws UnsafePathSegmentError for "", ".", ".." or broken UTF-16. */
export function pathSegment(value: string): string {
  if (value === '' || value === '.' || value === '..') throw new UnsafePathSegmentError(value);
  try {
    return encodeURIComponent(value);
  } catch {
    throw new UnsafePathSegmentError(value); // a lone surrogate: URIError
  }
}
