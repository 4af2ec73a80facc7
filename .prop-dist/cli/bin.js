// Entry point of the `meshward` command (bin/meshward.js loads this file from dist/).
import { main } from './main.js';
import { boundHeapGrowth } from '../engine/heap-growth.js';
import { phase, timingsEnabled, timingsReport } from '../loader/timings.js';
// Memory bounded by the input (issue 10): after each full collection V8 lets the heap grow to up to
// about 4x what survived before collecting again, so a scan that holds 250 MB of model and findings
// peaked near 1 GB. Growing by at most 1.5x keeps the peak near the live set; measured on 221,000
// findings it cut peak RSS by a quarter at no measurable cost in time (1.2x cost 1.5x the time).
// The flag is read at every collection, so setting it here, before any input is read, takes effect.
// Loading files lifts the bound until the model is built (src/engine/heap-growth.ts says why).
// An explicit `node --heap-growing-percent=N` wins.
if (!process.execArgv.some((a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent'))) {
    boundHeapGrowth(50);
}
// `meshward scan . | head -1`: the reader goes away and the next write fails with EPIPE. That is not
// an error of meshward's; stop writing quietly (the exit code is still the run's). Other stream
// errors are real and reported.
for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err) => {
        if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED')
            return;
        process.exitCode = 2;
        if (stream !== process.stderr)
            process.stderr.write(`meshward: cannot write output: ${err.code ?? err.message}\n`);
    });
}
main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    if (timingsEnabled()) {
        phase('report written');
        process.stderr.write(timingsReport().join('\n') + '\n');
    }
}, (err) => {
    process.stderr.write(`meshward: internal error: ${err?.stack ?? err}\n`);
    process.exitCode = 2;
});
