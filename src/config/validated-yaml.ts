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
