import { createRequire } from 'node:module';
import type * as JsoncParser from 'jsonc-parser';
import { firstTooDeep, scanJson } from './json-scan.js';
import { quoteValue } from '../engine/text.js';
import { shapeViolation } from './shape.js';
import { COLLECTION_KEY_REASON, loadYamlBounded, YamlBoundError, YamlSyntaxError } from './yaml-bounded.js';
import type { Limits } from './limits.js';
import { lineStarts, positionOf, type DocumentSpan } from './split.js';

/** One unit of parsing work: some documents of one file. Plain data so it can go to a worker. */
export interface ParseTask {
  fileIndex: number;
  file: string;
  format: 'yaml' | 'json';
  /** The slice of the file holding the task's documents. */
  text: string;
  /** Offset of `text` within the whole file. */
  offset: number;
  /** Document spans, relative to `text`. Lines are absolute (1-based, whole file). */
  spans: DocumentSpan[];
}

export interface ParsedDoc {
  fileIndex: number;
  /** Absolute offsets of the document within its file. */
  start: number;
  end: number;
  line: number;
  value: unknown;
}

export interface LoadError {
  file: string;
  line: number;
  message: string;
}

export interface ParseResult {
  docs: ParsedDoc[];
  errors: LoadError[];
}

/** jsonc-parser, loaded the first time JSON turns out invalid: valid input never needs it (saves each parse thread's start-up ~30 ms). */
let jsoncParser: typeof JsoncParser | null = null;
function jsonc(): typeof JsoncParser {
  return (jsoncParser ??= createRequire(import.meta.url)('jsonc-parser') as typeof JsoncParser);
}

export function runParseTask(task: ParseTask, limits: Limits): ParseResult {
  return task.format === 'json' ? parseJsonTask(task, limits) : parseYamlTask(task, limits);
}

function parseYamlTask(task: ParseTask, limits: Limits): ParseResult {
  const docs: ParsedDoc[] = [];
  const errors: LoadError[] = [];
  for (const span of task.spans) {
    if (span.end - span.start > limits.maxDocumentBytes) {
      errors.push({
        file: task.file,
        line: span.line,
        message: `document is ${span.end - span.start} bytes, over the limit of ${limits.maxDocumentBytes}; split it or raise --max-document-bytes`,
      });
      continue;
    }
    const chunk = task.text.slice(span.start, span.end);
    let value: unknown;
    try {
      // Core schema plus merge keys (Helm output and hand-written manifests use them). No custom
      // tags: an unknown tag is an error, never executed or resolved.
      value = loadYamlBounded(chunk, { maxNodes: limits.maxNodesPerDocument, maxDepth: limits.maxDepth });
    } catch (err) {
      // A tag meshward does not read (MkDocs' `!!python/name:`, CloudFormation's `!Ref`) in a document
      // that names no apiVersion or kind anywhere is some other tool's file, not a broken manifest: it is
      // skipped with the note every non-Kubernetes document gets, so `meshward scan .` on a repository
      // with an mkdocs.yml does not fail. In a document that could be an object the tag stays an error.
      // The same for a mapping used as a key (YAML allows it; no Kubernetes object holds one).
      if (err instanceof YamlSyntaxError && (err.reason.startsWith('unknown tag') || err.reason.startsWith(COLLECTION_KEY_REASON)) && !NAMES_AN_OBJECT.test(chunk)) {
        docs.push({ fileIndex: task.fileIndex, start: task.offset + span.start, end: task.offset + span.end, line: span.line, value: NOT_AN_OBJECT });
        continue;
      }
      errors.push(yamlError(task.file, span.line, lastLine(chunk, span.line), err, limits));
      continue;
    }
    if (value === null || value === undefined) continue;
    docs.push({ fileIndex: task.fileIndex, start: task.offset + span.start, end: task.offset + span.end, line: span.line, value });
  }
  return { docs, errors };
}

