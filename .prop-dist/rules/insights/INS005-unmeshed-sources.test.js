import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './INS005-unmeshed-sources.js';
import { deployment, insightsFor, namespace, peerAuthentication } from '../../testing/insights.js';
const shop = namespace('shop') + deployment('shop', 'web');
test('callers with no identity into a PERMISSIVE workload are medium', async () => {
    const f = await insightsFor(rule, shop, [
        { from: 'unknown', to: 'shop/web', security: 'none', requests: 55 },
        { from: 'legacy/cron@unknown', to: 'shop/web', security: 'none', requests: 3 },
    ]);
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.match(f[0].message, /^Deployment shop\/web received 58 requests over the last 1h from callers with no mesh identity \(no sidecar\): unknown source \(55 requests\), "legacy"\/"cron" \(3 requests\)\. Its effective mTLS is PERMISSIVE/);
});
test('meshed callers, STRICT destinations (INS001) and gateways are left out', async () => {
    assert.deepEqual(await insightsFor(rule, shop, [{ from: 'shop/api', to: 'shop/web' }]), []);
    assert.deepEqual(await insightsFor(rule, shop + peerAuthentication('shop', 'default', 'STRICT'), [{ from: 'unknown', to: 'shop/web', security: 'none' }]), []);
    const gateway = namespace('istio-ingress') + deployment('istio-ingress', 'ingressgateway').replace('labels: {app: ingressgateway}', 'labels: {app: ingressgateway, istio: ingressgateway}') +
        'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: istio-ingress}\nspec:\n  selector: {istio: ingressgateway}\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]\n';
    assert.deepEqual(await insightsFor(rule, gateway, [{ from: 'unknown', to: 'istio-ingress/ingressgateway', security: 'none' }]), []);
});
