import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK015-sidecar-selectors-overlap.js';
import { findingsFor } from '../../testing/kit.js';
import { injectedNamespaces } from '../../testing/fixtures.js';
const deployment = (name, labels) => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: payments}
spec:
  selector: {matchLabels: ${labels}}
  template:
    metadata: {labels: ${labels}}
    spec:
      containers: [{name: app, image: example/app:1.0}]
`;
const sidecar = (name, labels, created = '') => `---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ${name}, namespace: payments${created ? `, creationTimestamp: "${created}"` : ''}}
spec:
  workloadSelector: {labels: ${labels}}
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`;
const base = injectedNamespaces('payments') + deployment('ledger', '{app: ledger, debug: "true"}') + deployment('web', '{app: web}');
test('two Sidecars selecting the same workload: the newer is reported, naming the workload and the winner', async () => {
    const f = await findingsFor(rule, base + sidecar('debug', '{debug: "true"}', '2026-03-01T00:00:00Z') + sidecar('locked', '{app: ledger}', '2025-03-01T00:00:00Z'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].resource.name, 'debug');
    assert.equal(f[0].location?.path, 'spec.workloadSelector.labels');
    assert.equal(f[0].message, 'Sidecar payments/debug selects Deployment payments/ledger, which Sidecar locked also selects: Istio applies one Sidecar per workload, the oldest (locked), and ignores this one for it.');
    assert.ok(f[0].evidence.some((e) => e.role === 'workload' && e.resource?.name === 'ledger'));
    assert.ok(f[0].evidence.some((e) => e.role === 'competing-sidecar' && e.resource?.name === 'locked'));
});
test('without timestamps input order stands in, and the message says creation order decides', async () => {
    const f = await findingsFor(rule, base + sidecar('locked', '{app: ledger}') + sidecar('debug', '{debug: "true"}'));
    assert.equal(f.length, 1);
    assert.equal(f[0].resource.name, 'debug');
    assert.match(f[0].message, /the oldest in the cluster \(the manifests carry no creationTimestamp, so creation order decides\)/);
});
test('disjoint selectors, selectors matching nothing and other namespaces are fine', async () => {
    assert.deepEqual(await findingsFor(rule, base + sidecar('a', '{app: ledger}') + sidecar('b', '{app: web}')), []);
    assert.deepEqual(await findingsFor(rule, base + sidecar('a', '{app: nothing}') + sidecar('b', '{app: nothing}')), []);
    assert.deepEqual(await findingsFor(rule, base + sidecar('a', '{app: ledger}') + sidecar('b', '{}')), []);
    assert.deepEqual(await findingsFor(rule, base + sidecar('a', '"app=ledger"') + sidecar('b', '[1]')), []);
});
