/** Groups where kinds named without a group live, after the core group (rules write `Deployment`). */
export const BARE_KIND_GROUPS = {
    Deployment: 'apps',
    StatefulSet: 'apps',
    DaemonSet: 'apps',
    ReplicaSet: 'apps',
    Job: 'batch',
    CronJob: 'batch',
    Ingress: 'networking.k8s.io',
    NetworkPolicy: 'networking.k8s.io',
    Role: 'rbac.authorization.k8s.io',
    RoleBinding: 'rbac.authorization.k8s.io',
    ClusterRole: 'rbac.authorization.k8s.io',
    ClusterRoleBinding: 'rbac.authorization.k8s.io',
    MutatingWebhookConfiguration: 'admissionregistration.k8s.io',
    ValidatingWebhookConfiguration: 'admissionregistration.k8s.io',
    CustomResourceDefinition: 'apiextensions.k8s.io',
};
export class DiscoveryError extends Error {
    status;
    constructor(status, message) {
        super(message);
        this.status = status;
        this.name = 'DiscoveryError';
    }
}
/** Splits `group/Kind` (the last slash: groups hold dots, never slashes) or `Kind`. */
export function splitKindKey(key) {
    const slash = key.lastIndexOf('/');
    return slash < 0 ? { group: null, kind: key } : { group: key.slice(0, slash), kind: key.slice(slash + 1) };
}
export async function discover(api, keys) {
    const core = await api.getJson('/api/v1', 'discovery');
    const coreResources = parseResourceList(core);
    const groupList = await api.getJson('/apis', 'discovery');
    const groups = new Map();
    const rawGroups = Array.isArray(groupList?.groups) ? groupList.groups : [];
    for (const g of rawGroups) {
        if (!g || typeof g.name !== 'string' || groups.has(g.name))
            continue;
        const listed = Array.isArray(g.versions) ? g.versions.map((v) => v?.version).filter((v) => typeof v === 'string' && v !== '') : [];
        const preferred = typeof g.preferredVersion?.version === 'string' && g.preferredVersion.version ? g.preferredVersion.version : listed[0];
        if (!preferred)
            continue;
        const versions = [preferred, ...listed.filter((v) => v !== preferred)].slice(0, 16);
        groups.set(g.name, versions.map((version) => ({ version, resources: null })));
    }
    const versionResources = async (name, info) => {
        if (info.resources === null && !info.error) {
            try {
                info.resources = parseResourceList(await api.getJson(`/apis/${encodeURIComponent(name)}/${encodeURIComponent(info.version)}`, 'discovery'));
            }
            catch (err) {
                if (!(err instanceof DiscoveryError))
                    throw err; // the connection itself failed: the cluster's error
                info.error = { status: err.status, message: err.message };
            }
        }
        return info;
    };
    const result = { resolved: [], absent: [], failed: [] };
    const seen = new Set();
    for (const key of keys) {
        if (seen.has(key))
            continue;
        seen.add(key);
        const { group, kind } = splitKindKey(key);
        const candidates = group !== null ? [group] : ['', ...(Object.hasOwn(BARE_KIND_GROUPS, kind) ? [BARE_KIND_GROUPS[kind]] : [])];
        let found = null;
        let failure = null;
        let groupMissing = true;
        for (const g of candidates) {
            if (g === '') {
                groupMissing = false;
                const r = pick(coreResources, kind);
                if (r)
                    found = { key, group: '', version: 'v1', kind, resource: r.name, namespaced: r.namespaced, apiVersion: 'v1' };
            }
            else {
                const versions = groups.get(g);
                if (!versions)
                    continue;
                groupMissing = false;
                // The preferred version first; older ones only when the kind is not there.
                for (const v of versions) {
                    const info = await versionResources(g, v);
                    if (info.error) {
                        failure ??= info.error;
                        continue;
                    }
                    const r = pick(info.resources ?? [], kind);
                    if (r) {
                        found = { key, group: g, version: info.version, kind, resource: r.name, namespaced: r.namespaced, apiVersion: `${g}/${info.version}` };
                        break;
                    }
                }
            }
            if (found)
                break;
        }
        if (found) {
            result.resolved.push(found);
            continue;
        }
        if (failure)
            result.failed.push({ key, ...failure });
        else if (groupMissing && group !== null)
            result.absent.push({ key, reason: `API group ${group} is not served (its CRDs are not installed)` });
        else
            result.absent.push({ key, reason: group !== null ? `API group ${group} serves no kind ${kind} (CRD not installed?)` : `no API group this cluster serves has kind ${kind}` });
    }
    return result;
}
function pick(list, kind) {
    // Subresources (`pods/log`) share the kind; only the top-level resource with `list` is wanted.
    return list.find((r) => r.kind === kind && !r.name.includes('/') && r.verbs.includes('list')) ?? null;
}
function parseResourceList(doc) {
    const list = doc?.resources;
    if (!Array.isArray(list))
        return [];
    const out = [];
    for (const r of list) {
        if (!r || typeof r.name !== 'string' || typeof r.kind !== 'string')
            continue;
        if (!/^[a-z0-9][a-z0-9.\-/]*$/.test(r.name))
            continue; // used in a URL path: plain names only
        out.push({ name: r.name, kind: r.kind, namespaced: r.namespaced === true, verbs: Array.isArray(r.verbs) ? r.verbs.filter((v) => typeof v === 'string') : [] });
    }
    return out;
}
