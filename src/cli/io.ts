import { createRequire } from 'node:module';
import type { ReadClusters } from '../cluster/types.js';

/** What a command needs from the outside world; tests and the webhook can supply their own. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Home folder (for ~/.kube/config); default: the user's. */
  homedir?: string;
  /** Reads live clusters; default: src/cluster's readClusters. Tests put a fake here. */
  readClusters?: ReadClusters;
}

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** Thrown for bad invocations: printed without a stack, exit code 2. */
export class UsageError extends Error {}

export const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** Colour only on a terminal, never with NO_COLOR (https://no-color.org), forced by FORCE_COLOR. */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/** A flag that takes a whole number of at least 1; anything else is a usage error naming the flag. */
export function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} takes a positive whole number, not "${v}"`);
  return n;
}
