/**
 * One pass over JSON text that `JSON.parse` has already accepted, for the two things it does not
 * say: the first key that appears twice in one object (parsers disagree on which value wins, a
 * classic way to show a scanner one thing and the API server another), and the byte range of each
 * element of a top-level object's `items` array, so each item of a `kind: List` can be bounded,
 * parsed for positions, and reported on its own.
 *
 * The pass runs once per JSON input, usually in a parse thread that has not run it before, so most
 * of it runs as unoptimized code, where every step of JavaScript costs. It therefore takes as few
 * steps as it can: a regular expression (native code) finds the next quote, bracket or comma,
 * passing over the whitespace, colons and scalars between them (most of a pretty-printed file),
 * and `indexOf` finds the end of a string. A key is the only string it makes.
 */
export interface JsonScan {
  duplicate: { key: string; offset: number } | null;
  items: Array<[start: number, end: number]> | null;
  /** Offsets of the top-level `items` array's `[` and one past its `]`. */
  itemsArray: [start: number, end: number] | null;
}

interface Frame {
  object: boolean;
  /** In an object: the next string is a key (after `{` or a comma). */
  expectKey: boolean;
  /**
   * Where this object's keys begin in the scan's list of keys. The keys of an object nested in it
   * go above them and are dropped when it closes, so each object's keys stay together.
   */
  keysFrom: number;
  /** The object's keys once it has more than SMALL_OBJECT of them (fewer are compared one by one). */
  keySet: Set<string> | null;
}

/** Keys an object may have before they go into a set: most objects of a manifest have a handful. */
const SMALL_OBJECT = 16;

