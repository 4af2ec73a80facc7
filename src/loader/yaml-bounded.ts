import yaml from 'js-yaml';
import { shapeViolation } from './shape.js';
import { yamlLib } from './yaml-lib.js';

/**
 * The one way meshward turns untrusted YAML text into values: js-yaml (fast, no positions) behind
 * two bounds it does not have itself.
 *
 * 1. Expansion is bounded BEFORE js-yaml runs. Aliases are shared by js-yaml (cheap), but merge keys
 *    are not: `<<: *a` copies every key of `a` into the mapping, so a chain of anchors each merging the
 *    previous one (or a mapping merging `[*a, *a, ...]`) makes js-yaml itself do quadratic work and
 *    allocate gigabytes before anything can look at the result. When the text holds an alias, a
 *    pre-pass composes it with the `yaml` library (which never expands aliases) and computes, with one
 *    memoised size per anchor, how many nodes the fully expanded tree would hold (merges counted as
 *    copies of their sources). Over the budget, the text is refused and js-yaml never sees it.
 * 2. The expanded value is then walked once with the same budget (shape.ts): it catches what the
 *    estimate does not model, such as an anchor referring to itself (a cycle).
 *
 * Parse errors never quote the input: tag and alias text may be secrets (`password: !Pa55word`).
 */

/** Core schema (YAML 1.2 scalars: timestamps stay strings, as the Kubernetes API sees them) plus merge keys. */
export const MERGE_SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [(yaml as any).types.merge] });

export type YamlBound = 'nodes' | 'depth';

/** Thrown when a bound is broken; `line` is 0-based within the parsed text. */
export class YamlBoundError extends Error {
  constructor(
    readonly bound: YamlBound,
    readonly line: number,
  ) {
    super(bound === 'nodes' ? 'expands to too many nodes' : 'nested too deeply');
  }
}

/** A YAML syntax error, worded without any input text; `line` is 0-based within the parsed text. */
export class YamlSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
  ) {
    super(reason);
  }
}

export interface YamlBounds {
  maxNodes: number;
  maxDepth: number;
  /** Defaults to MERGE_SCHEMA. */
  schema?: yaml.Schema;
}

/**
 * An alias (`*name`) can only start after white space, a flow indicator, or at the very start. A
 * quoted `"*.example.com"` does not match, so ordinary Istio manifests skip the pre-pass.
 */
