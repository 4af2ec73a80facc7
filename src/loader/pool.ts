import { Worker } from 'node:worker_threads';
import type { Limits } from './limits.js';
import { runParseTask, type ParseResult, type ParseTask } from './parse.js';

/**
 * Runs parse tasks on worker threads, `jobs` at a time, and returns the results in task order.
 * With one job, or little work, it parses on the calling thread: starting a worker costs ~30 ms,
 * more than parsing a few megabytes.
 */
export async function parseAll(tasks: ParseTask[], limits: Limits, jobs: number): Promise<ParseResult[]> {
  const totalBytes = tasks.reduce((n, t) => n + t.text.length, 0);
  const workers = Math.min(jobs, tasks.length, Math.ceil(totalBytes / (2 * 1024 * 1024)));
  if (workers <= 1) return tasks.map((t) => runParseTask(t, limits));

  const results: ParseResult[] = new Array(tasks.length);
  let next = 0;
  const url = new URL('./parse-worker.js', import.meta.url);
  await Promise.all(
    Array.from({ length: workers }, () =>
      new Promise<void>((resolve, reject) => {
        const worker = new Worker(url);
        const send = () => {
          if (next >= tasks.length) {
            void worker.terminate().then(() => resolve());
            return;
          }
          const id = next++;
          worker.postMessage({ id, task: tasks[id], limits });
        };
        worker.on('message', (msg: { id: number; result: ParseResult }) => {
          results[msg.id] = msg.result;
          send();
        });
        worker.on('error', reject);
        send();
      }),
    ),
  );
  return results;
}
