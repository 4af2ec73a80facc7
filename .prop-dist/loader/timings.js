// Phase timings for performance work: `MESHWARD_TIMINGS=1 meshward scan ...` prints, on stderr at
// exit, when each phase ended (wall clock since the process started) and the process's CPU time.
// Off (the default), `phase()` is one null check.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
/**
 * CPU time of this thread, from Linux's /proc/thread-self/stat (utime + stime, in 10 ms ticks). On
 * a machine shared with other work, wall time says little; the main thread's CPU time per phase is
 * the critical path that changes to the loader aim at.
 */
export function threadCpuMs() {
    try {
        const stat = readFileSync('/proc/thread-self/stat', 'latin1');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return (Number(fields[11]) + Number(fields[12])) * 10;
    }
    catch {
        return -1;
    }
}
const marks = process.env.MESHWARD_TIMINGS === '1' ? [] : null;
/** Records that the phase `name` has just ended. */
export function phase(name) {
    if (marks)
        marks.push({ name, at: performance.now(), cpu: threadCpuMs() });
}
export function timingsEnabled() {
    return marks !== null;
}
const notes = [];
/** Adds a line to the report (a worker's CPU time, say). */
export function timingNote(line) {
    if (marks)
        notes.push(line);
}
/** The recorded phases as lines (empty when timings are off). */
export function timingsReport() {
    if (!marks)
        return [];
    const out = [];
    let prev = 0;
    let prevCpu = 0;
    for (const m of marks) {
        const cpu = m.cpu >= 0 ? `  main thread cpu +${((m.cpu - prevCpu) / 1000).toFixed(2)} s` : '';
        out.push(`meshward timings: ${m.name.padEnd(28)} +${((m.at - prev) / 1000).toFixed(3)} s  at ${(m.at / 1000).toFixed(3)} s${cpu}`);
        prev = m.at;
        prevCpu = m.cpu;
    }
    for (const n of notes)
        out.push(`meshward timings: ${n}`);
    const u = process.resourceUsage();
    out.push(`meshward timings: cpu user ${(u.userCPUTime / 1e6).toFixed(2)} s, system ${(u.systemCPUTime / 1e6).toFixed(2)} s, peak RSS ${Math.round(u.maxRSS / 1024)} MB`);
    return out;
}
