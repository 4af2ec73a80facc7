import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK016-sidecar-on-ambient.js';
import { findingsFor } from '../../testing/kit.js';
import { injectedNamespaces } from '../../testing/fixtures.js';
const ambientNs = (name) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, labels: {istio.io/dataplane-mode: ambient}}\n`;
const deployment = (name, ns, podLabels) => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: ${podLabels}}
    spec:
      containers: [{name: app, image: example/app:1.0}]
`;
const sidecar = (ns, body, name = 'default') => `---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ${name}, namespace: ${ns}}
spec:
${body}
`;
const scoping = '  egress:\n  - hosts: ["./*", "istio-system/*"]\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}';
test('a scoping Sidecar in an ambient namespace is high: its isolation protects nothing', async () => {
    const f = await findingsFor(rule, ambientNs('shop') + deployment('web', 'shop', '{app: web}') + sidecar('shop', scoping));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.egress');
    assert.equal(f[0].message, "Sidecar shop/default has no effect: namespace shop runs ambient mode (Deployment shop/web), and ambient pods have no sidecar proxy to apply it, so its egress hosts scoping (which namespaces' routes the proxies import) and its REGISTRY_ONLY egress lock protect nothing.");
});
test('other Sidecars there are medium; a selector picking ambient pods is reported too', async () => {
    const plain = await findingsFor(rule, ambientNs('shop') + sidecar('shop', '  outboundTrafficPolicy: {mode: ALLOW_ANY}'));
    assert.equal(plain.length, 1);
    assert.equal(plain[0].severity, 'medium');
    const mixed = ambientNs('shop') +
        deployment('web', 'shop', '{app: web}') +
        deployment('legacy', 'shop', '{app: legacy, sidecar.istio.io/inject: "true"}') +
        sidecar('shop', `  workloadSelector: {labels: {app: web}}\n${scoping}`, 'web');
    const f = await findingsFor(rule, mixed);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /namespace shop runs ambient mode \(Deployment shop\/web\)/);
    // The same selector on the workload that opted into a sidecar applies.
    assert.deepEqual(await findingsFor(rule, mixed.replace('workloadSelector: {labels: {app: web}}', 'workloadSelector: {labels: {app: legacy}}')), []);
});
test('Sidecars that apply to sidecar workloads are fine', async () => {
    // A sidecar namespace.
    assert.deepEqual(await findingsFor(rule, injectedNamespaces('shop') + deployment('web', 'shop', '{app: web}') + sidecar('shop', scoping)), []);
    // An ambient namespace where a workload opted into a sidecar: the namespace-wide Sidecar applies to it.
    const optIn = ambientNs('shop') + deployment('legacy', 'shop', '{app: legacy, sidecar.istio.io/inject: "true"}') + sidecar('shop', scoping);
    assert.deepEqual(await findingsFor(rule, optIn), []);
    // Namespaces whose mode is unknown are not judged.
    assert.deepEqual(await findingsFor(rule, sidecar('elsewhere', scoping)), []);
});
test('one rule speaks for an idle Sidecar: HJK011 and EGR002 leave ambient Sidecars to HJK016; the root default is not idle', async () => {
    const hjk011 = (await import('./HJK011-sidecar-imports-everything.js')).default;
    const egr002 = (await import('../egress/EGR002-sidecar-allow-any.js')).default;
    const open = '  egress:\n  - hosts: ["*/*"]\n  outboundTrafficPolicy: {mode: ALLOW_ANY}';
    const ambient = ambientNs('shop') + deployment('web', 'shop', '{app: web}') + sidecar('shop', open);
    assert.equal((await findingsFor(rule, ambient)).length, 1);
    assert.deepEqual(await findingsFor(hjk011, ambient), []);
    assert.deepEqual(await findingsFor(egr002, ambient), []);
    // The same Sidecar in a sidecar namespace is theirs to report, not HJK016's.
    const injected = injectedNamespaces('shop') + deployment('web', 'shop', '{app: web}') + sidecar('shop', open);
    assert.equal((await findingsFor(hjk011, injected)).length, 1);
    assert.equal((await findingsFor(egr002, injected)).length, 1);
    assert.deepEqual(await findingsFor(rule, injected), []);
    // The root namespace's namespace-wide Sidecar is the mesh default, even when istio-system is ambient.
    assert.deepEqual(await findingsFor(rule, ambientNs('istio-system') + sidecar('istio-system', scoping)), []);
});
