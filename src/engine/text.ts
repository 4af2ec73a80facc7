/** Helpers for the text of finding messages. Every value shown comes from untrusted input. */

/**
 * An untrusted value as it may appear in a message: JSON-quoted (so control characters and quotes are
 * escaped), anything that is not a string as short JSON, never longer than `max` characters. The JSON
 * is written with a budget and stops once past `max`: a value may be a billion-laughs tree that the
 * parser shares but a whole-value JSON.stringify would expand to gigabytes.
 */
export function quoteValue(v: unknown, max: number): string {
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return String(v).slice(0, max);
  const budget = Math.max(1, max) + 1;
  const parts: string[] = [];
  let length = 0;
  const emit = (s: string): boolean => {
    parts.push(s);
    length += s.length;
    return length <= budget;
  };
  const open = new Set<object>();
  const write = (x: unknown, inArray: boolean): boolean => {
    if (typeof x === 'string') return emit(JSON.stringify(x.length > budget ? x.slice(0, budget) : x));
    if (typeof x === 'number') return emit(Number.isFinite(x) ? String(x) : 'null');
    if (typeof x === 'boolean') return emit(String(x));
    if (typeof x === 'bigint') return emit(String(x));
    if (x === null || typeof x !== 'object') return inArray ? emit('null') : true;
    if (open.has(x)) return emit('…') && false;
    open.add(x);
    let ok = true;
    if (Array.isArray(x)) {
      ok = emit('[');
      for (let i = 0; ok && i < x.length; i++) ok = (i === 0 || emit(',')) && write(x[i], true);
      ok = ok && emit(']');
    } else {
      ok = emit('{');
      let first = true;
      for (const k in x) {
        if (!ok) break;
        const value = (x as Record<string, unknown>)[k];
        if (!Object.hasOwn(x, k) || value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
        ok = (first || emit(',')) && emit(JSON.stringify(k.length > budget ? k.slice(0, budget) : k)) && emit(':') && write(value, false);
        first = false;
      }
      ok = ok && emit('}');
    }
    open.delete(x);
    return ok;
  };
  write(v, false);
  const s = parts.join('');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The first `max` items joined by commas, and how many more there are. */
export function listSome(items: readonly string[], max = 5): string {
  return listSomeOf(items, max, (s) => s);
}

/**
 * listSome of `items` named by `name`, naming only the ones shown (a list of thousands costs about as
 * much as `max`). A name already shown is not shown again: a scanned folder may define one object in
 * two files (src/engine/twins.ts), and "Deployment default/customer" three times in a row says nothing.
 * The items passed over are counted in "and N more".
 */
export function listSomeOf<T>(items: readonly T[], max: number, name: (item: T) => string): string {
  // At most 4 × max items are named, however the names repeat.
  const looked = Math.min(items.length, max * 4);
  const shown: string[] = [];
  let i = 0;
  for (; i < looked && shown.length < max; i++) {
    const n = name(items[i]);
    if (!shown.includes(n)) shown.push(n);
  }
  // Repeats of the names shown that follow at once (twins side by side) are not "more".
  while (i < looked && shown.includes(name(items[i]))) i++;
  const more = items.length - i;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

/**
 * Characters a terminal acts on or that hide or reorder text: C0/C1 controls (ESC, BEL, CR, LF...),
 * DEL, the Arabic letter mark, zero-width characters, line/paragraph separators, bidirectional
 * embeddings, overrides and isolates, and the byte-order mark.
 */
export const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * An untrusted string made safe for any human-facing output (terminal text, Mermaid/DOT labels,
 * notes, error lines) without quoting it: every character in UNSAFE_CHARS becomes a visible `\uXXXX`
 * escape. The one escape every door uses for names, hosts, URLs, file names and decoded claims.
 */
export function terminalSafe(s: string): string {
  return s.replace(UNSAFE_CHARS, (c) => `\\u${hex4(c)}`);
}

const hex4 = (c: string) => c.charCodeAt(0).toString(16).padStart(4, '0');

/**
 * A copy of a value to be rendered for humans, every string in it (keys included) passed through
 * terminalSafe(). Commands call it once on what they are about to print (the output boundary), so
 * no field can be forgotten; colours and layout are added afterwards.
 */
export function terminalSafeDeep<T>(value: T): T {
  return deepSafe(value, 0) as T;
}

function deepSafe(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return terminalSafe(v);
  if (v === null || typeof v !== 'object' || depth > 64) return v;
  if (Array.isArray(v)) return v.map((x) => deepSafe(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    // defineProperty: a key named `__proto__` stays an ordinary key of the copy.
    Object.defineProperty(out, terminalSafe(k), { value: deepSafe(x, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * terminalSafe() line by line: the line breaks stay, everything else in UNSAFE_CHARS is escaped. For
 * multi-line text made to be read as lines (a rule's documentation page, commander's usage errors).
 */
export function terminalSafeLines(s: string): string {
  return s.split('\n').map(terminalSafe).join('\n');
}

/**
 * UNSAFE_CHARS above the C0 controls: DEL, C1 controls, line separators, zero-width and bidi
 * characters. JSON.stringify leaves them raw (it escapes U+0000 to U+001F itself), and XML 1.0 can
 * carry every one of them as a character reference.
 */
export const UNSAFE_ABOVE_C0 = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * Text JSON.stringify made, with UNSAFE_ABOVE_C0 (only ever inside strings there) written as
 * `\uXXXX`, which means the same to every JSON reader: the parsed value is unchanged, but a terminal,
 * pager or diff showing the file cannot be made to hide or reorder it. For reporters that stringify
 * piece by piece (src/report/json.ts).
 */
export function escapeJsonText(json: string): string {
  // Looked for first: a search that finds nothing (nearly every piece of a report) costs about two
  // thirds of a replace() that finds nothing.
  return json.search(ANY_UNSAFE_ABOVE_C0) < 0 ? json : json.replace(UNSAFE_ABOVE_C0, (c) => `\\u${hex4(c)}`);
}

const ANY_UNSAFE_ABOVE_C0 = new RegExp(UNSAFE_ABOVE_C0.source);

/** JSON for output: JSON.stringify, then escapeJsonText(). */
export function jsonForOutput(value: unknown, indent = 2): string {
  return escapeJsonText(JSON.stringify(value, null, indent));
}
