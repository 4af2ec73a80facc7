import type { Rule } from '../types.js';

/** The rules of this domain, in ID order. Add new rule modules here. */
export const rules: Rule[] = [];
