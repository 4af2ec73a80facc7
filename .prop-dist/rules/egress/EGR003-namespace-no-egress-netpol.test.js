import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './EGR003-namespace-no-egress-netpol.js';
import { findingsFor } from '../../testing/kit.js';
const REGISTRY_ONLY = { model: { meshConfig: { config: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }, file: 'mesh.yaml' } } };
const namespace = (name, labels) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  labels:
${labels}
---
`;
const shop = namespace('shop', '    istio-injection: enabled');
const netpol = (name, spec, ns = 'shop') => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: ${ns}}
spec:
${spec}
---
`;
const DEFAULT_DENY = '  podSelector: {}\n  policyTypes: [Egress]';
test('a sidecar namespace without an egress NetworkPolicy is medium, at its injection label', async () => {
    const f = await findingsFor(rule, shop, REGISTRY_ONLY);
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].resource.kind, 'Namespace');
    assert.equal(f[0].resource.name, 'shop');
    assert.equal(f[0].location?.path, 'metadata.labels.istio-injection');
    assert.equal(f[0].location?.line, 6);
    assert.equal(f[0].message, 'Namespace shop is in the mesh (sidecar mode) but no NetworkPolicy restricts egress for all its pods: REGISTRY_ONLY is the only egress control, and a pod that bypasses its sidecar (UID 1337, NET_ADMIN, capture exclusions) reaches any address.');
    assert.deepEqual(f[0].evidence.map((e) => [e.role, e.resource?.kind, e.resource?.name]), [['namespace', 'Namespace', 'shop']]);
});
test('the message reflects ALLOW_ANY and ambient mode; revision labels are the path', async () => {
    const yaml = shop + namespace('payments', '    istio.io/rev: stable') + namespace('analytics', '    istio.io/dataplane-mode: ambient');
    const f = await findingsFor(rule, yaml);
    assert.equal(f.length, 3);
    const by = new Map(f.map((x) => [x.resource.name, x]));
    assert.match(by.get('shop').message, /with the mesh in ALLOW_ANY \(EGR001\), nothing limits where its pods connect/);
    assert.equal(by.get('payments').location?.path, 'metadata.labels["istio.io/rev"]');
    assert.match(by.get('analytics').message, /\(ambient mode\).*ztunnel does not enforce REGISTRY_ONLY/);
    assert.equal(by.get('analytics').location?.path, 'metadata.labels["istio.io/dataplane-mode"]');
});
test('a default-deny egress policy, or egress rules without policyTypes, satisfies it', async () => {
    assert.deepEqual(await findingsFor(rule, shop + netpol('deny', DEFAULT_DENY), REGISTRY_ONLY), []);
    const implied = '  podSelector: {}\n  egress:\n  - to:\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: istio-system}}';
    assert.deepEqual(await findingsFor(rule, shop + netpol('to-istio', implied), REGISTRY_ONLY), []);
    const withPorts = `${DEFAULT_DENY}\n  egress:\n  - ports: [{protocol: UDP, port: 53}]\n  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]\n    ports: [{port: 443}]`;
    assert.deepEqual(await findingsFor(rule, shop + netpol('dns-and-https', withPorts), REGISTRY_ONLY), [], 'EGR004 grades port-limited open rules');
});
test('policies that do not restrict egress of all pods do not count', async () => {
    const cases = [
        ['  podSelector: {}\n  policyTypes: [Ingress]\n  egress: [{to: [{podSelector: {}}]}]', /no NetworkPolicy restricts egress for all its pods:/],
        ['  podSelector: {}\n  egress: []', /no NetworkPolicy restricts egress/],
        ['  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]', /no NetworkPolicy restricts egress for all its pods \(only for some: np\):/],
        ['  podSelector: "all"\n  policyTypes: [Egress]', /no NetworkPolicy restricts egress/],
        ['  policyTypes: Egress', /no NetworkPolicy restricts egress/],
    ];
    for (const [spec, re] of cases) {
        const f = await findingsFor(rule, shop + netpol('np', spec), REGISTRY_ONLY);
        assert.equal(f.length, 1, spec);
        assert.match(f[0].message, re, spec);
    }
    assert.equal((await findingsFor(rule, shop + netpol('np', DEFAULT_DENY, 'other'), REGISTRY_ONLY)).length, 1, 'policy in another namespace');
    assert.equal((await findingsFor(rule, shop + 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec: []\n', REGISTRY_ONLY)).length, 1);
});
test('an all-pods policy that allows everything cancels a default deny', async () => {
    for (const rule0 of ['  - {}', '  - ~', '  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]']) {
        const yaml = shop + netpol('deny', DEFAULT_DENY) + netpol('open', `  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {}}]\n${rule0}`);
        const f = await findingsFor(rule, yaml, REGISTRY_ONLY);
        assert.equal(f.length, 1, rule0);
        assert.match(f[0].message, /^Namespace shop is in the mesh \(sidecar mode\) but NetworkPolicy open lets every pod in shop reach any destination \(spec\.egress\[1\]\)/);
        const ev = f[0].evidence.find((e) => e.role === 'network-policy');
        assert.equal(ev?.resource?.name, 'open');
        assert.equal(ev?.location?.path, 'spec.egress[1]');
    }
});
test('system namespaces, namespaces outside the mesh and namespaces without a Namespace object are skipped', async () => {
    const yaml = namespace('istio-system', '    istio-injection: enabled') +
        namespace('kube-system', '    istio-injection: enabled') +
        namespace('legacy', '    pod-security.kubernetes.io/enforce: restricted') +
        namespace('off', '    istio-injection: disabled') +
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: unseen}\ndata: {}\n';
    assert.deepEqual(await findingsFor(rule, yaml, REGISTRY_ONLY), []);
    // A namespace made platform-owned by settings is skipped too.
    assert.deepEqual(await findingsFor(rule, shop, { ...REGISTRY_ONLY, settings: { systemNamespaces: ['shop'] } }), []);
});
// Kiali's demos: no namespace label, each workload opts in with the pod label (object webhooks): the
// namespace is in the mesh as far as its pods go, so it needs the same egress NetworkPolicy.
test('a namespace whose workloads opt in one by one is a mesh namespace too', async () => {
    const travel = `${namespace('travel', '    team: travel')}apiVersion: apps/v1
kind: Deployment
metadata: {name: travels, namespace: travel}
spec:
  template:
    metadata:
      labels: {app: travels, sidecar.istio.io/inject: "true"}
    spec:
      containers: [{name: app, image: example/travels:1}]
---
`;
    const f = await findingsFor(rule, travel, REGISTRY_ONLY);
    assert.equal(f.length, 1);
    assert.equal(f[0].location?.path, 'metadata');
    assert.match(f[0].message, /^Namespace travel is in the mesh \(sidecar mode, through its workloads' own opt-in\) but no NetworkPolicy restricts egress/);
    assert.deepEqual(await findingsFor(rule, travel + netpol('deny', DEFAULT_DENY, 'travel'), REGISTRY_ONLY), []);
    const annotationOnly = travel.replace('labels: {app: travels, sidecar.istio.io/inject: "true"}', 'labels: {app: travels}\n      annotations: {sidecar.istio.io/inject: "true"}');
    assert.deepEqual(await findingsFor(rule, annotationOnly, REGISTRY_ONLY), [], 'the webhooks do not match annotations: not in the mesh');
});
