import type { Rule } from '../types.js';

/** INS rules: configuration held against traffic (RuleContext.telemetry); one rule per file. */
export const rules: Rule[] = [];
