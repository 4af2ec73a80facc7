/**
 * Random clusters of objects that depend on each other, for the properties that hold an analysis of
 * part of a cluster to one of the whole: the incremental engine (src/engine/incremental.test.ts) and
 * namespace scope (src/engine/scope.test.ts). The routing and policy objects come from the admission
 * corpus (decide-corpus.ts); this adds what that generator lacks.
 */
import fc from 'fast-check';
import { objectArb, NAMESPACES, type Obj } from './decide-corpus.js';
import type { TenantPolicyFile } from '../tenancy/policy.js';

/** Objects the corpus generator lacks: the mesh config (exportTo defaults), namespaces with tenant labels. */
export const meshConfigArb: fc.Arbitrary<Obj> = fc
  .record({
    vsExport: fc.constantFrom(undefined, ['.'], ['*']),
    seExport: fc.constantFrom(undefined, ['.'], ['*']),
    outbound: fc.constantFrom(undefined, 'REGISTRY_ONLY', 'ALLOW_ANY'),
  })
  .map(({ vsExport, seExport, outbound }) => {
    const mesh: string[] = [];
    if (vsExport) mesh.push(`defaultVirtualServiceExportTo: ${JSON.stringify(vsExport)}`);
    if (seExport) mesh.push(`defaultServiceExportTo: ${JSON.stringify(seExport)}`);
    if (outbound) mesh.push(`outboundTrafficPolicy: { mode: ${outbound} }`);
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh: mesh.join('\n') } };
  });
/** A mesh config that moves the root namespace (the mesh-wide policies and defaults, the system namespaces). */
export const rootMovedArb: fc.Arbitrary<Obj> = meshConfigArb.map((o) => ({ ...o, data: { mesh: `rootNamespace: shop\n${(o.data as { mesh: string }).mesh}` } }));
export const tenantNamespaceArb: fc.Arbitrary<Obj> = fc
  .record({ name: fc.constantFrom(...NAMESPACES), tenant: fc.constantFrom('blue', 'green', undefined), inject: fc.boolean() })
  .map(({ name, tenant, inject }) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { ...(tenant ? { tenant } : {}), ...(inject ? { 'istio-injection': 'enabled' } : {}) } },
  }));
/**
 * The control plane and cluster-scoped objects: istiod's Deployment (its image gives the Istio version
 * the advisory rules read, its env what AUT004 reads; in istio-system, often that namespace's only
 * object), RBAC bindings and roles (HJK013, MCL004; cluster-scoped ones have no namespace at all).
 */
export const controlPlaneArb: fc.Arbitrary<Obj> = fc
  .record({ version: fc.constantFrom('1.20.0', '1.24.2', 'latest'), verify: fc.boolean() })
  .map(({ version, verify }) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'istiod', namespace: 'istio-system', labels: { app: 'istiod' } },
    spec: {
      selector: { matchLabels: { app: 'istiod' } },
      template: {
        metadata: { labels: { app: 'istiod', istio: 'pilot' } },
        spec: { containers: [{ name: 'discovery', image: `docker.io/istio/pilot:${version}`, ...(verify ? {} : { env: [{ name: 'VERIFY_CERTIFICATE_AT_CLIENT', value: 'false' }] }) }] },
      },
    },
  }));
export const rbacArb: fc.Arbitrary<Obj> = fc.oneof(
  fc.record({ name: fc.constantFrom('a', 'b'), role: fc.constantFrom('cluster-admin', 'mesh-editor'), subject: fc.constantFrom('shop', 'payments') }).map(({ name, role, subject }) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: subject }],
  })),
  fc.record({ ns: fc.constantFrom(...NAMESPACES), role: fc.constantFrom('cluster-admin', 'mesh-editor') }).map(({ ns, role }) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'a', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'User', name: 'dev' }],
  })),
  fc.constantFrom<Obj>({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'mesh-editor' },
    rules: [{ apiGroups: ['networking.istio.io', ''], resources: ['virtualservices', 'configmaps'], verbs: ['create', 'update'] }],
  }),
);
/** The injector's ConfigMap: injection by default, the CNI plugin, the injection policy (namespace modes and BYP rules read it). */
export const injectorArb: fc.Arbitrary<Obj> = fc
  .record({ byDefault: fc.boolean(), cni: fc.boolean(), policy: fc.constantFrom('enabled', 'disabled') })
  .map(({ byDefault, cni, policy }) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'istio-sidecar-injector', namespace: 'istio-system' },
    data: {
      config: `policy: ${policy}`,
      values: JSON.stringify({ sidecarInjectorWebhook: { enableNamespacesByDefault: byDefault }, istio_cni: { enabled: cni }, global: { hub: 'docker.io/istio', tag: '1.24.2' } }),
    },
  }));
/**
 * The other kinds some rule reads: bare Pods, an application's ConfigMap, a remote-cluster Secret (a kubeconfig with a placeholder
 * token, never a real one), NetworkPolicies, gateway-API routes and ReferenceGrants across namespaces,
 * EnvoyFilters, WasmPlugins, the injector's MutatingWebhookConfiguration.
 */
