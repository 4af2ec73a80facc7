import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './INS003-passthrough-egress.js';
import { deployment, insightsFor, meshConfig, namespace } from '../../testing/insights.js';
const registryOnly = meshConfig('outboundTrafficPolicy:\n  mode: REGISTRY_ONLY') + namespace('shop') + deployment('shop', 'web');
const out = (service, n = 7, serviceName = 'PassthroughCluster') => ({ from: 'shop/web', to: 'unknown', reporter: 'source', service, serviceName, requests: n });
test('PassthroughCluster traffic under a REGISTRY_ONLY mesh is critical and lists the hosts', async () => {
    const f = await insightsFor(rule, registryOnly, [out('paste.example.net', 7), out('unknown', 2), out('evil.example', 40)]);
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'critical');
    assert.equal(f[0].resource.kind, 'Deployment');
    assert.match(f[0].message, /^Deployment shop\/web sent 49 requests through PassthroughCluster over the last 1h, to hosts no Service or ServiceEntry declares: "evil\.example" \(40 requests\), "paste\.example\.net" \(7 requests\), an address the metrics do not name \(2 requests\)\. The manifests make its outbound policy REGISTRY_ONLY \(ConfigMap istio-system\/istio\)/);
});
test('under ALLOW_ANY (default, or a Sidecar override) it is medium', async () => {
    const f = await insightsFor(rule, namespace('shop') + deployment('shop', 'web'), [out('x.example')]);
    assert.equal(f[0].severity, 'medium');
    assert.match(f[0].message, /Its outbound policy is ALLOW_ANY \(Istio's default/);
    const sidecar = registryOnly + '---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: shop}\nspec:\n  outboundTrafficPolicy: {mode: ALLOW_ANY}\n';
    const g = await insightsFor(rule, sidecar, [out('x.example')]);
    assert.equal(g[0].severity, 'medium');
    assert.match(g[0].message, /ALLOW_ANY \(Sidecar shop\/default\)/);
});
test('the cluster name in destination_service alone is recognised too', async () => {
    const f = await insightsFor(rule, registryOnly, [{ from: 'shop/web', to: 'unknown', reporter: 'source', service: 'PassthroughCluster', connections: 2 }]);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /2 TCP connections through PassthroughCluster/);
});
test('registered traffic, destination-side reports and BlackHoleCluster are not passthrough', async () => {
    assert.deepEqual(await insightsFor(rule, registryOnly, [{ from: 'shop/web', to: 'shop/api', reporter: 'source' }]), []);
    assert.deepEqual(await insightsFor(rule, registryOnly, [{ ...out('x.example'), reporter: 'destination' }]), []);
    assert.deepEqual(await insightsFor(rule, registryOnly, [out('x.example', 5, 'BlackHoleCluster')]), []);
});
test('a source workload outside the manifests is reported on the mesh config, named from the metric', async () => {
    const f = await insightsFor(rule, meshConfig('outboundTrafficPolicy:\n  mode: REGISTRY_ONLY'), [{ ...out('x.example'), from: 'ops/\u009bdebug' }]);
    assert.equal(f.length, 1);
    assert.equal(f[0].resource.kind, 'ConfigMap');
    assert.equal(f[0].location?.path, 'data.mesh');
    assert.match(f[0].message, /^workload "\\u009bdebug" in namespace "ops" sent/);
    assert.match(f[0].message, /reported on the mesh config/);
});
