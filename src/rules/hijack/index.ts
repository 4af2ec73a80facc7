import type { Rule } from '../types.js';
import HJK001 from './HJK001-mesh-virtualservice-hijack.js';
import HJK010 from './HJK010-proxy-extension-scope.js';
import HJK011 from './HJK011-sidecar-imports-everything.js';
import HJK012 from './HJK012-mesh-export-defaults.js';
import HJK013 from './HJK013-rbac-mesh-config-writers.js';

/** The rules of this domain, in ID order. Add new rule modules here. */
export const rules: Rule[] = [HJK001, HJK010, HJK011, HJK012, HJK013];
