/**
 * A Prometheus text exposition (format 0.0.4) or OpenMetrics 1.0 file read into TrafficEdge values.
 *
 * Only Istio's standard metrics are read (./edges.ts lists them); every other line is skipped without
 * being parsed further. The one npm candidate (parse-prometheus-text-format) turns every metric of the
 * file into objects; we need a bound on every dimension and to skip all but a handful of metrics
 * before reading their labels, so this is a small parser of our own, tested against both formats.
 *
 * Bounds (each cut is a note, never an error): input size, line length, labels per series, label value
 * length (./edges.ts), series read, distinct edges. A malformed line is a note naming file:line and
 * what is wrong; the rest of the file is still read. Label names and values are plain data kept in
 * Maps: `__proto__` is a label like any other.
 *
 * Grammar accepted (the union of both formats, as Prometheus's own scraper accepts it):
 *   line      = comment | sample | blank
 *   comment   = "#" anything            ("# EOF" ends an OpenMetrics file; HELP/TYPE/UNIT are skipped)
 *   sample    = name [ "{" labels "}" ] value [ timestamp ] [ "#" exemplar ]
 *             | "{" quoted-name [ "," labels ] "}" value ...     (Prometheus 3 UTF-8 names)
 *   labels    = label { "," label } [ "," ]
 *   label     = (name | quoted) "=" quoted
 *   quoted    = '"' { char | "\\\\" | '\\"' | "\\n" } '"'
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { terminalSafe } from '../../engine/text.js';
import { buildTrafficFacts } from '../facts.js';
import { DEFAULT_EDGE_LIMITS, EdgeAccumulator, edgeFieldOf } from './edges.js';
export const DEFAULT_EXPOSITION_LIMITS = Object.freeze({
    ...DEFAULT_EDGE_LIMITS,
    maxBytes: 256 * 1024 * 1024,
    maxLineChars: 64 * 1024,
    maxLabels: 64,
    maxSeries: 1_000_000,
    maxLineNotes: 20,
});
class BadLine extends Error {
}
const NAME_START = /[A-Za-z_:]/;
const NAME_CHAR = /[A-Za-z0-9_:]/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FLOAT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const SPECIAL_FLOATS = new Map([
    ['NaN', NaN],
    ['+Inf', Infinity],
    ['Inf', Infinity],
    ['-Inf', -Infinity],
]);
function parseFloatStrict(token) {
    if (FLOAT.test(token))
        return Number(token);
    return SPECIAL_FLOATS.get(token);
}
const isSpace = (c) => c === ' ' || c === '\t';
/**
 * Incremental parser: push() text as it arrives, end() once. Lines are split here, so a huge line is
 * dropped as it streams past instead of being buffered whole.
 */
