// Entry point of the `meshward` command (bin/meshward.js loads this file from dist/).
import { main } from './main.js';

// `meshward scan . | head -1`: the reader goes away and the next write fails with EPIPE. That is not
// an error of meshward's; stop writing quietly (the exit code is still the run's). Other stream
// errors are real and reported.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    process.exitCode = 2;
    if (stream !== process.stderr) process.stderr.write(`meshward: cannot write output: ${err.code ?? err.message}\n`);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`meshward: internal error: ${err?.stack ?? err}\n`);
    process.exitCode = 2;
  },
);
