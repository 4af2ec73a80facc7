export const CATEGORY_TITLES = {
    'sidecar-bypass': 'Sidecar bypass and impersonation',
    egress: 'Egress',
    'traffic-hijack': 'Traffic hijack in multi-tenant meshes',
    'authn-authz': 'Authentication and authorization',
    multicluster: 'Kubeconfigs, remote secrets and multi-cluster',
    advisories: 'Versions and advisories',
    telemetry: 'Traffic seen in telemetry',
    federation: 'Multi-mesh federation',
};
/** Identity helper that type-checks a rule module. */
export function defineRule(rule) {
    return rule;
}
