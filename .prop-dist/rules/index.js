import { rules as sidecar } from './sidecar/index.js';
import { rules as egress } from './egress/index.js';
import { rules as hijack } from './hijack/index.js';
import { rules as authz } from './authz/index.js';
import { rules as multicluster } from './multicluster/index.js';
import { rules as advisories } from './advisories/index.js';
import { rules as insights } from './insights/index.js';
import { rules as federation } from './federation/index.js';
/** Every rule meshward ships, sorted by ID. */
export const allRules = [...sidecar, ...egress, ...hijack, ...authz, ...multicluster, ...advisories, ...insights, ...federation].sort((a, b) => a.meta.id < b.meta.id ? -1 : a.meta.id > b.meta.id ? 1 : 0);
export function findRule(id) {
    const want = id.toUpperCase();
    return allRules.find((r) => r.meta.id === want);
}