export class ExpositionParser {
    limits;
    where;
    acc;
    lineNotes = [];
    otherNotes = [];
    partial = '';
    skippingLongLine = false;
    lineNo = 0;
    consumed = 0;
    stopped = false;
    afterEof = false;
    linesAfterEof = 0;
    badLines = 0;
    samples = 0;
    seriesOverLimit = 0;
    notedEofLine = {};
    constructor(options = {}) {
        this.limits = { ...DEFAULT_EXPOSITION_LIMITS, ...options.limits };
        this.where = terminalSafe(options.name ?? 'metrics');
        this.acc = new EdgeAccumulator(this.limits);
    }
    /** Feeds the next piece of text. Pieces may split lines anywhere. */
    push(chunk) {
        if (this.stopped)
            return;
        let text = chunk;
        if (this.consumed + text.length > this.limits.maxBytes) {
            text = text.slice(0, Math.max(0, this.limits.maxBytes - this.consumed));
            this.stopped = true;
        }
        this.consumed += text.length;
        let start = 0;
        for (;;) {
            const nl = text.indexOf('\n', start);
            if (nl < 0)
                break;
            const piece = text.slice(start, nl);
            start = nl + 1;
            this.lineNo++;
            if (this.skippingLongLine) {
                this.skippingLongLine = false;
                this.partial = '';
                continue;
            }
            const line = this.partial ? this.partial + piece : piece;
            this.partial = '';
            if (line.length > this.limits.maxLineChars)
                this.bad(`line longer than ${this.limits.maxLineChars} characters, skipped`);
            else
                this.line(line);
        }
        if (!this.skippingLongLine && start < text.length) {
            this.partial += text.slice(start);
            if (this.partial.length > this.limits.maxLineChars) {
                this.skippingLongLine = true;
                this.partial = '';
                this.bad(`line longer than ${this.limits.maxLineChars} characters, skipped`, this.lineNo + 1);
            }
        }
        if (this.stopped)
            this.otherNotes.push(`${this.where}: only the first ${this.limits.maxBytes} bytes were read (input size limit); the last, partial line was dropped`);
    }
    /**
     * Ends the input. `truncated` says the caller cut the input (a file over the size limit): the last
     * line without a newline is then dropped rather than read half.
     */
    end(truncated = false) {
        if (truncated && !this.stopped) {
            this.stopped = true;
            this.otherNotes.push(`${this.where}: only the first ${this.limits.maxBytes} bytes were read (input size limit); the last, partial line was dropped`);
        }
        if (!this.stopped && !this.skippingLongLine && this.partial !== '') {
            this.lineNo++;
            const line = this.partial;
            this.partial = '';
            this.line(line);
        }
        this.stopped = true;
        const notes = [...this.lineNotes];
        if (this.badLines > this.lineNotes.length)
            notes.push(`${this.where}: ${this.badLines - this.lineNotes.length} more malformed line(s) skipped`);
        if (this.seriesOverLimit > 0)
            notes.push(`${this.where}: ${this.seriesOverLimit} Istio sample(s) ignored beyond the series limit of ${this.limits.maxSeries}`);
        if (this.linesAfterEof > 0)
            notes.push(`${this.where}:${this.notedEofLine.line}: ${this.linesAfterEof} line(s) after "# EOF" ignored`);
        notes.push(...this.acc.notes(this.where), ...this.otherNotes);
        return { edges: this.acc.result(), notes, samples: this.samples };
    }
    bad(reason, lineNo = this.lineNo) {
        this.badLines++;
        if (this.lineNotes.length < this.limits.maxLineNotes)
            this.lineNotes.push(`${this.where}:${lineNo}: ${reason}`);
    }
    line(raw) {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (this.afterEof) {
            if (line.trim() !== '') {
                this.linesAfterEof++;
                this.notedEofLine.line ??= this.lineNo;
            }
            return;
        }
        let i = 0;
        while (isSpace(line[i]))
            i++;
        if (i === line.length)
            return;
        if (line[i] === '#') {
            if (/^#[ \t]+EOF[ \t]*$/.test(line.slice(i)))
                this.afterEof = true;
            return;
        }
        try {
            this.sample(line, i);
        }
        catch (e) {
            if (e instanceof BadLine)
                this.bad(e.message);
            else
                throw e;
        }
    }
    sample(line, start) {
        let i = start;
        let name = '';
        if (NAME_START.test(line[i] ?? '')) {
            const from = i;
            while (i < line.length && NAME_CHAR.test(line[i]))
                i++;
            name = line.slice(from, i);
            // Every metric that is not one of Istio's is skipped here, before its labels are read.
            if (edgeFieldOf(name) === undefined)
                return;
        }
        else if (line[i] !== '{') {
            throw new BadLine('expected a metric name or "{" at the start of a sample');
        }
        const labels = new Map();
        if (line[i] === '{') {
            const r = this.labels(line, i + 1, labels, name === '');
            i = r.end;
            if (name === '') {
                if (r.quotedName === undefined)
                    throw new BadLine('a sample without a metric name');
                name = r.quotedName;
                if (edgeFieldOf(name) === undefined)
                    return;
            }
        }
        const field = edgeFieldOf(name);
        if (!isSpace(line[i]))
            throw new BadLine('expected a space before the value');
        while (isSpace(line[i]))
            i++;
        const valueFrom = i;
        while (i < line.length && !isSpace(line[i]))
            i++;
        const value = parseFloatStrict(line.slice(valueFrom, i));
        if (value === undefined)
            throw new BadLine('the value is not a number');
        while (isSpace(line[i]))
            i++;
        if (i < line.length && line[i] !== '#') {
            const tsFrom = i;
            while (i < line.length && !isSpace(line[i]))
                i++;
            if (parseFloatStrict(line.slice(tsFrom, i)) === undefined)
                throw new BadLine('the timestamp is not a number');
            while (isSpace(line[i]))
                i++;
            // What may follow is an OpenMetrics exemplar (`# {...} value`), which carries nothing we use.
            if (i < line.length && line[i] !== '#')
                throw new BadLine('unexpected text after the timestamp');
        }
        if (this.samples >= this.limits.maxSeries) {
            this.seriesOverLimit++;
            return;
        }
        this.samples++;
        this.acc.add(field, labels, value);
    }
    /** Reads labels from just after `{` to just after `}`. */
    labels(line, from, out, nameMayBeQuoted) {
        let i = from;
        let quotedName;
        let first = true;
        for (;;) {
            while (isSpace(line[i]))
                i++;
            if (line[i] === '}')
                return { end: i + 1, quotedName };
            let labelName;
            if (line[i] === '"') {
                const q = readQuoted(line, i);
                i = q.end;
                while (isSpace(line[i]))
                    i++;
                if (first && nameMayBeQuoted && line[i] !== '=') {
                    quotedName = q.value;
                    first = false;
                    if (line[i] === ',')
                        i++;
                    else if (line[i] !== '}')
                        throw new BadLine('expected "," or "}" after the quoted metric name');
                    continue;
                }
                labelName = q.value;
            }
            else {
                const nameFrom = i;
                while (i < line.length && /[A-Za-z0-9_]/.test(line[i]))
                    i++;
                labelName = line.slice(nameFrom, i);
                if (!LABEL_NAME.test(labelName))
                    throw new BadLine(i >= line.length ? 'labels not closed with "}"' : 'expected a label name');
                while (isSpace(line[i]))
                    i++;
            }
            first = false;
            if (line[i] !== '=')
                throw new BadLine('expected "=" after a label name');
            i++;
            while (isSpace(line[i]))
                i++;
            if (line[i] !== '"')
                throw new BadLine('expected a quoted label value');
            const v = readQuoted(line, i);
            i = v.end;
            if (out.has(labelName))
                throw new BadLine('a label appears twice in one series');
            out.set(labelName, v.value);
            if (out.size > this.limits.maxLabels)
                throw new BadLine(`more than ${this.limits.maxLabels} labels on one series`);
            while (isSpace(line[i]))
                i++;
            if (line[i] === ',')
                i++;
            else if (line[i] !== '}')
                throw new BadLine('expected "," or "}" after a label value');
        }
    }
}
/** A quoted string starting at `line[at] === '"'`; escapes `\\`, `\"` and `\n` as both formats define them. */
function readQuoted(line, at) {
    let i = at + 1;
    let out = '';
    let runFrom = i;
    for (;;) {
        if (i >= line.length)
            throw new BadLine('a quoted string is not closed');
        const c = line[i];
        if (c === '"') {
            out += line.slice(runFrom, i);
            return { value: out, end: i + 1 };
        }
        if (c === '\\') {
            out += line.slice(runFrom, i);
            const e = line[i + 1];
            if (e === '\\')
                out += '\\';
            else if (e === '"')
                out += '"';
            else if (e === 'n')
                out += '\n';
            else
                throw new BadLine('unknown escape in a quoted string (only \\\\, \\" and \\n are defined)');
            i += 2;
            runFrom = i;
            continue;
        }
        i++;
    }
}
/** Parses a whole exposition held in memory. */
export function parseExposition(text, options = {}) {
    const parser = new ExpositionParser(options);
    parser.push(text);
    return parser.end();
}
/**
 * Reads a metrics file (`--metrics FILE`) into traffic facts. A file that cannot be read gives facts
 * with no edges and a note saying why; it never throws.
 */
export async function loadMetricsFile(path, options = {}) {
    const limits = { ...DEFAULT_EXPOSITION_LIMITS, ...options.limits };
    const shown = terminalSafe(options.name ?? path);
    const source = { kind: 'file', name: options.name ?? path, windowSeconds: options.windowSeconds ?? 0, end: new Date().toISOString() };
    try {
        const info = await stat(path);
        if (!info.isFile())
            return buildTrafficFacts(source, [], [`${shown}: not a regular file; give a Prometheus text or OpenMetrics file to --metrics`]);
        source.end = info.mtime.toISOString();
        const truncated = info.size > limits.maxBytes;
        // The stream stops at maxBytes bytes, which is never more than maxBytes characters: the parser's own cut cannot fire first.
        const parser = new ExpositionParser({ name: options.name ?? path, limits });
        const stream = createReadStream(path, { encoding: 'utf8', ...(truncated ? { end: limits.maxBytes - 1 } : {}) });
        for await (const chunk of stream)
            parser.push(chunk);
        const result = parser.end(truncated);
        return buildTrafficFacts(source, result.edges, result.notes);
    }
    catch (e) {
        const code = e.code;
        const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? 'error'})`;
        return buildTrafficFacts(source, [], [`${shown}: ${why}; no traffic facts from it`]);
    }
}
