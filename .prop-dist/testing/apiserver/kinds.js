/**
 * What the stand-in serves: the built-in resource table (the kinds meshward's rules read, the RBAC
 * kinds, and what kubectl needs), CustomResourceDefinitions turned into resources, and the CRD sets of
 * a real Istio (1.22+) and Gateway API (v1.2, standard channel plus TLSRoute) install.
 */
export const CRUD_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
function r(group, versions, name, kind, namespaced, shortNames = [], extra = {}) {
    return { group, versions, name, singularName: kind.toLowerCase(), kind, namespaced, verbs: CRUD_VERBS, shortNames, categories: [], ...extra };
}
export const BUILT_IN_RESOURCES = [
    r('', ['v1'], 'namespaces', 'Namespace', false, ['ns']),
    r('', ['v1'], 'nodes', 'Node', false, ['no']),
    r('', ['v1'], 'pods', 'Pod', true, ['po'], { categories: ['all'] }),
    r('', ['v1'], 'services', 'Service', true, ['svc'], { categories: ['all'] }),
    r('', ['v1'], 'serviceaccounts', 'ServiceAccount', true, ['sa']),
    r('', ['v1'], 'configmaps', 'ConfigMap', true, ['cm']),
    r('', ['v1'], 'secrets', 'Secret', true),
    r('', ['v1'], 'endpoints', 'Endpoints', true, ['ep'], { singularName: 'endpoints' }),
    r('', ['v1'], 'events', 'Event', true, ['ev']),
    r('', ['v1'], 'replicationcontrollers', 'ReplicationController', true, ['rc'], { categories: ['all'] }),
    r('', ['v1'], 'persistentvolumeclaims', 'PersistentVolumeClaim', true, ['pvc']),
    r('apps', ['v1'], 'deployments', 'Deployment', true, ['deploy'], { categories: ['all'] }),
    r('apps', ['v1'], 'statefulsets', 'StatefulSet', true, ['sts'], { categories: ['all'] }),
    r('apps', ['v1'], 'daemonsets', 'DaemonSet', true, ['ds'], { categories: ['all'] }),
    r('apps', ['v1'], 'replicasets', 'ReplicaSet', true, ['rs'], { categories: ['all'] }),
    r('batch', ['v1'], 'jobs', 'Job', true, [], { categories: ['all'] }),
    r('batch', ['v1'], 'cronjobs', 'CronJob', true, ['cj'], { categories: ['all'] }),
    r('networking.k8s.io', ['v1'], 'networkpolicies', 'NetworkPolicy', true, ['netpol']),
    r('networking.k8s.io', ['v1'], 'ingresses', 'Ingress', true, ['ing']),
    r('networking.k8s.io', ['v1'], 'ingressclasses', 'IngressClass', false),
    r('discovery.k8s.io', ['v1'], 'endpointslices', 'EndpointSlice', true),
    r('policy', ['v1'], 'poddisruptionbudgets', 'PodDisruptionBudget', true, ['pdb']),
    r('rbac.authorization.k8s.io', ['v1'], 'roles', 'Role', true),
    r('rbac.authorization.k8s.io', ['v1'], 'rolebindings', 'RoleBinding', true),
    r('rbac.authorization.k8s.io', ['v1'], 'clusterroles', 'ClusterRole', false),
    r('rbac.authorization.k8s.io', ['v1'], 'clusterrolebindings', 'ClusterRoleBinding', false),
    r('admissionregistration.k8s.io', ['v1'], 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false),
    r('admissionregistration.k8s.io', ['v1'], 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false),
    r('apiextensions.k8s.io', ['v1'], 'customresourcedefinitions', 'CustomResourceDefinition', false, ['crd', 'crds']),
    r('authorization.k8s.io', ['v1'], 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, [], { verbs: ['create'] }),
    r('authorization.k8s.io', ['v1'], 'subjectaccessreviews', 'SubjectAccessReview', false, [], { verbs: ['create'] }),
];
/** Kinds that are never stored (requests computed on the spot). */
export const VIRTUAL_RESOURCES = new Set(['authorization.k8s.io/selfsubjectaccessreviews', 'authorization.k8s.io/subjectaccessreviews']);
const ISTIO_NET = ['v1', 'v1alpha3', 'v1beta1'];
const ISTIO_SEC = ['v1', 'v1beta1'];
const IO = ['istio-io', 'networking-istio-io'];
const SEC = ['istio-io', 'security-istio-io'];
/** Istio base chart CRDs (1.22+, where the networking and security kinds serve v1). */
export const ISTIO_CRDS = [
    { group: 'networking.istio.io', versions: ISTIO_NET, plural: 'destinationrules', kind: 'DestinationRule', shortNames: ['dr'], categories: IO },
    { group: 'networking.istio.io', versions: ['v1alpha3'], plural: 'envoyfilters', kind: 'EnvoyFilter', categories: IO },
    { group: 'networking.istio.io', versions: ISTIO_NET, plural: 'gateways', kind: 'Gateway', shortNames: ['gw'], categories: IO },
    { group: 'networking.istio.io', versions: ['v1beta1'], plural: 'proxyconfigs', kind: 'ProxyConfig', categories: IO },
    { group: 'networking.istio.io', versions: ISTIO_NET, plural: 'serviceentries', kind: 'ServiceEntry', shortNames: ['se'], categories: IO },
    { group: 'networking.istio.io', versions: ISTIO_NET, plural: 'sidecars', kind: 'Sidecar', categories: IO },
    { group: 'networking.istio.io', versions: ISTIO_NET, plural: 'virtualservices', kind: 'VirtualService', shortNames: ['vs'], categories: IO },
    { group: 'networking.istio.io', versions: ISTIO_NET, plural: 'workloadentries', kind: 'WorkloadEntry', shortNames: ['we'], categories: IO },
    { group: 'networking.istio.io', versions: ISTIO_NET, plural: 'workloadgroups', kind: 'WorkloadGroup', shortNames: ['wg'], categories: IO },
    { group: 'security.istio.io', versions: ISTIO_SEC, plural: 'authorizationpolicies', kind: 'AuthorizationPolicy', shortNames: ['ap'], categories: SEC },
    { group: 'security.istio.io', versions: ISTIO_SEC, plural: 'peerauthentications', kind: 'PeerAuthentication', shortNames: ['pa'], categories: SEC },
    { group: 'security.istio.io', versions: ISTIO_SEC, plural: 'requestauthentications', kind: 'RequestAuthentication', shortNames: ['ra'], categories: SEC },
    { group: 'telemetry.istio.io', versions: ['v1', 'v1alpha1'], plural: 'telemetries', kind: 'Telemetry', shortNames: ['telemetry'], categories: ['istio-io', 'telemetry-istio-io'] },
    { group: 'extensions.istio.io', versions: ['v1alpha1'], plural: 'wasmplugins', kind: 'WasmPlugin', categories: ['istio-io', 'extensions-istio-io'] },
];
/** Gateway API v1.2 standard channel, plus TLSRoute from the experimental channel (Istio reads it). */
export const GATEWAY_API_CRDS = [
    { group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], plural: 'gatewayclasses', kind: 'GatewayClass', namespaced: false, shortNames: ['gc'], categories: ['gateway-api'] },
    { group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], plural: 'gateways', kind: 'Gateway', shortNames: ['gtw'], categories: ['gateway-api'] },
    { group: 'gateway.networking.k8s.io', versions: ['v1', 'v1beta1'], plural: 'httproutes', kind: 'HTTPRoute', categories: ['gateway-api'] },
    { group: 'gateway.networking.k8s.io', versions: ['v1'], plural: 'grpcroutes', kind: 'GRPCRoute', categories: ['gateway-api'] },
    { group: 'gateway.networking.k8s.io', versions: ['v1beta1'], plural: 'referencegrants', kind: 'ReferenceGrant', shortNames: ['refgrant'], categories: ['gateway-api'] },
    { group: 'gateway.networking.k8s.io', versions: ['v1alpha2'], plural: 'tlsroutes', kind: 'TLSRoute', categories: ['gateway-api'] },
];
/** A CustomResourceDefinition object as `kubectl get crd -o yaml` shows it (the fields discovery reads). */
export function crdObject(spec) {
    return {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `${spec.plural}.${spec.group}` },
        spec: {
            group: spec.group,
            names: {
                plural: spec.plural,
                singular: spec.kind.toLowerCase(),
                kind: spec.kind,
                listKind: `${spec.kind}List`,
                ...(spec.shortNames ? { shortNames: spec.shortNames } : {}),
                ...(spec.categories ? { categories: spec.categories } : {}),
            },
            scope: spec.namespaced === false ? 'Cluster' : 'Namespaced',
            versions: spec.versions.map((name, i) => ({
                name,
                served: true,
                storage: i === 0,
                schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            })),
        },
    };
}
export function crdObjects(sets) {
    const out = [];
    if (sets.includes('istio'))
        out.push(...ISTIO_CRDS.map(crdObject));
    if (sets.includes('gateway-api'))
        out.push(...GATEWAY_API_CRDS.map(crdObject));
    return out;
}
function strings(v) {
    return Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];
}
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;
/**
 * The resource a CRD object defines, or a reason it defines none (the real apiserver validates these
 * fields the same way before serving anything).
 */
