// How far V8 lets the heap grow between full collections, managed by the CLI (src/cli/bin.ts).
//
// Bounded growth (1.5x what survived the last collection) keeps the peak near the live set when a
// run holds a million findings (issue 10). While files are parsed and the model is built, though,
// everything allocated survives: the live set only grows, and bounded growth makes V8 mark the whole
// heap again every 1.5x (on the 100,000-object bench corpus: 7 full collections on the main thread
// instead of 3, their marking on the critical path). So the bound is lifted from the start of
// loading until the model is built, and put back before the rules make findings.
import v8 from 'node:v8';
/** The growth percentage the CLI bounds the heap to; null when this process does not manage it. */
let boundPercent = null;
/** Bounds heap growth to `percent` per full collection from now on (V8 reads the flag at each one). */
export function boundHeapGrowth(percent) {
    boundPercent = percent;
    v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
/** V8's own growth heuristics until restoreHeapGrowth(); nothing unless the CLI bounds growth. */
export function relaxHeapGrowth() {
    if (boundPercent !== null)
        v8.setFlagsFromString('--heap-growing-percent=0');
}
/**
 * A looser bound (`percent`, when above the CLI's) until restoreHeapGrowth(). For phases whose garbage is
 * short-lived and whose live set is bounded otherwise: the live worker pool (src/cluster/analyse-worker-pool.ts)
 * holds a few clusters at a time, and 1.5x growth made each worker collect its whole heap far more often.
 */
export function loosenHeapGrowth(percent) {
    if (boundPercent !== null && percent > boundPercent)
        v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
/** The bound again, if the CLI set one. */
export function restoreHeapGrowth() {
    if (boundPercent !== null)
        v8.setFlagsFromString(`--heap-growing-percent=${boundPercent}`);
}