const kubeconfig = (insecure: boolean) =>
  Buffer.from(
    `apiVersion: v1\nkind: Config\nclusters:\n- name: east\n  cluster:\n    server: https://east.example.com\n${insecure ? '    insecure-skip-tls-verify: true\n' : ''}users:\n- name: east\n  user:\n    token: placeholder-not-a-secret\ncontexts:\n- name: east\n  context: {cluster: east, user: east}\ncurrent-context: east\n`,
  ).toString('base64');
export const otherKindsArb: fc.Arbitrary<Obj> = fc.oneof(
  fc.record({ ns: fc.constantFrom(...NAMESPACES), app: fc.constantFrom('web', 'api'), hostNetwork: fc.boolean() }).map(({ ns, app, hostNetwork }) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${app}-pod`, namespace: ns, labels: { app } },
    spec: { hostNetwork, containers: [{ name: 'app', image: 'app:1' }] },
  })),
  fc.boolean().map((insecure) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'istio-remote-secret-east', namespace: 'istio-system', labels: { 'istio/multiCluster': 'true' }, annotations: { 'networking.istio.io/cluster': 'east' } },
    data: { east: kubeconfig(insecure) },
  })),
  // An application's ConfigMap: a ConfigMap the model derives nothing from (58 rules list ConfigMap for the mesh config).
  fc.record({ ns: fc.constantFrom(...NAMESPACES), v: fc.constantFrom('1', '2') }).map(({ ns, v }) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: ns }, data: { version: v } })),
  fc.constantFrom(...NAMESPACES).map((ns) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress'] } })),
  fc.record({ ns: fc.constantFrom(...NAMESPACES), to: fc.constantFrom(...NAMESPACES), kind: fc.constantFrom('HTTPRoute', 'GRPCRoute') }).map(({ ns, to, kind }) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind,
    metadata: { name: 'r', namespace: ns },
    spec: { parentRefs: [{ name: 'gw', namespace: 'istio-system' }], hostnames: ['api.example.com'], rules: [{ backendRefs: [{ name: 'web', namespace: to, port: 80 }] }] },
  })),
  fc.record({ ns: fc.constantFrom(...NAMESPACES), from: fc.constantFrom(...NAMESPACES) }).map(({ ns, from }) => ({
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name: 'g', namespace: ns },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: from }], to: [{ group: '', kind: 'Service' }] },
  })),
  fc.constantFrom(...NAMESPACES).map((ns) => ({
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name: 'f', namespace: ns },
    spec: { configPatches: [{ applyTo: 'HTTP_FILTER', match: { context: 'SIDECAR_INBOUND' }, patch: { operation: 'INSERT_BEFORE', value: { name: 'envoy.filters.http.lua' } } }] },
  })),
  fc.constantFrom(...NAMESPACES).map((ns) => ({ apiVersion: 'extensions.istio.io/v1alpha1', kind: 'WasmPlugin', metadata: { name: 'w', namespace: ns }, spec: { url: 'http://plugins.example.com/p.wasm', phase: 'AUTHN' } })),
  fc.boolean().map((everything) => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: 'istio-sidecar-injector' },
    webhooks: [{ name: 'namespace.sidecar-injector.istio.io', namespaceSelector: everything ? {} : { matchLabels: { 'istio-injection': 'enabled' } }, clientConfig: { service: { name: 'istiod', namespace: 'istio-system' } } }],
  })),
);

/** The routing and policy objects alone (the mutation tests': each kind there is more often the one that matters). */
export const routingObjectArb = fc.oneof({ weight: 8, arbitrary: objectArb }, { weight: 1, arbitrary: meshConfigArb }, { weight: 1, arbitrary: tenantNamespaceArb });
export const anyObjectArb = fc.oneof(
  { weight: 1, arbitrary: injectorArb },
  { weight: 1, arbitrary: rootMovedArb },
  { weight: 8, arbitrary: objectArb },
  { weight: 1, arbitrary: meshConfigArb },
  { weight: 1, arbitrary: tenantNamespaceArb },
  { weight: 1, arbitrary: controlPlaneArb },
  { weight: 1, arbitrary: rbacArb },
  { weight: 2, arbitrary: otherKindsArb },
);

export const TENANTS: TenantPolicyFile = {
  platform: { namespaces: ['istio-system'], subjects: [] },
  tenants: [
    { name: 'blue', namespaces: [], namespaceSelector: { matchLabels: { tenant: 'blue' } }, hosts: ['api.example.com'], gateways: [], trusts: [] },
    { name: 'green', namespaces: ['payments'], namespaceSelector: { matchLabels: { tenant: 'green' } }, hosts: [], gateways: ['istio-system/ingress'], trusts: ['blue'] },
  ],
} as TenantPolicyFile;
