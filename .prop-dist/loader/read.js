// Reading one input file and cutting it into parse tasks. Shared by the main thread and the parse
// workers: with many small files, each thread reads the files it parses (see ./pool.ts).
import fs from 'node:fs';
import path from 'node:path';
import { splitYamlDocuments } from './split.js';
/** A parse task holds about this much text: big files are parsed in parallel pieces. */
const TASK_BYTES = 1024 * 1024;
/** The parse tasks of one file (documents grouped into ~1 MB tasks) and how many documents it holds. */
export function tasksForFile(f, fileIndex) {
    if (f.format === 'json')
        return { tasks: [{ fileIndex, file: f.file, format: 'json', text: f.text, offset: 0, spans: [] }], docCount: 1 };
    const spans = splitYamlDocuments(f.text);
    const tasks = [];
    for (const batch of taskBatches(spans)) {
        const offset = batch[0].start;
        const end = batch[batch.length - 1].end;
        tasks.push({
            fileIndex,
            file: f.file,
            format: 'yaml',
            text: f.text.slice(offset, end),
            offset,
            spans: batch.map((s) => ({ start: s.start - offset, end: s.end - offset, line: s.line })),
        });
    }
    return { tasks, docCount: spans.length };
}
function* taskBatches(spans) {
    let cur = [];
    let bytes = 0;
    for (const s of spans) {
        cur.push(s);
        bytes += s.end - s.start;
        if (bytes >= TASK_BYTES) {
            yield cur;
            cur = [];
            bytes = 0;
        }
    }
    if (cur.length)
        yield cur;
}
/**
 * Reads one file: opened without blocking (a FIFO swapped in for a file cannot hang the run), its
 * size checked on the open descriptor before anything is read. Synchronous on purpose: with
 * thousands of small files, a promise (and a thread-pool round trip for each of open, stat, read
 * and close) per file cost more than the reads themselves. `file` is how the path is shown.
 */
export function readInput(filePath, file, limits, errors) {
    let fd = null;
    try {
        fd = fs.openSync(filePath, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
        const st = fs.fstatSync(fd);
        if (!st.isFile()) {
            errors.push({ file, line: 0, message: 'not a regular file; skipped' });
            return null;
        }
        if (st.size > limits.maxFileBytes) {
            errors.push({ file, line: 0, message: `file is ${st.size} bytes, over the limit of ${limits.maxFileBytes}; raise --max-file-bytes to read it` });
            return null;
        }
        const data = Buffer.allocUnsafe(st.size);
        let got = 0;
        while (got < data.length) {
            const n = fs.readSync(fd, data, got, data.length - got, null);
            if (n === 0)
                break;
            got += n;
        }
        return decodeInput(file, got === data.length ? data : data.subarray(0, got), limits, errors, path.extname(filePath).toLowerCase() === '.json');
    }
    catch (err) {
        errors.push({ file, line: 0, message: `cannot read file: ${err.code ?? String(err)}` });
        return null;
    }
    finally {
        if (fd !== null)
            fs.closeSync(fd);
    }
}
const utf8 = new TextDecoder('utf-8', { fatal: true });
export function decodeInput(file, data, limits, errors, json = false) {
    if (data.length > limits.maxFileBytes) {
        errors.push({ file, line: 0, message: `input is over the limit of ${limits.maxFileBytes} bytes; raise --max-file-bytes to read it` });
        return null;
    }
    if (data.indexOf(0) >= 0) {
        errors.push({ file, line: 0, message: 'binary file (contains NUL bytes); skipped' });
        return null;
    }
    let text;
    try {
        text = utf8.decode(data);
    }
    catch {
        errors.push({ file, line: 0, message: 'file is not valid UTF-8; skipped' });
        return null;
    }
    if (text.charCodeAt(0) === 0xfeff)
        text = text.slice(1);
    return { file, text, format: json ? 'json' : 'yaml' };
}
export function displayPath(p) {
    const rel = path.relative(process.cwd(), path.resolve(p));
    const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(p);
    return shown.split(path.sep).join('/');
}
