// Worker thread body: parses tasks sent by the pool in ./pool.ts. Holds no state between tasks.
import { parentPort } from 'node:worker_threads';
import { runParseTask, type ParseTask } from './parse.js';
import type { Limits } from './limits.js';

// One message holds a batch of tasks (many small files); one reply carries all their results.
parentPort!.on('message', (msg: { ids: number[]; tasks: ParseTask[]; limits: Limits }) => {
  const results = msg.tasks.map((task) => {
    try {
      return runParseTask(task, msg.limits);
    } catch (err) {
      return { docs: [], errors: [{ file: task.file, line: 1, message: `internal parser failure: ${String(err)}` }] };
    }
  });
  parentPort!.postMessage({ ids: msg.ids, results });
});