const MAY_HOLD_ALIAS = /(?:^|[\s,[{])\*[^\s,[\]{}]/;

/**
 * A mapping or sequence as a mapping key: written with the explicit-key indicator (`? [a, b]`) or as a
 * flow collection before the colon (`{a: 1}: x`). Rare; ordinary manifests never match, and a match
 * is only a reason to look (collectionKeyLine). `}}:` is left out: it is how a Go template inside a
 * string ends a key (the injector's templates in the `istio-sidecar-injector` ConfigMap), and a nested
 * flow mapping as a key is rarer still.
 */
const MAY_HOLD_COLLECTION_KEY = /(?:^|[\s,[{])\?(?:[ \t\r]|$)|(?:\]|(?<!\})\})[ \t]*:(?:[ \t\r]|$)/m;

/** The start of YamlSyntaxError's reason for a mapping key that is a mapping or a sequence. */
export const COLLECTION_KEY_REASON = 'a mapping key is itself a mapping or a sequence';

/** Loads one YAML document within the bounds. Throws YamlBoundError or YamlSyntaxError, nothing else. */
export function loadYamlBounded(text: string, bounds: YamlBounds): unknown {
  return loadBounded(text, bounds, false) as unknown;
}

/** Loads every document of a YAML stream within the bounds (the node budget is for all of them together). */
export function loadAllYamlBounded(text: string, bounds: YamlBounds): unknown[] {
  return loadBounded(text, bounds, true) as unknown[];
}

function loadBounded(text: string, bounds: YamlBounds, all: boolean): unknown {
  // The regular expression tries every position of the text; a '*' is rare, and needed for a match.
  if (text.includes('*') && MAY_HOLD_ALIAS.test(text)) {
    const over = expansionViolation(text, bounds.maxNodes, bounds.maxDepth);
    if (over) throw new YamlBoundError(over.bound, over.line);
  }
  // js-yaml turns such a key into the string "[object Object]" (or the items joined by commas), so two
  // different keys would read as one and a message would quote the made-up string. Kubernetes objects
  // take string keys only (kubectl refuses a mapping as a key), so the document is refused where the
  // key is instead.
  if (MAY_HOLD_COLLECTION_KEY.test(text)) {
    const line = collectionKeyLine(text);
    if (line !== null) throw new YamlSyntaxError(`${COLLECTION_KEY_REASON}; a Kubernetes object's keys are strings (kubectl refuses it)`, line);
  }
  let value: unknown;
  try {
    const opts = { schema: bounds.schema ?? MERGE_SCHEMA, json: false };
    value = all ? yaml.loadAll(text, undefined, opts) : yaml.load(text, opts);
  } catch (err) {
    // js-yaml recurses per nesting level; a stack overflow means absurd nesting.
    if (err instanceof RangeError) throw new YamlBoundError('depth', 0);
    const e = err as { reason?: unknown; mark?: { line?: unknown } };
    throw new YamlSyntaxError(safeReason(e.reason), typeof e.mark?.line === 'number' ? e.mark.line : 0);
  }
  const over = shapeViolation(value, bounds.maxNodes, bounds.maxDepth);
  if (over) throw new YamlBoundError(over, 0);
  return value;
}

/**
 * js-yaml's reason for a syntax error, without the parts that quote the input. Its reasons are fixed
 * sentences except these, which end with the tag, handle, prefix or alias name as written.
 */
export function safeReason(reason: unknown): string {
  if (typeof reason !== 'string' || !reason) return 'unreadable YAML';
  if (reason.startsWith('unidentified alias')) return 'undefined alias (an alias names no anchor defined before it)';
  if (reason.startsWith('unknown tag')) return 'unknown tag (only the core YAML tags are read)';
  if (reason.startsWith('unacceptable node kind for')) return 'a tag is used on the wrong kind of node';
  if (reason.startsWith('cannot resolve a node with')) return 'a value does not fit its explicit tag';
  if (reason.startsWith('undeclared tag handle')) return 'undeclared tag handle';
  if (reason.startsWith('tag name cannot contain')) return 'a tag name holds characters a tag cannot hold';
  if (reason.startsWith('tag name is malformed')) return 'malformed tag name';
  if (reason.startsWith('tag prefix is malformed')) return 'malformed tag prefix in a %TAG directive';
  if (reason.startsWith('there is a previously declared suffix')) return 'a %TAG handle is declared twice';
  // Any other reason that still quotes something is cut before the quote.
  const cut = reason.search(/["'`!<*&]/);
  return (cut >= 0 ? reason.slice(0, cut).trim() || 'unreadable YAML' : reason).slice(0, 200);
}

class Over {
  constructor(
    readonly bound: YamlBound,
    readonly offset: number,
  ) {}
}

/**
 * Size of the fully expanded tree(s) of `text`, computed without expanding: every anchor's size is
 * remembered where it is defined, an alias costs its anchor's size, a merge key costs the size of
 * every source it merges (js-yaml copies them). Returns the bound broken and its 0-based line.
 */
function expansionViolation(text: string, maxNodes: number, maxDepth: number): { bound: YamlBound; line: number } | null {
  let total = 0;
  const { isAlias, isMap, isScalar, isSeq, parseAllDocuments } = yamlLib();
  try {
    for (const doc of parseAllDocuments(text, { uniqueKeys: false, strict: false, prettyErrors: false, keepSourceTokens: false })) {
      const anchors = new Map<string, number>();
      const size = (node: unknown, depth: number): number => {
        if (depth > maxDepth) throw new Over('depth', rangeStart(node));
        if (isAlias(node)) return anchors.get(node.source) ?? 1;
        let n = 1;
        if (isMap(node)) {
          for (const pair of node.items) {
            n += size(pair.key, depth + 1);
            // A merge value is a mapping, an alias, or a sequence of them: its size is what gets copied.
            n += size(pair.value, depth + 1);
            if (total + n > maxNodes) throw new Over('nodes', rangeStart(pair.key ?? node));
          }
        } else if (isSeq(node)) {
          for (const item of node.items) {
            n += size(item, depth + 1);
            if (total + n > maxNodes) throw new Over('nodes', rangeStart(item ?? node));
          }
        } else if (!isScalar(node)) {
          return node ? 1 : 0;
        }
        const anchor = (node as { anchor?: unknown }).anchor;
        if (typeof anchor === 'string') anchors.set(anchor, n);
        return n;
      };
      total += size(doc.contents, 0);
      if (total > maxNodes) return { bound: 'nodes', line: 0 };
    }
  } catch (err) {
    if (err instanceof Over) return { bound: err.bound, line: lineOfOffset(text, err.offset) };
    // The composer recurses per nesting level too.
    if (err instanceof RangeError) return { bound: 'depth', line: 0 };
    throw err;
  }
  return null;
}

/** 0-based line of the first mapping key that is a mapping or a sequence (directly or through an alias), or null. */
function collectionKeyLine(text: string): number | null {
  const { isAlias, isCollection, isMap, isSeq, parseAllDocuments } = yamlLib();
  try {
    for (const doc of parseAllDocuments(text, { uniqueKeys: false, strict: false, prettyErrors: false, keepSourceTokens: false })) {
      // Iterative: the composer has already bounded the depth it built, and recursion here would not be.
      const stack: unknown[] = [doc.contents];
      while (stack.length) {
        const node = stack.pop();
        if (isMap(node)) {
          for (const pair of node.items) {
            const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
            if (isCollection(key)) return lineOfOffset(text, rangeStart(pair.key));
            stack.push(pair.value);
          }
        } else if (isSeq(node)) stack.push(...node.items);
      }
    }
  } catch (err) {
    // What the composer cannot read, js-yaml reports next with its own reason and line.
    if (err instanceof RangeError) return null;
    throw err;
  }
  return null;
}

function rangeStart(node: unknown): number {
  const range = (node as { range?: unknown } | null)?.range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : 0;
}

function lineOfOffset(text: string, offset: number): number {
  let line = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
