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
 * Anchors (`&name`) and aliases (`*name`) as they may be written: after white space, a flow indicator,
 * the colon of a quoted flow key (`{"k":*a}`, which js-yaml reads), or at the very start; the name runs
 * to white space or a flow indicator, as js-yaml reads it.
 */
const ANCHOR_TOKEN = /(?:^|[\s,[{:])&([^\s,[\]{}]+)/g;
const ALIAS_TOKEN = /(?:^|[\s,[{:])\*([^\s,[\]{}]+)/g;

/**
 * Whether the pre-pass has anything to bound: an alias naming an anchor of the same text. js-yaml
 * expands nothing else (an alias with no anchor before it is an error). The text is matched, not
 * parsed, so quoted look-alikes count too; that only costs a pre-pass. A quoted `"*.example.com"` or a
 * description saying `matches *.example.com` with no anchor of that name skips it: CustomResourceDefinition
 * schemas are full of the latter, and the pre-pass (the `yaml` library composing the whole document)
 * was three quarters of a scan of a repository that vendors its CRDs (argo-rollouts: 2.4 of 3.3 s).
 */
export function mayExpandAliases(text: string): boolean {
  if (!text.includes('*') || !text.includes('&')) return false;
  const anchors = new Set<string>();
  for (const m of text.matchAll(ANCHOR_TOKEN)) anchors.add(m[1]!);
  if (!anchors.size) return false;
  for (const m of text.matchAll(ALIAS_TOKEN)) if (anchors.has(m[1]!)) return true;
  return false;
}

/**
 * Whether a mapping or sequence may be a mapping key: written with the explicit-key indicator
 * (`? [a, b]`) or as a flow collection before the colon (`{a: 1}: x`), either one where a node starts
 * (nodeStarts). A match is only a reason to look (collectionKeyLine); what must not match is the text
 * real manifests are full of: CEL ternaries in CustomResourceDefinitions (`rule: 'has(x) ? a : b'`),
 * shell in ConfigMaps (`echo ${name}: ok`), Go templates in strings (`{{ .x }}: y`; a nested flow
 * mapping as a key is rarer than those). Each pattern starts with a literal character and the context
 * is checked here: one pattern with an alternation at its start cost a tenth of a scan of a repository
 * of CustomResourceDefinitions.
 */
function mayHoldCollectionKey(text: string): boolean {
  // Characters looked at backwards, in all. Past it the answer is "maybe" and the exact check runs (it
  // is linear): crafted text must not turn this guess into quadratic work.
  const budget = { left: text.length + 65_536 };
  for (const m of text.matchAll(EXPLICIT_KEY)) if (budget.left < 0 || nodeStarts(text, m.index, budget)) return true;
  for (const m of text.matchAll(FLOW_KEY_END)) {
    // `}}:` ends a Go template's key inside a string (the injector's templates in a rendered install).
    if (m[0][0] === '}' && text[m.index - 1] === '}') continue;
    // The collection's opening bracket is on the same line (an implicit key is one line, at most 1,024 characters).
    const from = Math.max(text.lastIndexOf('\n', m.index) + 1, m.index - 1024);
    for (let i = m.index - 1; i >= from; i--) {
      if (--budget.left < 0) return true;
      const c = text.charCodeAt(i);
      if ((c === 0x5b || c === 0x7b) && nodeStarts(text, i, budget)) return true;
    }
  }
  return false;
}
const EXPLICIT_KEY = /\?(?=[ \t\r\n]|$)/g;
const FLOW_KEY_END = /[\]}][ \t]*:(?=[ \t\r\n]|$)/g;

/**
 * Whether a node may start at `at`: after only indentation and `- ` / `? ` indicators on its line, or
 * right after an opening bracket or a comma of a flow collection (spaces between allowed). Looks at
 * most 1,024 characters back, and takes what it looks at from `budget`.
 */
function nodeStarts(text: string, at: number, budget: { left: number }): boolean {
  const stop = at - 1024;
  let i = at - 1;
  let starts = false;
  for (;;) {
    while (i >= 0 && i > stop && (text[i] === ' ' || text[i] === '\t')) i--;
    if (i < 0) starts = true;
    else if (i <= stop) starts = false;
    else {
      const c = text[i];
      // `- ` and `? ` are indicators only when white space follows them, and a node could start where they stand.
      if ((c === '-' || c === '?') && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
        i--;
        continue;
      }
      starts = c === '\n' || c === '\r' || c === '\uFEFF' || c === '[' || c === '{' || c === ',';
    }
    budget.left -= at - Math.max(i, 0);
    return starts;
  }
}

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
  if (mayExpandAliases(text)) {
    const over = expansionViolation(text, bounds.maxNodes, bounds.maxDepth);
    if (over) throw new YamlBoundError(over.bound, over.line);
  }
  let value: unknown;
  try {
    const opts = { schema: bounds.schema ?? MERGE_SCHEMA, json: false };
    value = all ? yaml.loadAll(text, undefined, opts) : yaml.load(text, opts);
  } catch (err) {
    // js-yaml recurses per nesting level; a stack overflow means absurd nesting.
    if (err instanceof RangeError) throw new YamlBoundError('depth', 0);
    const e = err as { reason?: unknown; mark?: { line?: unknown } };
    // Two mappings used as keys are both "[object Object]" to js-yaml: a duplicate it reports, where the
    // cause is the keys themselves.
    if (typeof e.reason === 'string' && e.reason.startsWith('duplicated mapping key')) refuseCollectionKeys(text);
    throw new YamlSyntaxError(safeReason(e.reason), typeof e.mark?.line === 'number' ? e.mark.line : 0);
  }
  const over = shapeViolation(value, bounds.maxNodes, bounds.maxDepth);
  if (over) throw new YamlBoundError(over, 0);
  // js-yaml turns a mapping used as a key into the string "[object Object]" (a sequence into its items
  // joined by commas), so two different keys would read as one and a message would quote the made-up
  // string. Kubernetes objects take string keys only (kubectl refuses a mapping as a key), so the
  // document is refused where the key is instead. Asked after js-yaml, so a document with a syntax
  // error as well is reported at that error, the first one a reader meets.
  refuseCollectionKeys(text);
  return value;
}

/** Throws the YamlSyntaxError for the first mapping key of `text` that is a mapping or a sequence, if any. */
function refuseCollectionKeys(text: string): void {
  if (!mayHoldCollectionKey(text)) return;
  const line = collectionKeyLine(text);
  if (line !== null) throw new YamlSyntaxError(`${COLLECTION_KEY_REASON}; a Kubernetes object's keys are strings (kubectl refuses it)`, line);
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
        } else if (isSeq(node)) {
          // One by one: spreading a sequence of a few hundred thousand items overflows the call stack, and
          // the RangeError below would have passed the document unchecked.
          for (const item of node.items) stack.push(item);
        }
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