export function resourceFromCrd(obj) {
    const o = obj;
    const spec = o && typeof o === 'object' ? o.spec : undefined;
    if (!spec || typeof spec !== 'object')
        return 'spec is missing';
    const group = spec.group, names = spec.names;
    if (typeof group !== 'string' || !DNS_SUBDOMAIN.test(group) || !group.includes('.'))
        return 'spec.group must be a DNS subdomain with at least one dot';
    if (!names || typeof names !== 'object')
        return 'spec.names is missing';
    const plural = names.plural, kind = names.kind;
    if (typeof plural !== 'string' || !DNS_LABEL.test(plural))
        return 'spec.names.plural must be a lower-case DNS label';
    if (typeof kind !== 'string' || !KIND.test(kind))
        return 'spec.names.kind must be a CamelCase identifier';
    if (o?.metadata?.name !== `${plural}.${group}`)
        return `metadata.name must be spec.names.plural + "." + spec.group ("${plural}.${group}")`;
    const versions = Array.isArray(spec.versions) ? spec.versions.filter((v) => v && typeof v === 'object' && typeof v.name === 'string' && DNS_LABEL.test(v.name) && v.served !== false) : [];
    if (versions.length === 0)
        return 'spec.versions has no served version';
    const storage = versions.find((v) => v.storage === true) ?? versions[0];
    const ordered = [storage.name, ...versions.map((v) => v.name).filter((n) => n !== storage.name)];
    const singular = typeof names.singular === 'string' && DNS_LABEL.test(names.singular) ? names.singular : kind.toLowerCase();
    return {
        group,
        versions: ordered,
        name: plural,
        singularName: singular,
        kind,
        namespaced: spec.scope !== 'Cluster',
        verbs: CRUD_VERBS,
        shortNames: strings(names.shortNames),
        categories: strings(names.categories),
    };
}
