import { BARE_KIND_GROUPS, splitKindKey } from './discovery.js';
import { SECRET_SELECTORS } from './secrets.js';
/** Plural resource names of the kinds rules read; an unknown kind falls back to Kubernetes' own pluralisation rule. */
const PLURALS = {
    ConfigMap: 'configmaps',
    Namespace: 'namespaces',
    Pod: 'pods',
    ReplicationController: 'replicationcontrollers',
    Secret: 'secrets',
    Service: 'services',
    ServiceAccount: 'serviceaccounts',
    Endpoints: 'endpoints',
    Node: 'nodes',
    Deployment: 'deployments',
    DaemonSet: 'daemonsets',
    ReplicaSet: 'replicasets',
    StatefulSet: 'statefulsets',
    Job: 'jobs',
    CronJob: 'cronjobs',
    NetworkPolicy: 'networkpolicies',
    Ingress: 'ingresses',
    IngressClass: 'ingressclasses',
    MutatingWebhookConfiguration: 'mutatingwebhookconfigurations',
    ValidatingWebhookConfiguration: 'validatingwebhookconfigurations',
    Role: 'roles',
    RoleBinding: 'rolebindings',
    ClusterRole: 'clusterroles',
    ClusterRoleBinding: 'clusterrolebindings',
    CustomResourceDefinition: 'customresourcedefinitions',
    WasmPlugin: 'wasmplugins',
    GRPCRoute: 'grpcroutes',
    Gateway: 'gateways',
    GatewayClass: 'gatewayclasses',
    HTTPRoute: 'httproutes',
    ReferenceGrant: 'referencegrants',
    TLSRoute: 'tlsroutes',
    TCPRoute: 'tcproutes',
    UDPRoute: 'udproutes',
    IstioOperator: 'istiooperators',
    DestinationRule: 'destinationrules',
    EnvoyFilter: 'envoyfilters',
    ServiceEntry: 'serviceentries',
    Sidecar: 'sidecars',
    VirtualService: 'virtualservices',
    WorkloadEntry: 'workloadentries',
    WorkloadGroup: 'workloadgroups',
    ProxyConfig: 'proxyconfigs',
    AuthorizationPolicy: 'authorizationpolicies',
    PeerAuthentication: 'peerauthentications',
    RequestAuthentication: 'requestauthentications',
    Telemetry: 'telemetries',
};
/** Kubernetes' default pluralisation (gengo's namer): lower case, then -s, -es or -ies. */
export function pluralOf(kind) {
    if (Object.hasOwn(PLURALS, kind))
        return PLURALS[kind];
    const k = kind.toLowerCase();
    if (/[^aeiou]y$/.test(k))
        return `${k.slice(0, -1)}ies`;
    if (/(s|x|z|ch|sh)$/.test(k))
        return `${k}es`;
    return `${k}s`;
}
/**
 * Groups the kinds the rules read by API group. A kind named without a group (`Deployment`) is granted
 * in each group discovery may find it in (the core group first, then its usual group), since the role
 * is written before any cluster is seen.
 */
export function readRole(rules) {
    const byGroup = new Map();
    let secrets = false;
    for (const rule of rules) {
        for (const key of rule.meta.reads) {
            const { group, kind } = splitKindKey(key);
            const groups = group !== null ? [group] : Object.hasOwn(BARE_KIND_GROUPS, kind) ? [BARE_KIND_GROUPS[kind]] : [''];
            for (const g of groups) {
                if (g === '' && kind === 'Secret')
                    secrets = true;
                let e = byGroup.get(g);
                if (!e)
                    byGroup.set(g, (e = new Map()));
                const plural = pluralOf(kind);
                let readers = e.get(plural);
                if (!readers)
                    e.set(plural, (readers = new Set()));
                readers.add(rule.meta.id);
            }
        }
    }
    const out = [...byGroup.entries()]
        .sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0))
        .map(([apiGroup, e]) => {
        const resources = [...e.keys()].sort();
        const readers = Object.create(null);
        for (const r of resources)
            readers[r] = [...e.get(r)].sort();
        return { apiGroup, resources, readers };
    });
    return { rules: out, secrets };
}
/** The ServiceAccount, ClusterRole and ClusterRoleBinding, with a comment for each group's reason. */
export function rbacDocuments(role, names) {
    const labels = { 'app.kubernetes.io/name': 'meshward', 'app.kubernetes.io/component': 'read-only-scanner' };
    const policyRules = role.rules.map((r) => ({ apiGroups: [r.apiGroup], resources: r.resources, verbs: ['list', 'watch'] }));
    // Discovery: system:discovery grants this to every authenticated user by default; repeated here for
    // clusters that removed that binding.
    policyRules.push({ nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/version'], verbs: ['get'] });
    const why = role.rules.flatMap((r) => r.resources.map((res) => `  ${r.apiGroup ? `${r.apiGroup}/` : ''}${res}: ${r.readers[res].join(', ')}`));
    const secretLines = role.secrets
        ? [
            'Secrets: RBAC cannot grant list by label, so list on secrets is cluster-wide; meshward itself lists only:',
            ...SECRET_SELECTORS.map((s) => `  ${decodeURIComponent(s.query)}  (${s.why})`),
            'and reduces each to derived facts (fingerprints, certificate metadata, judged kubeconfig fields) on arrival: no value is kept or shown.',
        ]
        : ['No enabled rule reads Secrets: none are granted.'];
    return [
        {
            object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: names.serviceAccount, namespace: names.namespace, labels } },
            comment: ['The identity a live scan runs as (--in-cluster, or a token of it in a kubeconfig).'],
        },
        {
            object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: names.role, labels }, rules: policyRules },
            comment: [
                'Read-only: list and watch on exactly the kinds the enabled rules read, get on the discovery endpoints.',
                'Each resource and the rules that read it:',
                ...why,
                ...secretLines,
            ],
        },
        {
            object: {
                apiVersion: 'rbac.authorization.k8s.io/v1',
                kind: 'ClusterRoleBinding',
                metadata: { name: names.binding, labels },
                roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: names.role },
                subjects: [{ kind: 'ServiceAccount', name: names.serviceAccount, namespace: names.namespace }],
            },
            comment: ['Cluster-wide: the rules read across namespaces (tenancy, hijack and trust checks compare namespaces).'],
        },
    ];
}
