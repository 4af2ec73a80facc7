import { Worker } from 'node:worker_threads';
import { runParseTask } from './parse.js';
import { readInput, tasksForFile } from './read.js';
import { phase, threadCpuMs, timingNote, timingsEnabled } from './timings.js';
/** Below this much text, starting a worker (~30 ms) costs more than it saves. */
export const PARALLEL_MIN_BYTES = 4 * 1024 * 1024;
const WORKER_URL = new URL('./parse-worker.js', import.meta.url);
/**
 * A parse worker started before it is needed, or null. A worker takes 60-200 ms to boot and load
 * its modules; started while the main thread still lists or reads the files, it is parsing by the
 * time they are known instead of that much later.
 */
let spare = null;
/** Starts a parse worker for the next parse to take (at most one waits). */
export function prestartParseWorker() {
    if (spare)
        return;
    const s = { worker: new Worker(WORKER_URL), failed: false };
    // A failure before the worker is taken: noted here (an 'error' without a listener would throw),
    // and the worker replaced when taken.
    s.worker.on('error', () => (s.failed = true));
    // Waiting unused, it must not keep the process alive.
    s.worker.unref();
    spare = s;
}
/** Stops the started worker if no parse took it. */
export function dropSpareParseWorker() {
    if (spare)
        void spare.worker.terminate();
    spare = null;
}
/** The started worker, or a new one. */
function takeWorker() {
    const s = spare;
    spare = null;
    if (!s)
        return new Worker(WORKER_URL);
    if (s.failed) {
        void s.worker.terminate();
        return new Worker(WORKER_URL);
    }
    s.worker.ref();
    return s.worker;
}
/**
 * Parses tasks with `jobs` threads and returns the results in task order. The calling thread parses
 * its own share instead of waiting, then receives the workers' results, which have queued up meanwhile.
 */
export async function parseAll(tasks, limits, jobs) {
    const totalBytes = tasks.reduce((n, t) => n + t.text.length, 0);
    const workerCount = Math.min(jobs - 1, tasks.length - 1);
    if (workerCount < 1 || totalBytes < PARALLEL_MIN_BYTES)
        return tasks.map((t) => runParseTask(t, limits));
    // Static partition by bytes: the main thread takes the first share, each worker a later slice.
    // Measured on 100k resources: an even split beats giving the main thread less, because a worker
    // pays for serialising its results and for its own garbage collection.
    const mainShare = totalBytes / (workerCount + 1);
    const workerShare = (totalBytes - mainShare) / workerCount;
    const slices = [[]];
    let acc = 0;
    tasks.forEach((t, i) => {
        const limit = mainShare + workerShare * (slices.length - 1);
        if (acc >= limit && slices.length < workerCount + 1)
            slices.push([]);
        slices[slices.length - 1].push(i);
        acc += t.text.length;
    });
    const results = new Array(tasks.length);
    const workers = slices.slice(1).map((ids) => new Promise((resolve, reject) => {
        if (!ids.length)
            return resolve();
        const worker = takeWorker();
        const batches = messageBatches(ids, tasks);
        let pending = batches.length;
        worker.on('message', (msg) => {
            msg.ids.forEach((id, i) => (results[id] = msg.results[i]));
            if (--pending === 0)
                void worker.terminate().then(() => resolve());
        });
        worker.on('error', reject);
        for (const batch of batches)
            worker.postMessage({ kind: 'tasks', ids: batch, tasks: batch.map((id) => tasks[id]), limits });
    }));
    for (const id of slices[0])
        results[id] = runParseTask(tasks[id], limits);
    phase('main thread share parsed');
    await Promise.all(workers);
    return results;
}
/**
 * Tasks grouped into messages of about BATCH_BYTES: thousands of small files must not cost a
 * message (and a structured clone, and an event-loop turn) each, yet results should flow back while
 * the main thread still parses its own share.
 */
const BATCH_BYTES = 1024 * 1024;
function messageBatches(ids, tasks) {
    const out = [];
    let cur = [];
    let bytes = 0;
    for (const id of ids) {
        cur.push(id);
        bytes += tasks[id].text.length;
        if (bytes >= BATCH_BYTES) {
            out.push(cur);
            cur = [];
            bytes = 0;
        }
    }
    if (cur.length)
        out.push(cur);
    return out;
}
/** Slots of the shared counters of parseFilesByPath. */
const NEXT_FILE = 0;
const DOCUMENTS = 1;
/**
 * Reads, splits and parses one file. `counters` is shared by every thread: once the documents
 * counted by all threads pass `maxDocuments`, files are still read and counted (the error states
 * the total) but no longer parsed, so an input of millions of tiny documents is refused cheaply.
 */
