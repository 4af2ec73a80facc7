import type { Rule } from '../types.js';

/** FED rules: the federation configuration that exists between meshes; one rule per file. */
export const rules: Rule[] = [];
