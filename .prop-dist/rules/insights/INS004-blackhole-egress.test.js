import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './INS004-blackhole-egress.js';
import { deployment, insightsFor, namespace } from '../../testing/insights.js';
const shop = namespace('shop') + deployment('shop', 'web');
test('BlackHoleCluster hits name who tried, which hosts and how often', async () => {
    const f = await insightsFor(rule, shop, [
        { from: 'shop/web', to: 'unknown', reporter: 'source', service: 'unknown', serviceName: 'BlackHoleCluster', connections: 30 },
        { from: 'shop/web', to: 'unknown', reporter: 'source', service: 'c2.example', serviceName: 'BlackHoleCluster', requests: 3 },
    ]);
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.match(f[0].message, /^Deployment shop\/web tried 3 requests and 30 TCP connections to hosts outside the registry over the last 1h, and the mesh blocked them \(BlackHoleCluster\): an address the metrics do not name \(30 TCP connections\), "c2\.example" \(3 requests\)\.$/);
});
test('one finding per source; none for passthrough or ordinary traffic', async () => {
    const f = await insightsFor(rule, shop, [
        { from: 'shop/web', to: 'unknown', reporter: 'source', serviceName: 'BlackHoleCluster', requests: 1 },
        { from: 'shop/other', to: 'unknown', reporter: 'source', serviceName: 'BlackHoleCluster', requests: 1 },
    ]);
    assert.equal(f.length, 2);
    assert.deepEqual(f.map((x) => x.resource.kind).sort(), ['Deployment', 'Namespace']);
    assert.notEqual(f[0].fingerprint, f[1].fingerprint);
    assert.deepEqual(await insightsFor(rule, shop, [{ from: 'shop/web', to: 'unknown', reporter: 'source', serviceName: 'PassthroughCluster' }]), []);
    assert.deepEqual(await insightsFor(rule, shop, [{ from: 'shop/web', to: 'shop/api', reporter: 'source' }]), []);
});
