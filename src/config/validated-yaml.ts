import { parseDocument, isMap, isSeq, isScalar, LineCounter, type Node } from 'yaml';
import type { z } from 'zod';
import { yamlErrorReason } from '../engine/redact.js';

export class ValidationError extends Error {}

/**
 * Parses a small YAML file (config, tenant policy) and validates it against a zod schema. Errors
 * name the file, the line and the field, and end with where to read about the format.
 */
export function parseValidated<T extends z.ZodType>(
  text: string,
  file: string,
  schema: T,
  help: string,
): { value: z.infer<T>; lineOf: (path: (string | number)[]) => number } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new ValidationError(`${file}:${lines.linePos(e.pos[0]).line}: invalid YAML: ${yamlErrorReason(e)}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw new ValidationError(`${file}: ${yamlErrorReason(err)}`);
  }
  const lineOf = (p: (string | number)[]) => lineOfPath(doc.contents, p, lines);
  const forbidden = forbiddenKey(doc.contents);
  if (forbidden) {
    const where = forbidden.path.length ? `${forbidden.path.join('.')}: ` : '';
    throw new ValidationError(`${file}:${lines.linePos(forbidden.offset).line}: ${where}the key ${JSON.stringify(forbidden.key)} is not allowed: no field of this file takes it, and JavaScript objects give it a meaning of their own (a selector holding it lost it silently and matched everything). ${help}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new ValidationError(`${file}:${lineOf(issue.path as (string | number)[])}: ${where}: ${issue.message}. ${help}`);
  }
  return { value: parsed.data, lineOf };
}

function lineOfPath(root: unknown, p: (string | number)[], lines: LineCounter): number {
  let node = root as Node | null | undefined;
  let best: number = (node as any)?.range?.[0] ?? 0;
  for (const seg of p) {
    if (isMap(node)) {
      const pair = node.items.find((it) => (isScalar(it.key) ? it.key.value : it.key) === seg);
      if (!pair) break;
      best = (pair.key as any)?.range?.[0] ?? best;
      node = pair.value as Node;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg] as Node;
      best = (node as any)?.range?.[0] ?? best;
    } else break;
  }
  return lines.linePos(best).line;
}

/** Keys no config file may hold: JavaScript gives them a meaning of their own (the prototype chain). */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The first mapping key anywhere in the document that is one of FORBIDDEN_KEYS, with its path and offset.
 * Checked on the YAML nodes, before the value is built or validated: a schema's record of labels
 * drops a `__proto__` key without a word, which turned a tenant's namespaceSelector, or a federation
 * gateway's selector, into one that selects everything.
 */
function forbiddenKey(root: unknown): { key: string; path: (string | number)[]; offset: number } | null {
  const stack: Array<{ node: unknown; path: (string | number)[] }> = [{ node: root, path: [] }];
  while (stack.length) {
    const { node, path } = stack.pop()!;
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (typeof key === 'string' && FORBIDDEN_KEYS.has(key)) return { key, path, offset: (pair.key as any)?.range?.[0] ?? 0 };
        stack.push({ node: pair.value, path: [...path, typeof key === 'string' || typeof key === 'number' ? key : '?'] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, path: [...path, i] }));
    }
  }
  return null;
}
