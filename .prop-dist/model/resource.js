import { setOwn } from './own.js';
export function refOf(r) {
    return { cluster: r.cluster, apiVersion: r.apiVersion, kind: r.kind, namespace: r.namespace, name: r.name };
}
export function groupOf(apiVersion) {
    const slash = apiVersion.indexOf('/');
    return slash < 0 ? '' : apiVersion.slice(0, slash);
}
/** `Kind` or `group/Kind`: the key the kind index uses. */
export function kindKey(group, kind) {
    return group ? `${group}/${kind}` : kind;
}
/** Human-readable `Kind ns/name` (or `Kind name` when cluster-scoped). */
export function describe(r) {
    return r.namespace ? `${r.kind} ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`;
}
/** Kinds without a namespace. Unknown kinds are treated as namespaced, as most CRDs are. */
const CLUSTER_SCOPED = new Set([
    'Namespace',
    'Node',
    'PersistentVolume',
    'ClusterRole',
    'ClusterRoleBinding',
    'CustomResourceDefinition',
    'StorageClass',
    'PriorityClass',
    'RuntimeClass',
    'IngressClass',
    'GatewayClass',
    'ValidatingWebhookConfiguration',
    'MutatingWebhookConfiguration',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
    'MutatingAdmissionPolicy',
    'MutatingAdmissionPolicyBinding',
    'APIService',
    'CertificateSigningRequest',
    'ClusterPolicy',
    'ClusterIssuer',
    'VolumeAttachment',
    'CSIDriver',
    'CSINode',
    'FlowSchema',
    'PriorityLevelConfiguration',
]);
export function isClusterScoped(kind) {
    return CLUSTER_SCOPED.has(kind);
}
/** `spec.containers[0].name`; built with join so the result is one flat string (findings keep it). */
export function pathToString(path) {
    const parts = [];
    for (const seg of path) {
        if (typeof seg === 'number')
            parts.push(`[${seg}]`);
        else if (/^[A-Za-z_$][\w$-]*$/.test(seg))
            parts.push(parts.length ? `.${seg}` : seg);
        else
            parts.push(`[${JSON.stringify(seg)}]`);
    }
    return parts.join('');
}
/**
 * Labels and annotations as strings, for every door (files, live clusters, the sanitizer's proofs):
 * scalars of other types are stringified as Kubernetes tooling would, anything else is dropped, and
 * keys named like Object.prototype members stay plain data.
 */
export function stringMap(m) {
    const out = {};
    if (!m || typeof m !== 'object' || Array.isArray(m))
        return out;
    for (const [k, v] of Object.entries(m)) {
        if (typeof v === 'string')
            setOwn(out, k, v);
        else if (typeof v === 'number' || typeof v === 'boolean')
            setOwn(out, k, String(v));
    }
    return out;
}
