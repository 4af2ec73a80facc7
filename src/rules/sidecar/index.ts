import type { Rule } from '../types.js';
import BYP001 from './BYP001-proxy-uid-gid.js';

/** The rules of this domain, in ID order. Add new rule modules here. */
export const rules: Rule[] = [BYP001];
