import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK014-several-namespace-wide-sidecars.js';
import { findingsFor } from '../../testing/kit.js';
import { injectedNamespaces } from '../../testing/fixtures.js';
const sidecar = (name, ns = 'shop', extra = '', created = '') => `---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ${name}, namespace: ${ns}${created ? `, creationTimestamp: "${created}"` : ''}}
spec:
${extra || '  egress:\n  - hosts: ["./*"]'}
`;
test('two selector-less Sidecars: the newer is reported as ignored, naming the one Istio applies', async () => {
    const f = await findingsFor(rule, injectedNamespaces('shop') + sidecar('debug', 'shop', '  egress:\n  - hosts: ["*/*"]', '2026-02-01T00:00:00Z') + sidecar('default', 'shop', '', '2025-01-01T00:00:00Z'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].resource.name, 'debug');
    assert.equal(f[0].location?.path, 'spec');
    assert.match(f[0].message, /^Sidecar shop\/debug is one of 2 Sidecars without a workloadSelector in namespace shop \(default, debug\): Istio applies the oldest, default \(created 2025-01-01T00:00:00Z\), and ignores this one\./);
    assert.ok(f[0].evidence.some((e) => e.role === 'applied-sidecar' && e.resource?.name === 'default'));
});
test('without timestamps the message says creation order decides; the root namespace is the mesh default', async () => {
    const f = await findingsFor(rule, sidecar('a', 'istio-system') + sidecar('b', 'istio-system') + sidecar('c', 'istio-system'));
    assert.equal(f.length, 2);
    assert.deepEqual(f.map((x) => x.resource.name).sort(), ['b', 'c']);
    assert.match(f[0].message, /in the root namespace istio-system \(the mesh-wide default\)/);
    assert.match(f[0].message, /no creationTimestamp, so which one wins depends on creation order \(a if they were created in input order\)/);
});
test('one namespace-wide Sidecar per namespace, or extra ones with selectors, are fine', async () => {
    assert.deepEqual(await findingsFor(rule, sidecar('default', 'shop') + sidecar('default', 'payments')), []);
    assert.deepEqual(await findingsFor(rule, sidecar('default', 'shop') + sidecar('web', 'shop', '  workloadSelector: {labels: {app: web}}\n  egress:\n  - hosts: ["./*"]')), []);
    // A selector with empty labels selects nothing specific: it is namespace-wide, as Istio treats it.
    assert.equal((await findingsFor(rule, sidecar('default', 'shop') + sidecar('empty', 'shop', '  workloadSelector: {labels: {}}'))).length, 1);
    assert.deepEqual(await findingsFor(rule, sidecar('x', 'shop', '  7') + sidecar('default', 'shop')), []);
});
