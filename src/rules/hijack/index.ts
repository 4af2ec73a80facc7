import type { Rule } from '../types.js';
import HJK001 from './HJK001-mesh-virtualservice-hijack.js';

/** The rules of this domain, in ID order. Add new rule modules here. */
export const rules: Rule[] = [HJK001];
