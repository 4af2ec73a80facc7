import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK002-shared-gateway-virtualservice.js';
import { findingsFor } from '../../testing/kit.js';
import { parseTenantPolicy } from '../../tenancy/policy.js';
import { injectedNamespaces } from '../../testing/fixtures.js';
const mesh = `${injectedNamespaces('shop', 'payments', 'analytics')}---
apiVersion: v1
kind: Namespace
metadata: {name: istio-ingress}
---
apiVersion: v1
kind: Service
metadata: {name: payments-api, namespace: payments}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: storefront, namespace: shop}
spec: {ports: [{port: 80}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: istio-ingress}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*/*"]
`;
const vs = (hosts, gateways = ['istio-ingress/public'], extra = '', ns = 'shop') => `${mesh}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: front, namespace: ${ns}}
spec:
  hosts: [${hosts.map((h) => JSON.stringify(h)).join(', ')}]
  gateways: [${gateways.map((g) => JSON.stringify(g)).join(', ')}]
${extra}
  http:
  - route:
    - destination: {host: storefront.shop.svc.cluster.local}
`;
const policyText = `platform:
  namespaces: [istio-system, istio-ingress]
tenants:
- name: shop
  namespaces: [shop]
  hosts: ["*.shop.example.com"]
  gateways: [istio-ingress/public]
- name: payments
  namespaces: [payments]
  hosts: [pay.example.com, api.stripe.com]
  gateways: [istio-ingress/public]
- name: analytics
  namespaces: [analytics]
`;
const withPolicy = (text = policyText) => ({ model: { tenantPolicy: parseTenantPolicy(text, 't.yaml') } });
test("claiming another tenant's Service on a shared gateway is critical and names the victim and the gateway", async () => {
    const f = await findingsFor(rule, vs(['payments-api.payments.svc.cluster.local']));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'critical');
    assert.equal(f[0].location?.path, 'spec.hosts[0]');
    assert.match(f[0].message, /^VirtualService shop\/front claims "payments-api\.payments\.svc\.cluster\.local" on the shared gateway istio-ingress\/public \(in platform namespace istio-ingress\)/);
    assert.match(f[0].message, /Service of other tenants \(payments\/payments-api\)/);
    assert.ok(f[0].evidence.some((e) => e.role === 'victim' && e.resource?.name === 'payments-api'));
    assert.ok(f[0].evidence.some((e) => e.role === 'shared-gateway'));
});
test('short names resolve relative to the VirtualService; its own Services are fine', async () => {
    for (const h of ['payments-api.payments', 'payments-api.payments.svc']) {
        const f = await findingsFor(rule, vs([h]));
        assert.equal(f.length, 1, h);
        assert.match(f[0].message, /\(payments-api\.payments\.svc\.cluster\.local\)/);
    }
    assert.deepEqual(await findingsFor(rule, vs(['storefront'])), []);
    assert.deepEqual(await findingsFor(rule, vs(['storefront.shop.svc.cluster.local'])), []);
});
test('wildcards cover other tenants\' hosts', async () => {
    for (const h of ['*', '*.payments.svc.cluster.local', '*.svc.cluster.local']) {
        const f = await findingsFor(rule, vs([h]));
        assert.equal(f.length, 1, h);
        assert.equal(f[0].severity, 'critical', h);
    }
    const star = await findingsFor(rule, vs(['*']));
    assert.match(star[0].message, /any host no more specific route takes/);
});
test('gateway references: ns/name and the legacy FQDN form are shared; the own namespace and mesh are not', async () => {
    assert.equal((await findingsFor(rule, vs(['payments-api.payments'], ['public.istio-ingress.svc.cluster.local']))).length, 1);
    assert.equal((await findingsFor(rule, vs(['payments-api.payments'], ['mesh', 'istio-ingress/public']))).length, 1);
    assert.deepEqual(await findingsFor(rule, vs(['payments-api.payments'], ['shop-gw'])), [], "shop's own gateway");
    assert.deepEqual(await findingsFor(rule, vs(['payments-api.payments'], ['./shop-gw'])), []);
    assert.deepEqual(await findingsFor(rule, vs(['payments-api.payments'], ['mesh'])), [], 'mesh-bound routes are HJK001');
});
test("exportTo must reach the gateway's namespace for the claim to count", async () => {
    assert.deepEqual(await findingsFor(rule, vs(['payments-api.payments'], undefined, '  exportTo: ["."]')), []);
    assert.equal((await findingsFor(rule, vs(['payments-api.payments'], undefined, '  exportTo: [".", istio-ingress]'))).length, 1);
    const meshDefault = { config: { defaultVirtualServiceExportTo: ['.'] }, file: 'mesh.yaml' };
    assert.deepEqual(await findingsFor(rule, vs(['payments-api.payments']), { model: { meshConfig: meshDefault } }), []);
});
test('with a tenant policy: allowed hosts pass, another tenant\'s allowance is critical, anything else high', async () => {
    assert.deepEqual(await findingsFor(rule, vs(['www.shop.example.com']), withPolicy()), []);
    const stolen = await findingsFor(rule, vs(['pay.example.com']), withPolicy());
    assert.equal(stolen.length, 1);
    assert.equal(stolen[0].severity, 'critical');
    assert.match(stolen[0].message, /which belongs to tenant payments by policy/);
    const other = await findingsFor(rule, vs(['www.example.org']), withPolicy());
    assert.equal(other.length, 1);
    assert.equal(other[0].severity, 'high');
    assert.match(other[0].message, /outside tenant shop's allowed hosts \(\*\.shop\.example\.com\)/);
    // Without a policy nobody owns www.example.org, so nobody is robbed.
    assert.deepEqual(await findingsFor(rule, vs(['www.example.org'])), []);
});
test('with a tenant policy, binding a shared gateway the tenant was not given is high', async () => {
    const f = await findingsFor(rule, vs(['reports.analytics.example.com'], ['istio-ingress/public'], '', 'analytics'), withPolicy());
    const bind = f.find((x) => x.location?.path === 'spec.gateways[0]');
    assert.ok(bind);
    assert.equal(bind.severity, 'high');
    assert.match(bind.message, /binds the shared gateway istio-ingress\/public .* does not give tenant analytics \(its gateways: none\)/);
    // The host is outside analytics' (empty) allowance too.
    assert.ok(f.some((x) => x.location?.path === 'spec.hosts[0]' && x.severity === 'high'));
    // Without a policy there is no list of gateways to break.
    assert.deepEqual(await findingsFor(rule, vs(['reports.analytics.example.com'], ['istio-ingress/public'], '', 'analytics')), []);
});
test('a gateway the policy offers to another tenant is shared, even in a tenant namespace', async () => {
    const text = policyText.replace('- name: analytics\n  namespaces: [analytics]\n', '- name: analytics\n  namespaces: [analytics]\n  gateways: [shop/shop-gw]\n');
    const f = await findingsFor(rule, vs(['storefront.shop.svc.cluster.local'], ['shop/shop-gw'], '', 'analytics'), withPolicy(text));
    const host = f.find((x) => x.location?.path === 'spec.hosts[0]');
    assert.ok(host);
    assert.equal(host.severity, 'critical');
    assert.match(host.message, /shared gateway shop\/shop-gw \(offered to tenant analytics by the tenant policy\)/);
    assert.ok(!f.some((x) => x.location?.path === 'spec.gateways[0]'), 'analytics may bind shop/shop-gw');
    // shop's own VirtualServices on shop/shop-gw are shop's business.
    assert.deepEqual(await findingsFor(rule, vs(['storefront'], ['shop/shop-gw']), withPolicy(text)), []);
});
test('platform namespaces may route anything on their gateways', async () => {
    const platform = vs(['payments-api.payments'], ['istio-ingress/public'], '', 'istio-ingress');
    assert.deepEqual(await findingsFor(rule, platform), []);
});
test('hostile shapes are ignored, not crashed on', async () => {
    const bad = `${mesh}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: odd, namespace: shop}
spec:
  hosts: [1, null, {a: b}, ""]
  gateways: [7, null, "/", "istio-ingress/", "a/b/c"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: odd2, namespace: shop}
spec:
  hosts: "payments-api.payments"
  gateways: "istio-ingress/public"
`;
    assert.deepEqual(await findingsFor(rule, bad), []);
});
test('the documented examples: bad is reported, good is not', async () => {
    const bad = await findingsFor(rule, `${mesh}---\n${rule.meta.docs.bad}`);
    assert.equal(bad.length, 1);
    assert.equal(bad[0].severity, 'critical');
    const legacy = policyText + '- name: legacy\n  namespaces: [legacy]\n  hosts: [legacy.example.com]\n  gateways: [istio-ingress/public]\n';
    assert.deepEqual(await findingsFor(rule, `${mesh}---\n${rule.meta.docs.good}`), []);
    assert.deepEqual(await findingsFor(rule, `${mesh}---\n${rule.meta.docs.good}`, withPolicy(legacy)), []);
    assert.equal((await findingsFor(rule, `${mesh}---\n${rule.meta.docs.bad}`, withPolicy(legacy)))[0].severity, 'critical');
});
