// The templates of a compositions file: the route a composition is served at ("/dashboards/{userId}"),
// and the paths and query values of its source calls ("/users/{input.userId}", "{user.id}"). A source
// path is whole segments, each a literal or one value, so no value can add a segment or climb out of
// the service's path: values are encoded, and "." and ".." are refused as literals and as values.
import { pathSegment, UnsafePathSegmentError } from '../../lib/url-path';

/** The request's own values: `{input.userId}`, `input/userId`. */
export const INPUT = 'input';

export type RouteSegment = { readonly kind: 'literal'; readonly value: string } | { readonly kind: 'param'; readonly name: string };
export type TemplatePart =
  | { readonly kind: 'literal'; readonly text: string }
  /** `{source.field.sub}`: `fields` walks into the source's value; `{input.x}` is a request parameter. */
  | { readonly kind: 'ref'; readonly text: string; readonly source: string; readonly fields: readonly string[] };

const LITERAL_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function segmentsOf(path: string): string[] {
  if (!path.startsWith('/')) throw new Error('must start with "/"');
  if (path === '/') return [];
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') throw new Error('has an empty segment ("//" or a trailing "/")');
    if (segment === '.' || segment === '..') throw new Error(`"${segment}" would climb out of the path`);
  }
  return segments;
}

function checkLiteral(segment: string): void {
  if (!LITERAL_SEGMENT.test(segment)) throw new Error(`segment "${segment}" may hold only letters, digits, ".", "_", "~" and "-", or one {template}`);
}

/** The route a composition is served at: literals and `{param}` segments, each name once. */
export function parseRouteTemplate(path: string): RouteSegment[] {
  const seen = new Set<string>();
  return segmentsOf(path).map((segment): RouteSegment => {
    if (segment.startsWith('{') && segment.endsWith('}')) {
      const name = segment.slice(1, -1);
      if (!NAME.test(name)) throw new Error(`"${segment}": a parameter name is a letter or "_", then letters, digits or "_"`);
      if (seen.has(name)) throw new Error(`parameter {${name}} appears twice`);
      seen.add(name);
      return { kind: 'param', name };
    }
    checkLiteral(segment);
    return { kind: 'literal', value: segment };
  });
}

function parseRef(text: string): TemplatePart {
  const [source = '', ...fields] = text.split('.');
  if (!NAME.test(source) || !fields.every((f) => NAME.test(f) || /^\d{1,4}$/.test(f)))
    throw new Error(`{${text}} is not a template: write {input.name} or {source.field}`);
  if (source === INPUT && fields.length !== 1) throw new Error(`{${text}}: the request's values are {input.name}`);
  return { kind: 'ref', text, source, fields };
}

/** A source's path: each segment a literal or exactly one `{…}`; "/" separates, never a value. */
export function parsePathTemplate(path: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  for (const segment of segmentsOf(path)) {
    parts.push({ kind: 'literal', text: '/' });
    if (segment.startsWith('{') && segment.endsWith('}') && segment.indexOf('{', 1) === -1) parts.push(parseRef(segment.slice(1, -1)));
    else {
      checkLiteral(segment);
      parts.push({ kind: 'literal', text: segment });
    }
  }
  return parts.length === 0 ? [{ kind: 'literal', text: '/' }] : parts;
}

/** A query value: literal text with any number of `{…}` in it. */
export function parseValueTemplate(value: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let rest = value;
  for (let open = rest.indexOf('{'); open !== -1; open = rest.indexOf('{')) {
    const close = rest.indexOf('}', open);
    if (close === -1) throw new Error(`unclosed "{" in "${value}"`);
    if (open > 0) parts.push({ kind: 'literal', text: rest.slice(0, open) });
    parts.push(parseRef(rest.slice(open + 1, close)));
    rest = rest.slice(close + 1);
  }
  if (rest.includes('}')) throw new Error(`unopened "}" in "${value}"`);
  if (rest !== '') parts.push({ kind: 'literal', text: rest });
  return parts;
}

/** The names `{input.x}` refers to in these templates. */
export function inputNames(parts: readonly TemplatePart[]): string[] {
  return parts.flatMap((p) => (p.kind === 'ref' && p.source === INPUT ? [p.fields[0]!] : []));
}

/**
 * A referenced value as text. Only strings and finite numbers can be sent: anything else (an object,
 * a missing field) means the source answered something the composition cannot use, which the engine
 * reports as that call's bad answer (UnsafePathSegmentError).
 */
function valueOf(part: Extract<TemplatePart, { kind: 'ref' }>, context: Readonly<Record<string, unknown>>): string {
  let value: unknown = context[part.source];
  for (const field of part.fields) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[field] : undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new UnsafePathSegmentError(`{${part.text}}`);
}

export function renderPath(parts: readonly TemplatePart[], context: Readonly<Record<string, unknown>>): string {
  let path = '';
  for (const part of parts) path += part.kind === 'literal' ? part.text : pathSegment(valueOf(part, context));
  return path;
}

export function renderValue(parts: readonly TemplatePart[], context: Readonly<Record<string, unknown>>): string {
  let text = '';
  for (const part of parts) text += part.kind === 'literal' ? part.text : valueOf(part, context);
  return text;
}
