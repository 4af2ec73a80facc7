// Preloaded into a measured process with `node --import <this file>`: when the process exits it
// writes its peak resident set size (getrusage ru_maxrss, which covers every thread, workers
// included) and CPU times to the file named by MESHWARD_BENCH_PROBE. Costs nothing while the
// process runs, so it does not disturb what is measured.
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const target = process.env.MESHWARD_BENCH_PROBE;
if (target && isMainThread) {
  process.on('exit', (code) => {
    const u = process.resourceUsage();
    try {
      writeFileSync(target, JSON.stringify({ maxRssKB: u.maxRSS, userCpuMs: Math.round(u.userCPUTime / 1000), systemCpuMs: Math.round(u.systemCPUTime / 1000), exitCode: code }));
    } catch {
      // Measurement must never change the measured program's behaviour.
    }
  });
}
