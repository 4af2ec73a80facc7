/**
 * The `--window` duration of a Prometheus query. Apart from ./prometheus.ts: the CLI checks the flag
 * before any work, and only a run that does query Prometheus loads the client.
 */
import { terminalSafe } from '../../engine/text.js';

/** The shortest and longest `--window` accepted. */
export const MIN_WINDOW_SECONDS = 60;
export const MAX_WINDOW_SECONDS = 30 * 24 * 3600;

const DURATION_UNITS: ReadonlyMap<string, number> = new Map([
  ['s', 1],
  ['m', 60],
  ['h', 3600],
  ['d', 86400],
  ['w', 7 * 86400],
]);

/**
 * A `--window` value in seconds: Prometheus-style durations (`90s`, `15m`, `1h`, `1h30m`, `7d`), from
 * 1m to 30d. Throws an Error that says what is wrong and what is accepted.
 */
export function parseWindow(text: string): number {
  const s = String(text).trim();
  const re = /([0-9]{1,7})([smhdw])/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * DURATION_UNITS.get(m[2]!)!;
    matched = re.lastIndex;
  }
  if (s === '' || matched !== s.length) {
    throw new Error(`--window ${JSON.stringify(terminalSafe(s.slice(0, 40)))} is not a duration: write it like 90s, 15m, 1h, 1h30m or 7d`);
  }
  if (total < MIN_WINDOW_SECONDS || total > MAX_WINDOW_SECONDS) {
    throw new Error(`--window ${s} is out of range: give between 1m and 30d`);
  }
  return total;
}
