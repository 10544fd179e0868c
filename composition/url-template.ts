// Downstream paths are written as OpenAPI templates ('/users/{userId}/orders'); the names in braces
// become the typed parameters of the call, so a missing or misspelt parameter is a compile error.
import { pathSegment } from '../lib/url-path';

export type PathParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}` ? Name | PathParamNames<Rest> : never;

export type PathParams<P extends string> = { readonly [K in PathParamNames<P>]: string };

export type QueryValue = string | number | boolean | undefined;

/** Turns parameters into a path; compiled once per endpoint because it runs on every call. */
export type PathBuilder<P extends string> = (params: PathParams<P>) => string;

export function compilePath<P extends string>(template: P): PathBuilder<P> {
  if (!template.startsWith('/')) throw new Error(`path template must start with "/": ${template}`);
  const literals: string[] = [];
  const names: string[] = [];
  let rest: string = template;
  for (let open = rest.indexOf('{'); open !== -1; open = rest.indexOf('{')) {
    const close = rest.indexOf('}', open);
    if (close === -1) throw new Error(`unclosed "{" in path template: ${template}`);
    literals.push(rest.slice(0, open));
    names.push(rest.slice(open + 1, close));
    rest = rest.slice(close + 1);
  }
  literals.push(rest);
  if (names.length === 0) return () => template;

  return (params) => {
    const values = params as Readonly<Record<string, string>>;
    let path = literals[0] ?? '';
    for (let i = 0; i < names.length; i++) {
      const value = values[names[i] ?? ''];
      if (value === undefined) throw new Error(`path parameter "${names[i]}" is missing`);
      // Encoded, and never "." or "..": a value cannot become another path segment or a query.
      path += pathSegment(value) + (literals[i + 1] ?? '');
    }
    return path;
  };
}

export function appendQuery(path: string, query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (!query) return path;
  let out = path;
  let sep = path.includes('?') ? '&' : '?';
  for (const key in query) {
    const value = query[key];
    if (value === undefined) continue;
    out += `${sep}${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`;
    sep = '&';
  }
  return out;
}
