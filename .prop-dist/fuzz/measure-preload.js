/**
 * Preloaded (`node --import`) into CLI children that the hostile-input tests spawn: on exit, writes the
 * process's peak resident memory (KiB, worker threads included) to the file named by
 * MESHWARD_MEASURE_FILE, so a test can bound memory without platform tools.
 */
import { writeFileSync } from 'node:fs';
const target = process.env.MESHWARD_MEASURE_FILE;
if (target) {
    process.on('exit', () => {
        try {
            writeFileSync(target, String(process.resourceUsage().maxRSS));
        }
        catch {
            /* measuring must never change the outcome of the run */
        }
    });
}