/** `apiVersion:` or `kind:` as a key anywhere (block or flow style, quoted or not). */
const NAMES_AN_OBJECT = /(?:^|[\s{,])["']?(?:apiVersion|kind)["']?\s*:/;
/** What a skipped foreign document parses to: a mapping with no apiVersion or kind (load.ts notes it). */
const NOT_AN_OBJECT: Readonly<Record<string, never>> = Object.freeze({});

/** Line number of the last line of a chunk (js-yaml reports end-of-input errors one line past it). */
function lastLine(chunk: string, firstLine: number): number {
  let n = firstLine;
  for (let i = chunk.indexOf('\n'); i >= 0 && i < chunk.length - 1; i = chunk.indexOf('\n', i + 1)) n++;
  return n;
}

function yamlError(file: string, docLine: number, maxLine: number, err: unknown, limits: Limits): LoadError {
  const line = Math.min(docLine + ((err as { line?: number }).line ?? 0), maxLine);
  if (err instanceof YamlBoundError) {
    return {
      file,
      line,
      message:
        err.bound === 'nodes'
          ? `document expands to more than ${limits.maxNodesPerDocument} nodes (possible alias bomb or merge-key bomb); it was skipped`
          : `document is nested deeper than ${limits.maxDepth} levels (possible nesting bomb); it was skipped`,
    };
  }
  // The reason never quotes the input (tags, alias names and js-yaml's snippet may hold secrets).
  if (err instanceof YamlSyntaxError) return { file, line, message: `invalid YAML: ${err.reason}` };
  return { file, line: docLine, message: 'invalid YAML: internal parser failure' };
}

function parseJsonTask(task: ParseTask, limits: Limits): ParseResult {
  const text = task.text;
  // Over the document limit, only a `kind: List` may be read, item by item: the text is never
  // parsed whole, so a huge single document is refused before it costs gigabytes.
  if (text.length > limits.maxDocumentBytes) return parseLargeJsonList(task, limits);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { docs: [], errors: [jsonSyntaxError(task.file, text, 0, limits)] };
  }
  const scan = scanJson(text);
  const starts = lineStarts(text);
  if (scan.duplicate) return { docs: [], errors: [duplicateKeyError(task.file, starts, scan.duplicate)] };
  if (value === null) return { docs: [], errors: [] };
  const v = value as { kind?: unknown; items?: unknown };
  // A `kind: List` (what `kubectl get -o json` writes) becomes one document per item, each bounded
  // and located on its own, so a large dump is not refused as one oversized document.
  if (typeof v === 'object' && typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items) && scan.items?.length === v.items.length) {
    const docs: ParsedDoc[] = [];
    const errors: LoadError[] = [];
    v.items.forEach((item, i) => {
      const [start, end] = scan.items![i];
      const line = positionOf(starts, start).line;
      const problem = end - start > limits.maxDocumentBytes ? `List item is ${end - start} bytes, over the limit of ${limits.maxDocumentBytes}` : checkShape(item, limits);
      if (problem) errors.push({ file: task.file, line, message: problem });
      else docs.push({ fileIndex: task.fileIndex, start, end, line, value: item });
    });
    return { docs, errors };
  }
  const problem = checkShape(value, limits);
  if (problem) return { docs: [], errors: [{ file: task.file, line: 1, message: problem }] };
  return { docs: [{ fileIndex: task.fileIndex, start: 0, end: text.length, line: 1, value }], errors: [] };
}

