import yaml from 'js-yaml';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { scanJson } from './json-scan.js';
import { shapeViolation } from './shape.js';
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

// Core schema (YAML 1.2 scalars: timestamps stay strings, as the Kubernetes API sees them) plus
// merge keys, which Helm output and hand-written manifests use. No custom tags: an unknown tag is
// an error, never executed or resolved.
const SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [(yaml as any).types.merge] });

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
      value = yaml.load(chunk, { schema: SCHEMA, json: false });
    } catch (err) {
      errors.push(yamlError(task.file, span.line, lastLine(chunk, span.line), err));
      continue;
    }
    if (value === null || value === undefined) continue;
    const problem = checkShape(value, limits);
    if (problem) {
      errors.push({ file: task.file, line: span.line, message: problem });
      continue;
    }
    docs.push({ fileIndex: task.fileIndex, start: task.offset + span.start, end: task.offset + span.end, line: span.line, value });
  }
  return { docs, errors };
}

/** Line number of the last line of a chunk (js-yaml reports end-of-input errors one line past it). */
function lastLine(chunk: string, firstLine: number): number {
  let n = firstLine;
  for (let i = chunk.indexOf('\n'); i >= 0 && i < chunk.length - 1; i = chunk.indexOf('\n', i + 1)) n++;
  return n;
}

function yamlError(file: string, docLine: number, maxLine: number, err: unknown): LoadError {
  if (err instanceof RangeError) {
    // js-yaml recurses per nesting level; a stack overflow means absurd nesting.
    return { file, line: docLine, message: 'document is nested too deeply to parse (possible nesting bomb)' };
  }
  const e = err as { reason?: string; mark?: { line?: number }; message?: string };
  // Never echo js-yaml's snippet: it quotes the input, which may hold secrets.
  const reason = e.reason ?? String(e.message ?? err).split('\n')[0];
  const line = typeof e.mark?.line === 'number' ? Math.min(docLine + e.mark.line, maxLine) : docLine;
  return { file, line, message: `invalid YAML: ${reason}` };
}

function parseJsonTask(task: ParseTask, limits: Limits): ParseResult {
  const text = task.text;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse says nothing useful about where; jsonc-parser does.
    const perrs: ParseError[] = [];
    parseJsonc(text, perrs, { disallowComments: true, allowTrailingComma: false });
    const first = perrs[0];
    const pos = first ? positionOf(lineStarts(text), first.offset) : { line: 1, column: 1 };
    const what = first ? printParseErrorCode(first.error) : 'unreadable JSON';
    return { docs: [], errors: [{ file: task.file, line: pos.line, message: `invalid JSON: ${what} at column ${pos.column}` }] };
  }
  const scan = scanJson(text);
  const starts = lineStarts(text);
  if (scan.duplicate) {
    return { docs: [], errors: [{ file: task.file, line: positionOf(starts, scan.duplicate.offset).line, message: `invalid JSON: duplicated key "${scan.duplicate.key.slice(0, 80)}" (parsers disagree on which value wins)` }] };
  }
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
  if (text.length > limits.maxDocumentBytes) {
    return { docs: [], errors: [{ file: task.file, line: 1, message: `JSON document is ${text.length} bytes, over the limit of ${limits.maxDocumentBytes}` }] };
  }
  const problem = checkShape(value, limits);
  if (problem) return { docs: [], errors: [{ file: task.file, line: 1, message: problem }] };
  return { docs: [{ fileIndex: task.fileIndex, start: 0, end: text.length, line: 1, value }], errors: [] };
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
