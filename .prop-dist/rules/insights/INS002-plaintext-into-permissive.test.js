import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './INS002-plaintext-into-permissive.js';
import { deployment, insightsFor, namespace, peerAuthentication } from '../../testing/insights.js';
const shop = namespace('shop') + deployment('shop', 'web');
test('PERMISSIVE (Istio default) with plaintext sources: low, names each source and the mTLS share', async () => {
    const f = await insightsFor(rule, shop, [
        { from: 'batch/report', to: 'shop/web', security: 'none', requests: 30 },
        { from: 'unknown', to: 'shop/web', security: 'none', connections: 4 },
        { from: 'shop/api', to: 'shop/web', requests: 500 },
    ]);
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'low');
    assert.equal(f[0].resource.name, 'web');
    assert.match(f[0].message, /^Deployment shop\/web is PERMISSIVE \(Istio's default \(no PeerAuthentication applies\)\) and received 30 requests and 4 TCP connections in plaintext over the last 1h, from 2 sources: "batch"\/"report" \(30 requests\), callers with no sidecar and no identity \(4 TCP connections\)\. Switching it to STRICT now would cut them off; 500 requests came over mutual TLS\.$/);
});
test('all traffic over mTLS: an info answer that the workload is ready for STRICT', async () => {
    const f = await insightsFor(rule, shop, [{ from: 'shop/api', to: 'shop/web', requests: 500 }]);
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'info');
    assert.match(f[0].message, /all of the 500 requests it received over the last 1h came over mutual TLS: by the metrics it is ready for STRICT\.$/);
});
test('STRICT or DISABLE workloads, and workloads with no traffic, get no answer', async () => {
    const strict = shop + peerAuthentication('shop', 'default', 'STRICT');
    assert.deepEqual(await insightsFor(rule, strict, [{ from: 'unknown', to: 'shop/web', security: 'none' }]), []);
    const disabled = shop + peerAuthentication('shop', 'default', 'DISABLE');
    assert.deepEqual(await insightsFor(rule, disabled, [{ from: 'unknown', to: 'shop/web', security: 'none' }]), []);
    assert.deepEqual(await insightsFor(rule, shop, [{ from: 'shop/api', to: 'shop/web', requests: 0 }]), []);
    assert.deepEqual(await insightsFor(rule, shop, []), []);
});
test('a single scrape says the figures run since the proxies started', async () => {
    const f = await insightsFor(rule, shop, [{ from: 'unknown', to: 'shop/web', security: 'none' }], { windowSeconds: 0 });
    assert.match(f[0].message, /since the proxies started \(counters of one scrape, "test\.prom"\)/);
});
