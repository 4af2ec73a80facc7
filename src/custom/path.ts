import type { PathSegment } from '../model/resource.js';

/**
 * A rule's `path` (the field findings point at): `spec.http[0].timeout`, keys with dots or slashes in
 * brackets (`metadata.labels["app.kubernetes.io/name"]`), or a YAML list of segments.
 */
export function parsePath(raw: string | ReadonlyArray<string | number>): PathSegment[] {
  if (Array.isArray(raw)) return [...raw];
  const s = raw as string;
  const out: PathSegment[] = [];
  let i = 0;
  const fail = (why: string) => new Error(`cannot read the path at character ${i + 1}: ${why} (write it as spec.http[0].timeout or metadata.labels["app.kubernetes.io/name"])`);
  while (i < s.length) {
    if (s[i] === '[') {
      const close = s.indexOf(']', i);
      if (close < 0) throw fail('a [ without ]');
      const inner = s.slice(i + 1, close).trim();
      if (/^\d+$/.test(inner)) out.push(Number(inner));
      else if (/^"[^"]*"$/.test(inner) || /^'[^']*'$/.test(inner)) out.push(inner.slice(1, -1));
      else throw fail('a bracket holds a number or a quoted key');
      i = close + 1;
      if (s[i] === '.') i++;
      continue;
    }
    let end = i;
    while (end < s.length && s[end] !== '.' && s[end] !== '[') end++;
    const key = s.slice(i, end);
    if (!key) throw fail('an empty key');
    out.push(key);
    i = end;
    if (s[i] === '.') {
      i++;
      if (i >= s.length) throw fail('a path ends with a dot');
    }
  }
  if (out.length > 40) throw new Error('a path of more than 40 segments');
  return out;
}
