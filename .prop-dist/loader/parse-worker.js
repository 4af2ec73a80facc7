// Worker thread body: parses for the pool in ./pool.ts. Holds no state between messages.
import { parentPort } from 'node:worker_threads';
import { runParseTask } from './parse.js';
import { workerParseFilesByPath } from './pool.js';
parentPort.on('message', (msg) => {
    if (msg.kind === 'paths') {
        // Many files: read and parse files claimed from the shared counter until none is left.
        workerParseFilesByPath(msg.paths, msg.shown, new Int32Array(msg.counters), msg.limits, (reply) => parentPort.postMessage(reply));
        return;
    }
    // One message holds a batch of tasks (pieces of files already read); one reply carries all their results.
    const results = msg.tasks.map((task) => {
        try {
            return runParseTask(task, msg.limits);
        }
        catch (err) {
            return { docs: [], errors: [{ file: task.file, line: 1, message: `internal parser failure: ${String(err)}` }] };
        }
    });
    parentPort.postMessage({ ids: msg.ids, results });
});
