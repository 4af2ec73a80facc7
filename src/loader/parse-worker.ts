// Worker thread body: parses tasks sent by the pool in ./pool.ts. Holds no state between tasks.
import { parentPort } from 'node:worker_threads';
import { runParseTask, type ParseTask } from './parse.js';
import type { Limits } from './limits.js';

parentPort!.on('message', (msg: { id: number; task: ParseTask; limits: Limits }) => {
  let result;
  try {
    result = runParseTask(msg.task, msg.limits);
  } catch (err) {
    result = { docs: [], errors: [{ file: msg.task.file, line: 1, message: `internal parser failure: ${String(err)}` }] };
  }
  parentPort!.postMessage({ id: msg.id, result });
});
