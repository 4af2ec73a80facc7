/** Helpers for the text of finding messages. Every value shown comes from untrusted input. */

/**
 * An untrusted value as it may appear in a message: JSON-quoted (so control characters and quotes are
 * escaped), anything that is not a string as short JSON, never longer than `max` characters.
 */
export function quoteValue(v: unknown, max: number): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The first `max` items joined by commas, and how many more there are. */
export function listSome(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