/** The characters the scan acts on. */
const STRUCTURAL = /["{}[\],]/g;

/**
 * `duplicates: false` skips the duplicate-key check below the top level when only the items are
 * wanted. The top-level object's keys are still compared (they are read anyway, to find `items`).
 *
 * With `duplicates: false` the text may also be one not parsed yet (a List over the document
 * limit): the scan then returns, never throws, whatever the text holds, and the caller's own parse
 * reports the syntax error.
 */
export function scanJson(text: string, duplicates = true): JsonScan {
  const n = text.length;
  const structural = STRUCTURAL;
  const stack: Frame[] = [];
  let top: Frame | undefined;
  const keys: string[] = [];
  /** How much of `keys` is in use: the keys of the objects open now. */
  let keyCount = 0;
  /** Offset of the next backslash (n when none): a string that ends before it has no escapes. */
  let nextBackslash = -1;
  let duplicate: JsonScan['duplicate'] = null;
  /** The top-level `items` array: the last one opened, and its frame while it is open. */
  let items: ItemSpans | null = null;
  let itemsFrame: Frame | null = null;
  /** Whether the last top-level key read is `items`. */
  let afterItemsKey = false;
  structural.lastIndex = 0;
  while (structural.test(text)) {
    const i = structural.lastIndex - 1;
    const c = text.charCodeAt(i);
    if (top === itemsFrame) items!.see(c, i);
    if (c === 34 /* " */) {
      if (nextBackslash <= i) {
        const b = text.indexOf('\\', i + 1);
        nextBackslash = b < 0 ? n : b;
      }
      const quote = text.indexOf('"', i + 1);
      const escaped = (quote < 0 ? n : quote) > nextBackslash;
      const close = escaped ? escapedStringEnd(text, nextBackslash) : quote < 0 ? n : quote;
      if (top !== undefined && top.expectKey) {
        top.expectKey = false;
        const topLevel = stack.length === 1;
        if (duplicate === null && (duplicates || topLevel)) {
          const key = escaped ? decodeKey(text, i, close) : text.slice(i + 1, close);
          if (topLevel) afterItemsKey = key === 'items';
          if (seenBefore(top, keys, keyCount, key)) duplicate = { key, offset: i };
          else if (top.keySet === null) keys[keyCount++] = key;
        } else if (topLevel) {
          afterItemsKey = escaped ? decodeKey(text, i, close) === 'items' : close - i === 6 && text.startsWith('items', i + 1);
        }
      }
      structural.lastIndex = close + 1;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      const opensItems = c === 91 && stack.length === 1 && top!.object && afterItemsKey;
      top = { object: c === 123, expectKey: c === 123, keysFrom: keyCount, keySet: null };
      stack.push(top);
      if (opensItems) {
        itemsFrame = top;
        items = new ItemSpans(text, i);
      }
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      const closed = stack.pop();
      top = stack[stack.length - 1];
      if (closed === undefined) continue;
      keyCount = closed.keysFrom;
      if (closed === itemsFrame) {
        itemsFrame = null;
        items!.end = i + 1;
      } else if (top === itemsFrame) {
        items!.nestedClosed(i);
      }
    } else if (top?.object) {
      // A comma in an object: a key comes next.
      top.expectKey = true;
    }
  }
  return {
    duplicate,
    items: items && items.spans,
    itemsArray: items && items.end >= 0 ? [items.start, items.end] : null,
  };
}

/**
 * Whether `key` is already a key of the object `frame`, whose keys are `keys[frame.keysFrom..count)`
 * or, past SMALL_OBJECT of them, its set. A key it has not seen goes into its set when it has one;
 * otherwise the caller appends it to the list.
 */
function seenBefore(frame: Frame, keys: string[], count: number, key: string): boolean {
  if (frame.keySet !== null) {
    if (frame.keySet.has(key)) return true;
    frame.keySet.add(key);
    return false;
  }
  for (let k = frame.keysFrom; k < count; k++) if (keys[k] === key) return true;
  if (count - frame.keysFrom >= SMALL_OBJECT) frame.keySet = new Set(keys.slice(frame.keysFrom, count)).add(key);
  return false;
}

/** In the items array between elements, also the first character of a scalar (its span begins there). */
const NOT_SPACE_OR_COLON = /[^ \t\n\r:]/g;

/**
 * Spans of the elements of the top-level `items` array. The scan shows it the characters it acts on
 * directly in the array (quotes, brackets, commas); scalars between them it finds itself.
 */
class ItemSpans {
  readonly spans: Array<[number, number]> = [];
  /** One past the array's `]`; -1 while it is open. */
  end = -1;
  /** Where the current element began; -1 before it has. */
  private elementStart = -1;
  /** Where the current element's first character is searched for: just past the last element. */
  private searchFrom: number;

  constructor(
    private readonly text: string,
    /** Offset of the array's `[`. */
    readonly start: number,
  ) {
    this.searchFrom = start + 1;
  }

  see(c: number, at: number): void {
    if (this.elementStart < 0) {
      // A scalar element (`1` in `[1, 2]`) is passed over by the scan: it began at the first
      // character since the last element that is not space or a colon, if that is before `at`.
      NOT_SPACE_OR_COLON.lastIndex = this.searchFrom;
      const first = NOT_SPACE_OR_COLON.test(this.text) ? NOT_SPACE_OR_COLON.lastIndex - 1 : at;
      if (first < at || (c !== 44 /* , */ && c !== 93 /* ] */ && c !== 125) /* } */) this.elementStart = first;
    }
    if ((c === 44 || c === 93) && this.elementStart >= 0) {
      let end = at;
      while (end > this.elementStart && isSpace(this.text.charCodeAt(end - 1))) end--;
      this.close(end);
    }
    if (this.elementStart < 0) this.searchFrom = at + 1;
  }

  /** An element that is an object or an array ended at `at`, its closing bracket. */
  nestedClosed(at: number): void {
    if (this.elementStart >= 0) this.close(at + 1);
    this.searchFrom = at + 1;
  }

  private close(end: number): void {
    this.spans.push([this.elementStart, end]);
    this.elementStart = -1;
  }
}

/**
 * Offset of the quote closing a string whose first backslash is at `backslash` (the text's length
 * when none closes it), walked a character at a time: only so is an escaped quote told from the
 * closing one.
 */
function escapedStringEnd(text: string, backslash: number): number {
  const n = text.length;
  for (let j = backslash; j < n; j++) {
    const d = text.charCodeAt(j);
    if (d === 92 /* \ */) j++;
    else if (d === 34 /* " */) return j;
  }
  return n;
}

/**
 * The key whose quotes are at `open` and `close`, decoded: "a" and "\u0061" are the same key. Text
 * that is not valid JSON yet may hold an escape that does not decode; its raw text stands in.
 */
function decodeKey(text: string, open: number, close: number): string {
  try {
    return JSON.parse(text.slice(open, close + 1)) as string;
  } catch {
    return text.slice(open + 1, close);
  }
}

/**
 * Offset of the first `[` or `{` nested deeper than `maxDepth` (strings skipped), or -1. Iterative, so
 * a megabyte of `[[[[...` is measured instead of overflowing a recursive parser's stack.
 */
export function firstTooDeep(text: string, maxDepth: number): number {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
    } else if (c === 123 || c === 91) {
      if (++depth > maxDepth) return i;
    } else if (c === 125 || c === 93) {
      depth--;
    }
  }
  return -1;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}
