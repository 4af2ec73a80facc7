import type { ChunkedReporter, Report, Reporter } from './types.js';

/** design.md's JSON contract, as is. */
export const jsonReporter: Reporter = (report) => JSON.stringify(report, null, 2) + '\n';

/** Characters gathered before a chunk is handed to the writer. */
const FLUSH_AT = 1 << 20;

/**
 * The text jsonReporter writes (JSON.stringify(report, null, 2) plus a newline), in chunks of about
 * 1 MiB: each finding is stringified on its own and indented to its place in the array. Whole, the
 * report is about 1.8 KB per finding, as large as every finding in memory several times over. A test
 * keeps the two identical.
 */
export const jsonChunks: ChunkedReporter = (report) => jsonReportChunks(report);

export function* jsonReportChunks(report: Report): Generator<string> {
  const { version, findings, ...tail } = report;
  yield* jsonArrayChunks(`{\n  "version": ${JSON.stringify(version)},\n  "findings": `, findings, 1);
  yield `,${JSON.stringify(tail, null, 2).slice(1)}\n`;
}

/**
 * `head` then the items as JSON.stringify(items, null, 2) would write them when the array sits `depth`
 * levels deep (2 spaces each), in chunks. JSON text holds no raw line breaks inside strings, so
 * re-indenting an item's lines is exact.
 */
export function* jsonArrayChunks(head: string, items: Iterable<unknown>, depth: number): Generator<string> {
  const outer = '  '.repeat(depth);
  const inner = `\n${outer}  `;
  let buf = `${head}[`;
  let n = 0;
  for (const item of items) {
    buf += `${n++ ? ',' : ''}${inner}${JSON.stringify(item, null, 2).replace(/\n/g, inner)}`;
    if (buf.length >= FLUSH_AT) {
      yield buf;
      buf = '';
    }
  }
  buf += n ? `\n${outer}]` : ']';
  yield buf;
}
