import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanYaml } from '../testing/kit.js';
const gw = (name, cls, extra = '') => `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: ${name}, namespace: ingress}\nspec:\n  gatewayClassName: ${cls}\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n${extra}`;
test('a Gateway-API Gateway of class istio is a workload with the labels Istio puts on its pods', async () => {
    const { model } = await scanYaml(gw('public', 'istio', '  infrastructure: {labels: {team: edge}}\n'), { rules: [] });
    const ws = model.workloadsIn('ingress');
    assert.equal(ws.length, 1);
    assert.equal(ws[0].synthetic, 'gateway-api');
    assert.equal(ws[0].resource.kind, 'Gateway');
    assert.equal(ws[0].podLabels['gateway.networking.k8s.io/gateway-name'], 'public');
    assert.equal(ws[0].podLabels['istio.io/gateway-name'], 'public');
    assert.equal(ws[0].podLabels.team, 'edge');
    assert.deepEqual(ws[0].containers, []);
    assert.equal(model.selectWorkloads('ingress', { matchLabels: { 'istio.io/gateway-name': 'public' } }).length, 1);
});
test('no stand-in when the Deployment is in the input, for waypoints, other classes, remote and manual deployments', async () => {
    const dep = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: public-istio, namespace: ingress}\nspec:\n  template:\n    metadata: {labels: {gateway.networking.k8s.io/gateway-name: public}}\n    spec: {containers: [{name: istio-proxy, image: istio/proxyv2:1.26.0}]}\n`;
    const withDep = await scanYaml([gw('public', 'istio'), dep].join('---\n'), { rules: [] });
    assert.deepEqual(withDep.model.workloadsIn('ingress').map((w) => w.resource.kind), ['Deployment']);
    for (const doc of [gw('wp', 'istio-waypoint'), gw('r', 'istio-remote'), gw('e', 'eg'), gw('m', 'istio', '  addresses: [{type: Hostname, value: existing.ingress.svc.cluster.local}]\n')]) {
        assert.deepEqual((await scanYaml(doc, { rules: [] })).model.workloadsIn('ingress'), [], doc);
    }
    // A GatewayClass with Istio's controller makes its own name deployed; one with another controller takes `istio` away.
    const custom = `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: edge}\nspec: {controllerName: istio.io/gateway-controller}\n---\n${gw('c', 'edge')}`;
    assert.equal((await scanYaml(custom, { rules: [] })).model.workloadsIn('ingress').length, 1);
    const hijacked = `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: istio}\nspec: {controllerName: example.com/other}\n---\n${gw('c', 'istio')}`;
    assert.equal((await scanYaml(hijacked, { rules: [] })).model.workloadsIn('ingress').length, 0);
});
test('hostile Gateways do not make workloads or throw', async () => {
    for (const spec of ['spec: []', 'spec: {gatewayClassName: 7}', 'spec: {gatewayClassName: istio, infrastructure: {labels: [1]}}', 'spec: {gatewayClassName: istio, addresses: "x"}']) {
        const { model } = await scanYaml(`apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: __proto__, namespace: ingress}\n${spec}\n`, { rules: [] });
        assert.ok(model.workloadsIn('ingress').length <= 1);
    }
});
