import { Worker } from 'node:worker_threads';
import type { Limits } from './limits.js';
import { phase } from './timings.js';
import { runParseTask, type ParseResult, type ParseTask } from './parse.js';

/** Below this much text, starting a worker (~30 ms) costs more than it saves. */
const PARALLEL_MIN_BYTES = 4 * 1024 * 1024;

/**
 * Parses tasks with `jobs` threads and returns the results in task order. The calling thread parses
 * its own share instead of waiting, then receives the workers' results, which have queued up meanwhile.
 */
export async function parseAll(tasks: ParseTask[], limits: Limits, jobs: number): Promise<ParseResult[]> {
  const totalBytes = tasks.reduce((n, t) => n + t.text.length, 0);
  const workerCount = Math.min(jobs - 1, tasks.length - 1);
  if (workerCount < 1 || totalBytes < PARALLEL_MIN_BYTES) return tasks.map((t) => runParseTask(t, limits));

  // Static partition by bytes: the main thread takes the first share, each worker a later slice.
  // Measured on 100k resources: an even split beats giving the main thread less, because a worker
  // pays for serialising its results and for its own garbage collection.
  const mainShare = totalBytes / (workerCount + 1);
  const workerShare = (totalBytes - mainShare) / workerCount;
  const slices: number[][] = [[]];
  let acc = 0;
  tasks.forEach((t, i) => {
    const limit = mainShare + workerShare * (slices.length - 1);
    if (acc >= limit && slices.length < workerCount + 1) slices.push([]);
    slices[slices.length - 1].push(i);
    acc += t.text.length;
  });

  const results: ParseResult[] = new Array(tasks.length);
  const url = new URL('./parse-worker.js', import.meta.url);
  const workers = slices.slice(1).map(
    (ids) =>
      new Promise<void>((resolve, reject) => {
        if (!ids.length) return resolve();
        const worker = new Worker(url);
        const batches = messageBatches(ids, tasks);
        let pending = batches.length;
        worker.on('message', (msg: { ids: number[]; results: ParseResult[] }) => {
          msg.ids.forEach((id, i) => (results[id] = msg.results[i]));
          if (--pending === 0) void worker.terminate().then(() => resolve());
        });
        worker.on('error', reject);
        for (const batch of batches) worker.postMessage({ ids: batch, tasks: batch.map((id) => tasks[id]), limits });
      }),
  );
  for (const id of slices[0]) results[id] = runParseTask(tasks[id], limits);
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

function messageBatches(ids: number[], tasks: ParseTask[]): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
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
  if (cur.length) out.push(cur);
  return out;
}