/** A JSON text over the document limit: a `kind: List` whose items are parsed one at a time, or refused. */
function parseLargeJsonList(task: ParseTask, limits: Limits): ParseResult {
  const text = task.text;
  const refuse = (): ParseResult => ({
    docs: [],
    errors: [{ file: task.file, line: 1, message: `JSON document is ${text.length} bytes, over the limit of ${limits.maxDocumentBytes} (only a kind: List may be larger, item by item); split it or raise --max-document-bytes` }],
  });
  const tooDeep = firstTooDeep(text, limits.maxDepth + 2);
  if (tooDeep >= 0) return { docs: [], errors: [jsonSyntaxError(task.file, text, 0, limits)] };
  // Items only: the duplicate-key check runs on the shell and on each item below, so no key set
  // grows with a huge single object.
  const scan = scanJson(text, false);
  if (!scan.items || !scan.itemsArray) return refuse();
  // The List without its items: small, parsed whole to check it is a List at all.
  const shellText = `${text.slice(0, scan.itemsArray[0])}[]${text.slice(scan.itemsArray[1])}`;
  if (shellText.length > limits.maxDocumentBytes) return refuse();
  let shell: unknown;
  try {
    shell = JSON.parse(shellText);
  } catch {
    return { docs: [], errors: [jsonSyntaxError(task.file, text, 0, limits)] };
  }
  const kind = (shell as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !kind.endsWith('List')) return refuse();
  const starts = lineStarts(text);
  const shellDuplicate = scanJson(shellText).duplicate;
  if (shellDuplicate) {
    const offset = shellDuplicate.offset < scan.itemsArray[0] ? shellDuplicate.offset : scan.itemsArray[1] + shellDuplicate.offset - scan.itemsArray[0] - 2;
    return { docs: [], errors: [duplicateKeyError(task.file, starts, { key: shellDuplicate.key, offset })] };
  }
  const docs: ParsedDoc[] = [];
  const errors: LoadError[] = [];
  for (const [start, end] of scan.items) {
    const line = positionOf(starts, start).line;
    if (end - start > limits.maxDocumentBytes) {
      errors.push({ file: task.file, line, message: `List item is ${end - start} bytes, over the limit of ${limits.maxDocumentBytes}` });
      continue;
    }
    let item: unknown;
    try {
      item = JSON.parse(text.slice(start, end));
    } catch {
      errors.push(jsonSyntaxError(task.file, text.slice(start, end), line - 1, limits));
      continue;
    }
    const duplicate = scanJson(text.slice(start, end)).duplicate;
    if (duplicate) {
      errors.push(duplicateKeyError(task.file, starts, { key: duplicate.key, offset: start + duplicate.offset }));
      continue;
    }
    const problem = checkShape(item, limits);
    if (problem) errors.push({ file: task.file, line, message: problem });
    else docs.push({ fileIndex: task.fileIndex, start, end, line, value: item });
  }
  return { docs, errors };
}

function duplicateKeyError(file: string, starts: Uint32Array, dup: { key: string; offset: number }): LoadError {
  return { file, line: positionOf(starts, dup.offset).line, message: `invalid JSON: duplicated key ${quoteValue(dup.key, 80)} (parsers disagree on which value wins)` };
}

/**
 * Where and why JSON text is invalid, without quoting it (V8's messages quote the input). Absurd
 * nesting is measured first, iteratively: the locating parser recurses per level.
 */
function jsonSyntaxError(file: string, text: string, lineOffset: number, limits: Limits): LoadError {
  const starts = lineStarts(text);
  const deep = firstTooDeep(text, limits.maxDepth);
  if (deep >= 0) {
    const pos = positionOf(starts, deep);
    return { file, line: lineOffset + pos.line, message: `JSON is nested deeper than ${limits.maxDepth} levels at column ${pos.column} (possible nesting bomb); it was skipped` };
  }
  let first: { error: number; offset: number } | null = null;
  const { visit: visitJson, printParseErrorCode } = jsonc();
  visitJson(
    text,
    {
      onError: (error, offset) => {
        first ??= { error, offset };
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  const found = first as { error: number; offset: number } | null;
  const pos = found ? positionOf(starts, found.offset) : { line: 1, column: 1 };
  const what = found ? printParseErrorCode(found.error) : 'unreadable JSON';
  return { file, line: lineOffset + pos.line, message: `invalid JSON: ${what} at column ${pos.column}` };
}

/** The shape bounds of a manifest document, as an error message (null when within them). */
function checkShape(root: unknown, limits: Limits): string | null {
  switch (shapeViolation(root, limits.maxNodesPerDocument, limits.maxDepth)) {
    case 'nodes':
      return `document expands to more than ${limits.maxNodesPerDocument} nodes (possible alias bomb); it was skipped`;
    case 'depth':
      return `document is nested deeper than ${limits.maxDepth} levels; it was skipped`;
    default:
      return null;
  }
}
