import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './EGR002-sidecar-allow-any.js';
import { findingsFor } from '../../testing/kit.js';
const mesh = (mode) => `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    outboundTrafficPolicy:
      mode: ${mode}
---
`;
const sidecar = (ns, spec, name = 'egress') => `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: ${name}
  namespace: ${ns}
spec:
${spec}
---
`;
const deployment = (ns, name, app) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  template:
    metadata:
      labels: {app: ${app}}
    spec:
      containers: [{name: app, image: example/${app}:1}]
---
`;
const namespace = (name, labels) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  labels: ${labels}
---
`;
test('a selected Sidecar overriding REGISTRY_ONLY names the mesh config and the workloads', async () => {
    const yaml = mesh('REGISTRY_ONLY') +
        sidecar('shop', '  workloadSelector:\n    labels: {app: sync}\n  outboundTrafficPolicy:\n    mode: ALLOW_ANY') +
        deployment('shop', 'sync', 'sync') +
        deployment('shop', 'web', 'web');
    const f = await findingsFor(rule, yaml);
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].resource.kind, 'Sidecar');
    assert.equal(f[0].location?.path, 'spec.outboundTrafficPolicy.mode');
    assert.equal(f[0].location?.line, 18);
    assert.match(f[0].message, /^Sidecar shop\/egress sets outboundTrafficPolicy\.mode ALLOW_ANY for workloads in shop labelled app=sync \(Deployment shop\/sync\), overriding the mesh-wide REGISTRY_ONLY set in ConfigMap istio-system\/istio: their sidecars pass traffic to any destination\.$/);
    assert.doesNotMatch(f[0].message, /shop\/web/);
    assert.deepEqual(f[0].evidence.map((e) => [e.role, e.resource?.name]), [
        ['workload', 'sync'],
        ['mesh-config', 'istio'],
    ]);
});
test('a selector that matches nothing says so', async () => {
    const f = await findingsFor(rule, sidecar('shop', '  workloadSelector:\n    labels: {app: ghost}\n  outboundTrafficPolicy: {mode: ALLOW_ANY}'));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /labelled app=ghost \(none in the input\)/);
});
test('without a selector it covers the namespace', async () => {
    const yaml = mesh('REGISTRY_ONLY') + sidecar('shop', '  outboundTrafficPolicy: {mode: ALLOW_ANY}', 'default') + deployment('shop', 'web', 'web');
    const f = await findingsFor(rule, yaml);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /for every workload in namespace shop that no more specific Sidecar selects \(Deployment shop\/web\), overriding/);
});
test('selector-less in the root namespace it is mesh-wide, except where a namespace has its own Sidecar', async () => {
    const yaml = mesh('REGISTRY_ONLY') +
        namespace('shop', '{istio-injection: enabled}') +
        namespace('payments', '{istio.io/rev: stable}') +
        namespace('legacy', '{}') +
        namespace('analytics', '{istio.io/dataplane-mode: ambient}') +
        sidecar('payments', '  outboundTrafficPolicy: {mode: REGISTRY_ONLY}', 'default') +
        sidecar('istio-system', '  outboundTrafficPolicy:\n    mode: ALLOW_ANY', 'default');
    const f = await findingsFor(rule, yaml);
    assert.equal(f.length, 1);
    assert.equal(f[0].resource.namespace, 'istio-system');
    assert.match(f[0].message, /for the whole mesh: it sits in the root namespace istio-system without a workloadSelector, so it is the default for every namespace without a Sidecar of its own \(shop\), overriding/);
});
test('when the mesh is not REGISTRY_ONLY the message says so instead of "overriding"', async () => {
    for (const prefix of [mesh('ALLOW_ANY'), '']) {
        const f = await findingsFor(rule, prefix + sidecar('shop', '  outboundTrafficPolicy: {mode: ALLOW_ANY}'));
        assert.equal(f.length, 1);
        assert.equal(f[0].severity, 'high');
        assert.match(f[0].message, /for every workload in namespace shop that no more specific Sidecar selects, and the mesh-wide mode is not REGISTRY_ONLY either \(EGR001\): their sidecars pass traffic to any destination\.$/);
        assert.doesNotMatch(f[0].message, /overriding/);
    }
});
test('a --mesh-config REGISTRY_ONLY counts as the mesh-wide mode', async () => {
    const f = await findingsFor(rule, sidecar('shop', '  outboundTrafficPolicy: {mode: ALLOW_ANY}'), {
        model: { meshConfig: { config: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }, file: 'mesh.yaml' } },
    });
    assert.equal(f.length, 1);
    assert.match(f[0].message, /overriding the mesh-wide REGISTRY_ONLY set in mesh config file "mesh\.yaml"/);
    assert.deepEqual(f[0].evidence, []);
});
test('ALLOW_ANY with an egressProxy is medium and names the proxy', async () => {
    const f = await findingsFor(rule, mesh('REGISTRY_ONLY') + sidecar('shop', '  outboundTrafficPolicy:\n    mode: ALLOW_ANY\n    egressProxy:\n      host: egress.istio-system.svc.cluster.local\n      port: {number: 443}'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.match(f[0].message, /their traffic to unknown hosts goes to the egress proxy "egress\.istio-system\.svc\.cluster\.local" instead of being refused/);
});
test('REGISTRY_ONLY, no policy and malformed Sidecars are not reported', async () => {
    const specs = [
        '  outboundTrafficPolicy: {mode: REGISTRY_ONLY}',
        '  egress: [{hosts: ["./*"]}]',
        '  outboundTrafficPolicy: ALLOW_ANY',
        '  outboundTrafficPolicy: [{mode: ALLOW_ANY}]',
        '  outboundTrafficPolicy: {mode: allow_any}',
        '  outboundTrafficPolicy: {mode: [ALLOW_ANY]}',
        '  workloadSelector: 12\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}',
    ];
    for (const spec of specs)
        assert.deepEqual(await findingsFor(rule, mesh('REGISTRY_ONLY') + sidecar('shop', spec)), [], spec);
    assert.deepEqual(await findingsFor(rule, 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: s, namespace: shop}\nspec: "ALLOW_ANY"\n'), []);
    // Same kind name, different API group: not an Istio Sidecar.
    assert.deepEqual(await findingsFor(rule, 'apiVersion: example.com/v1\nkind: Sidecar\nmetadata: {name: s, namespace: shop}\nspec:\n  outboundTrafficPolicy: {mode: ALLOW_ANY}\n'), []);
});
test('a malformed workloadSelector falls back to the whole namespace', async () => {
    const f = await findingsFor(rule, sidecar('shop', '  workloadSelector: {labels: "app=x"}\n  outboundTrafficPolicy: {mode: ALLOW_ANY}'));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /every workload in namespace shop/);
});
