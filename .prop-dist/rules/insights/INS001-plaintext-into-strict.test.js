import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './INS001-plaintext-into-strict.js';
import { findingsFor } from '../../testing/kit.js';
import { deployment, insightsFor, namespace, peerAuthentication } from '../../testing/insights.js';
const strictShop = namespace('shop') + peerAuthentication('shop', 'default', 'STRICT') + deployment('shop', 'web');
test('plaintext reported by the destination into a STRICT workload is high, names sources and figures', async () => {
    const f = await insightsFor(rule, strictShop, [
        { from: 'shop/legacy', to: 'shop/web', security: 'none', requests: 120 },
        { from: 'unknown', to: 'shop/web', security: 'none', requests: 5 },
        { from: 'shop/api', to: 'shop/web', security: 'mutual_tls', requests: 900 },
    ]);
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].resource.kind, 'Deployment');
    assert.equal(f[0].resource.name, 'web');
    assert.equal(f[0].location?.path, 'metadata.name');
    assert.match(f[0].message, /^Deployment shop\/web received 125 requests in plaintext over the last 1h, although its effective mTLS is STRICT \(PeerAuthentication shop\/default \(namespace-wide\)\)/);
    assert.match(f[0].message, /"shop"\/"legacy" \(120 requests\), callers with no sidecar and no identity \(5 requests\)/);
    assert.ok(f[0].evidence.some((e) => e.role === 'mtls-policy' && e.resource?.name === 'default'));
    assert.ok(f[0].evidence.some((e) => e.role === 'traffic'));
});
test('only mTLS traffic, PERMISSIVE destinations, source reports and no telemetry are clean', async () => {
    assert.deepEqual(await insightsFor(rule, strictShop, [{ from: 'shop/api', to: 'shop/web', requests: 50 }]), []);
    assert.deepEqual(await insightsFor(rule, strictShop, [{ from: 'shop/api', to: 'shop/web', security: 'none', reporter: 'source' }]), []);
    assert.deepEqual(await insightsFor(rule, strictShop, [{ from: 'shop/api', to: 'shop/web', security: 'none', requests: 0 }]), []);
    const permissive = namespace('shop') + peerAuthentication('shop', 'default', 'PERMISSIVE') + deployment('shop', 'web');
    assert.deepEqual(await insightsFor(rule, permissive, [{ from: 'unknown', to: 'shop/web', security: 'none' }]), []);
    assert.deepEqual(await findingsFor(rule, strictShop), []);
});
test('a port-level PERMISSIVE exception is honoured when the metric names the port', async () => {
    const yaml = namespace('shop') + peerAuthentication('shop', 'default', 'STRICT') + deployment('shop', 'web') +
        'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    "9090": {mode: PERMISSIVE}\n';
    assert.deepEqual(await insightsFor(rule, yaml, [{ from: 'unknown', to: 'shop/web', security: 'none', port: 9090 }]), []);
    const f = await insightsFor(rule, yaml, [{ from: 'unknown', to: 'shop/web', security: 'none', port: 8080 }]);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /PeerAuthentication shop\/web \(workload\)/);
});
test('a workload named by the metric but absent from the manifests is reported on its namespace, by name', async () => {
    const f = await insightsFor(rule, namespace('shop') + peerAuthentication('shop', 'default', 'STRICT'), [{ from: 'unknown', to: 'shop/ghost', security: 'none', connections: 3 }]);
    assert.equal(f.length, 1);
    assert.equal(f[0].resource.kind, 'Namespace');
    assert.match(f[0].message, /^workload "ghost" in namespace "shop" received 3 TCP connections in plaintext/);
    assert.match(f[0].message, /reported on its namespace/);
});
test('mesh-wide STRICT from the root namespace applies; Istio default PERMISSIVE does not fire', async () => {
    const mesh = peerAuthentication('istio-system', 'default', 'STRICT') + deployment('shop', 'web');
    const f = await insightsFor(rule, mesh, [{ from: 'unknown', to: 'shop/web', security: 'none' }]);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /mesh-wide/);
    assert.deepEqual(await insightsFor(rule, deployment('shop', 'web'), [{ from: 'unknown', to: 'shop/web', security: 'none' }]), []);
});
test('hostile labels are escaped and keyed safely', async () => {
    const f = await insightsFor(rule, strictShop, [
        { from: 'shop/\u001b[31mevil\u0007', to: 'shop/web', security: 'none' },
        { from: '__proto__/constructor', to: 'shop/web', security: 'none' },
    ]);
    assert.equal(f.length, 1);
    assert.ok(!/[\u0000-\u001f]/.test(f[0].message), f[0].message);
    assert.match(f[0].message, /\\u001b\[31mevil\\u0007/);
    assert.match(f[0].message, /"__proto__"\/"constructor"/);
});
