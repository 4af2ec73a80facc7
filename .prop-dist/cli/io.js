import { createRequire } from 'node:module';
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
/** Thrown for bad invocations: printed without a stack, exit code 2. */
export class UsageError extends Error {
}
export const VERSION = createRequire(import.meta.url)('../../package.json').version;
/** Colour only on a terminal, never with NO_COLOR (https://no-color.org), forced by FORCE_COLOR. */
export function useColor(stream, env) {
    if (env.NO_COLOR !== undefined && env.NO_COLOR !== '')
        return false;
    if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0')
        return true;
    return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}
/** A flag that takes a whole number of at least 1; anything else is a usage error naming the flag. */
export function positiveInt(v, flag) {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
        throw new UsageError(`${flag} takes a positive whole number, not "${v}"`);
    return n;
}