export function processFile(filePath, shown, fileIndex, limits, counters) {
    const readErrors = [];
    const file = readInput(filePath, shown, limits, readErrors);
    if (!file)
        return { file: null, readErrors, docCount: 0, results: [] };
    const { tasks, docCount } = tasksForFile(file, fileIndex);
    const documentsSoFar = Atomics.add(counters, DOCUMENTS, docCount) + docCount;
    const results = documentsSoFar > limits.maxDocuments ? [] : tasks.map((t) => runParseTask(t, limits));
    return { file, readErrors, docCount, results };
}
/**
 * Whether to read and parse by path (parseFilesByPath) rather than read everything here and parse
 * by bytes (parseAll). By path balances the threads a whole file at a time, so it needs enough
 * files and no file that alone outweighs a thread's share (parseAll cuts a large file into ~1 MB
 * tasks for several threads); and, like parseAll, enough bytes to pay for starting a worker. File
 * sizes come from stat: all of them for a few hundred files, only until the byte threshold for
 * thousands (13,000 stats would cost more than they save, and so many files balance anyway).
 */
export function worthReadingByPath(paths, jobs, statSize) {
    if (jobs < 2 || paths.length < BY_PATH_FILES_PER_THREAD * jobs)
        return false;
    let total = 0;
    let largest = 0;
    for (const p of paths) {
        const size = statSize(p);
        total += size;
        largest = Math.max(largest, size);
        if (paths.length >= MANY_FILES && total >= PARALLEL_MIN_BYTES)
            return true;
    }
    return total >= PARALLEL_MIN_BYTES && largest <= total / (2 * jobs);
}
/** From this many files on, the byte threshold alone decides. */
export const MANY_FILES = 256;
/** Fewer files than this per thread balance too coarsely a file at a time. */
const BY_PATH_FILES_PER_THREAD = 4;
/**
 * Many files: each thread reads the files it parses. The threads take the next file from one
 * shared counter (Atomics), so the work balances itself whatever the file sizes, and reading (a
 * system call or four per file) is spread over the threads too instead of preceding all parsing on
 * the main thread. Workers post their outcomes in ~1 MB batches; the main thread lets them in
 * between its own files (their deserialisation is main-thread work, which the shared counter then
 * balances too). Outcomes come back in path order.
 */
export async function parseFilesByPath(paths, shown, limits, jobs) {
    const counters = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
    const outcomes = new Array(paths.length);
    const workerCount = Math.max(0, Math.min(jobs - 1, paths.length - 1));
    const workers = Array.from({ length: workerCount }, () => new Promise((resolve, reject) => {
        const worker = takeWorker();
        worker.on('message', (msg) => {
            msg.ids.forEach((id, i) => (outcomes[id] = msg.outcomes[i]));
            if (msg.cpuMs !== undefined)
                timingNote(`parse worker: ${msg.files} files, thread cpu ${(msg.cpuMs / 1000).toFixed(2)} s`);
            if (msg.done)
                void worker.terminate().then(() => resolve());
        });
        worker.on('error', reject);
        worker.postMessage({ kind: 'paths', paths, shown, counters: counters.buffer, limits });
    }));
    // Handled from now on: a worker failing while this thread yields must not be an unhandled rejection.
    const allWorkers = Promise.all(workers);
    allWorkers.catch(() => undefined);
    let sinceYield = 0;
    let ownFiles = 0;
    for (;;) {
        const id = Atomics.add(counters, NEXT_FILE, 1);
        if (id >= paths.length)
            break;
        const outcome = processFile(paths[id], shown[id], id, limits, counters);
        outcomes[id] = outcome;
        ownFiles++;
        sinceYield += outcome.file?.text.length ?? 0;
        if (workerCount && sinceYield >= BATCH_BYTES) {
            sinceYield = 0;
            // One event-loop turn: worker batches that arrived are taken in now, not all at the end.
            await new Promise((resolve) => setImmediate(resolve));
        }
    }
    phase(`main thread share parsed (${ownFiles} files)`);
    await allWorkers;
    return outcomes;
}
export function workerParseFilesByPath(paths, shown, counters, limits, post) {
    let files = 0;
    let ids = [];
    let outcomes = [];
    let bytes = 0;
    for (;;) {
        const id = Atomics.add(counters, NEXT_FILE, 1);
        if (id >= paths.length)
            break;
        let outcome;
        try {
            outcome = processFile(paths[id], shown[id], id, limits, counters);
        }
        catch (err) {
            outcome = { file: null, readErrors: [{ file: shown[id], line: 1, message: `internal parser failure: ${String(err)}` }], docCount: 0, results: [] };
        }
        ids.push(id);
        outcomes.push(outcome);
        files++;
        bytes += outcome.file?.text.length ?? 0;
        if (bytes >= BATCH_BYTES) {
            post({ ids, outcomes, done: false });
            ids = [];
            outcomes = [];
            bytes = 0;
        }
    }
    post({ ids, outcomes, done: true, ...(timingsEnabled() ? { files, cpuMs: threadCpuMs() } : {}) });
}
