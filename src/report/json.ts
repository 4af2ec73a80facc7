import type { Reporter } from './types.js';

/** design.md's JSON contract, as is. */
export const jsonReporter: Reporter = (report) => JSON.stringify(report, null, 2) + '\n';
