import { escapeJsonText, jsonForOutput } from '../engine/text.js';
import type { ChunkedReporter, Report, Reporter } from './types.js';

/**
 * design.md's JSON contract, as is, written through jsonForOutput(): names from manifests may hold
 * bidi, zero-width and C1 control characters, which the file carries as `\uXXXX` escapes (the parsed
 * strings are the same).
 */
export const jsonReporter: Reporter = (report) => jsonForOutput(report) + '\n';

/** Characters gathered before a chunk is handed to the writer. */
const FLUSH_AT = 1 << 20;

/**
 * The text jsonReporter writes (jsonForOutput(report) plus a newline), in chunks of about
 * 1 MiB: the findings are written one by one into their place in the array (IndentedJson). Whole, the
 * report is about 1.5 KB per finding, as large as every finding in memory several times over. Tests
 * keep the two identical.
 */
export const jsonChunks: ChunkedReporter = (report) => jsonReportChunks(report);

export function* jsonReportChunks(report: Report): Generator<string> {
  const { version, findings, ...tail } = report;
  yield* jsonArrayChunks(`{\n  "version": ${JSON.stringify(version)},\n  "findings": `, findings, 1);
  yield `,${jsonForOutput(tail).slice(1)}\n`;
}

/** About this many characters of items are stringified in one call (see jsonArrayChunks). */
const BATCH_CHARS = 16_384;

/**
 * `head` then the items as jsonForOutput(items) would write them when the array sits `depth` levels
 * deep (2 spaces each), in chunks of at most about FLUSH_AT characters. `head` is written as given:
 * a caller that makes it from untrusted values escapes it (jsonForOutput) itself.
 *
 * A few items at a time (about BATCH_CHARS of text) are given to JSON.stringify nested `depth` arrays
 * deep, which indents them exactly as they sit in the report, and the wrapping brackets are cut off:
 * JSON.stringify does all the work once, with no re-indenting of its text afterwards (stringifying
 * each item alone and re-indenting its lines with a regular expression took 3.9 s of the 20 × 10,000
 * live benchmark's main thread; making the text now takes under half the CPU: 100,000 findings,
 * 0.95-1.06 s before, 0.40-0.49 s after). Items' toJSON methods are called with
 * their index in the batch, not in the whole array (none reads it).
 */
export function* jsonArrayChunks(head: string, items: Iterable<unknown>, depth: number): Generator<string> {
  const outer = '  '.repeat(depth);
  const { start, end } = nestedCut(depth);
  let buf = `${head}[`;
  let batch: unknown[] = [];
  let size = 1;
  let any = false;
  function* flush(): Generator<string> {
    let wrapped: unknown = batch;
    for (let i = 0; i < depth; i++) wrapped = [wrapped];
    // escapeJsonText() once per batch: one regular-expression pass over text that is already there.
    const text = escapeJsonText(JSON.stringify(wrapped, null, 2));
    // `\n  ...item,\n  ...item`: the items and the line breaks before them, as they sit in the report.
    const part = text.slice(start, text.length - end);
    // Items of this size fill about BATCH_CHARS per call next time.
    size = Math.max(1, Math.min(1024, Math.floor((BATCH_CHARS * batch.length) / part.length)));
    batch = [];
    if (any && buf.length + part.length > FLUSH_AT) {
      yield buf;
      buf = '';
    }
    buf += any ? `,${part}` : part;
    any = true;
  }
  for (const item of items) {
    batch.push(item);
    if (batch.length >= size) yield* flush();
  }
  if (batch.length) yield* flush();
  buf += any ? `\n${outer}]` : ']';
  yield buf;
}

/**
 * Where the items of an array nested `depth` arrays deep start in JSON.stringify(.., null, 2) (just
 * after its `[`) and how many characters follow the last one (its closing line and the wrappers').
 */
function nestedCut(depth: number): { start: number; end: number } {
  let probe: unknown = [0];
  for (let i = 0; i < depth; i++) probe = [probe];
  const text = JSON.stringify(probe, null, 2);
  const at = text.indexOf('0');
  return { start: text.lastIndexOf('[', at) + 1, end: text.length - at - 1 };
}
