// Phase timings for performance work: `MESHWARD_TIMINGS=1 meshward scan ...` prints, on stderr at
// exit, when each phase ended (wall clock since the process started) and the process's CPU time.
// Off (the default), `phase()` is one null check.
import { performance } from 'node:perf_hooks';

interface Mark {
  name: string;
  at: number;
}

const marks: Mark[] | null = process.env.MESHWARD_TIMINGS === '1' ? [] : null;

/** Records that the phase `name` has just ended. */
export function phase(name: string): void {
  if (marks) marks.push({ name, at: performance.now() });
}

export function timingsEnabled(): boolean {
  return marks !== null;
}

/** The recorded phases as lines (empty when timings are off). */
export function timingsReport(): string[] {
  if (!marks) return [];
  const out: string[] = [];
  let prev = 0;
  for (const m of marks) {
    out.push(`meshward timings: ${m.name.padEnd(28)} +${((m.at - prev) / 1000).toFixed(3)} s  at ${(m.at / 1000).toFixed(3)} s`);
    prev = m.at;
  }
  const u = process.resourceUsage();
  out.push(`meshward timings: cpu user ${(u.userCPUTime / 1e6).toFixed(2)} s, system ${(u.systemCPUTime / 1e6).toFixed(2)} s, peak RSS ${Math.round(u.maxRSS / 1024)} MB`);
  return out;
}
