import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK007-gateway-api-route-hostnames.js';
import { findingsFor } from '../../testing/kit.js';
import { parseTenantPolicy } from '../../tenancy/policy.js';
import { injectedNamespaces } from '../../testing/fixtures.js';
const base = `${injectedNamespaces('shop', 'payments', 'analytics')}---
apiVersion: v1
kind: Namespace
metadata: {name: istio-ingress}
---
apiVersion: v1
kind: Service
metadata: {name: payments-api, namespace: payments}
spec: {ports: [{port: 80}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: stripe, namespace: payments}
spec:
  hosts: [api.stripe.com]
  exportTo: ["."]
  resolution: DNS
  ports: [{number: 443, name: tls, protocol: TLS}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shared, namespace: istio-ingress}
spec:
  gatewayClassName: istio
  listeners:
  - name: open
    port: 80
    protocol: HTTP
    allowedRoutes: {namespaces: {from: All}}
  - name: pay
    hostname: pay.example.com
    port: 443
    protocol: HTTPS
    allowedRoutes: {namespaces: {from: All}}
  - name: shop
    hostname: "*.shop.example.com"
    port: 8443
    protocol: HTTPS
    allowedRoutes:
      namespaces:
        from: Selector
        selector: {matchLabels: {kubernetes.io/metadata.name: shop}}
  - name: grpc-only
    port: 9000
    protocol: HTTP
    allowedRoutes:
      namespaces: {from: All}
      kinds: [{kind: GRPCRoute}]
  - name: sni
    hostname: "*.example.com"
    port: 8444
    protocol: TLS
    tls: {mode: Passthrough}
    allowedRoutes: {namespaces: {from: All}}
  - name: private
    port: 8080
    protocol: HTTP
`;
const route = (opts) => `${base}---
apiVersion: gateway.networking.k8s.io/v1
kind: ${opts.kind ?? 'HTTPRoute'}
metadata: {name: r, namespace: ${opts.ns ?? 'analytics'}}
spec:
  parentRefs:
  - ${opts.parent ?? '{name: shared, namespace: istio-ingress}'}
${opts.hostnames ? `  hostnames: [${opts.hostnames.map((h) => JSON.stringify(h)).join(', ')}]\n` : ''}  rules:
  - backendRefs:
    - {name: collector, port: 80}
`;
const at = (section) => `{name: shared, namespace: istio-ingress, sectionName: ${section}}`;
const policy = {
    model: {
        tenantPolicy: parseTenantPolicy(`platform: {namespaces: [istio-ingress]}
tenants:
- {name: shop, namespaces: [shop], hosts: ["*.shop.example.com"], gateways: [istio-ingress/shared]}
- {name: payments, namespaces: [payments], hosts: [pay.example.com, api.stripe.com], gateways: [istio-ingress/shared]}
- {name: analytics, namespaces: [analytics], gateways: [istio-ingress/shared]}
`, 't.yaml'),
    },
};
test("a hostname another namespace declares is high; the message names the listener, the gateway and the owner", async () => {
    const f = await findingsFor(rule, route({ hostnames: ['api.stripe.com'], parent: at('open') }));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.hostnames[0]');
    assert.match(f[0].message, /^HTTPRoute analytics\/r attaches to listener open of the shared Gateway istio-ingress\/shared \(in platform namespace istio-ingress\) with hostname "api\.stripe\.com", which belongs to ServiceEntry hosts of other namespaces \(payments\/stripe\)/);
    assert.ok(f[0].evidence.some((e) => e.role === 'victim' && e.resource?.name === 'stripe'));
});
test('no hostnames on a listener without one matches every host: high, at the parentRef', async () => {
    const f = await findingsFor(rule, route({ parent: at('open') }));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.parentRefs[0]');
    assert.match(f[0].message, /with no hostnames, and the listener has none either, so it matches every host, which covers/);
    // Also with a policy, and also when no Service exists to be covered.
    const g = await findingsFor(rule, route({ parent: at('open') }).replace(/kind: Service\nmetadata: \{name: payments-api[^]*?---/, '---'), policy);
    assert.equal(g.length, 1);
    assert.equal(g[0].severity, 'high');
});
test("with a policy: inheriting or intersecting to another tenant's hostname is critical", async () => {
    const inherit = await findingsFor(rule, route({ parent: at('pay') }), policy);
    assert.equal(inherit.length, 1);
    assert.equal(inherit[0].severity, 'critical');
    assert.match(inherit[0].message, /with no hostnames, so it inherits the listener's hostname pay\.example\.com, which belongs to tenant payments by policy/);
    const wild = await findingsFor(rule, route({ hostnames: ['*.example.com'], parent: at('pay') }), policy);
    assert.equal(wild.length, 1);
    assert.equal(wild[0].severity, 'critical');
    assert.match(wild[0].message, /hostname "\*\.example\.com" \(pay\.example\.com on that listener\)/);
    const out = await findingsFor(rule, route({ hostnames: ['reports.example.org'], parent: at('open') }), policy);
    assert.equal(out[0].severity, 'high');
    assert.match(out[0].message, /outside tenant analytics's allowed hosts \(none\)/);
    // Without a policy nobody owns pay.example.com.
    assert.deepEqual(await findingsFor(rule, route({ parent: at('pay') })), []);
});
test("a tenant's own hostnames pass", async () => {
    assert.deepEqual(await findingsFor(rule, route({ ns: 'payments', hostnames: ['pay.example.com'], parent: at('pay') }), policy), []);
    assert.deepEqual(await findingsFor(rule, route({ ns: 'shop', hostnames: ['www.shop.example.com'], parent: at('shop') }), policy), []);
    assert.deepEqual(await findingsFor(rule, route({ ns: 'shop', parent: at('shop') }), policy), [], 'inherits its own wildcard');
});
test('routes a listener does not admit attach nowhere', async () => {
    // The shop listener takes routes from shop only (kubernetes.io/metadata.name is implicit on every namespace).
    assert.deepEqual(await findingsFor(rule, route({ hostnames: ['www.shop.example.com'], parent: at('shop') }), policy), []);
    // The private listener keeps the default from: Same.
    assert.deepEqual(await findingsFor(rule, route({ parent: at('private') })), []);
    // grpc-only admits GRPCRoutes only; the TLS listener does not take HTTPRoutes.
    assert.deepEqual(await findingsFor(rule, route({ parent: at('grpc-only') })), []);
    assert.deepEqual(await findingsFor(rule, route({ hostnames: ['pay.example.com'], parent: at('sni') }), policy), []);
    assert.deepEqual(await findingsFor(rule, route({ parent: '{name: shared, namespace: istio-ingress, sectionName: nope}' })), []);
});
test('GRPCRoute and TLSRoute are checked like HTTPRoute', async () => {
    const grpc = await findingsFor(rule, route({ kind: 'GRPCRoute', parent: at('grpc-only') }));
    assert.equal(grpc.length, 1);
    assert.match(grpc[0].message, /^GRPCRoute analytics\/r attaches to listener grpc-only/);
    const tls = await findingsFor(rule, route({ kind: 'TLSRoute', hostnames: ['pay.example.com'], parent: at('sni') }), policy);
    assert.equal(tls.length, 1);
    assert.equal(tls[0].severity, 'critical');
});
test('without sectionName a route attaches to every listener that admits it', async () => {
    const f = await findingsFor(rule, route({}), policy);
    assert.deepEqual(f.map((x) => [x.severity, x.location?.path]).sort(), [['critical', 'spec.parentRefs[0]'], ['high', 'spec.parentRefs[0]']]);
    assert.equal((await findingsFor(rule, route({}))).length, 1, 'without a policy only the catch-all');
});
test('a shared Gateway missing from the input: hostnames are judged, inherited ones cannot be', async () => {
    const missing = '{name: elsewhere, namespace: istio-ingress}';
    const f = await findingsFor(rule, route({ hostnames: ['pay.example.com'], parent: missing }), policy);
    const host = f.filter((x) => x.location?.path === 'spec.hostnames[0]');
    assert.equal(host.length, 1);
    assert.equal(host[0].severity, 'critical');
    assert.match(host[0].message, /attaches to the shared Gateway istio-ingress\/elsewhere \(in platform namespace istio-ingress\) with hostname "pay\.example\.com"/);
    // istio-ingress/elsewhere is not among analytics' gateways either.
    assert.ok(f.some((x) => x.location?.path === 'spec.parentRefs[0]' && /does not give tenant analytics/.test(x.message)));
    assert.deepEqual(await findingsFor(rule, route({ parent: missing })), []);
});
test('Service parents (mesh routing) and gateways of the own tenant are not shared entry points', async () => {
    assert.deepEqual(await findingsFor(rule, route({ parent: '{kind: Service, group: "", name: payments-api, namespace: payments}' })), []);
    assert.deepEqual(await findingsFor(rule, route({ parent: '{name: own-gw}' })), []);
});
test('with a policy, attaching to a shared Gateway the tenant was not given is high', async () => {
    const strict = { model: { tenantPolicy: parseTenantPolicy('tenants:\n- {name: analytics, namespaces: [analytics], hosts: [reports.example.org]}\n', 't.yaml') } };
    const f = await findingsFor(rule, route({ hostnames: ['reports.example.org'], parent: at('open') }), strict);
    assert.equal(f.length, 1);
    assert.equal(f[0].location?.path, 'spec.parentRefs[0]');
    assert.equal(f[0].severity, 'high');
    assert.match(f[0].message, /which the tenant policy does not give tenant analytics \(its gateways: none\)/);
});
test('hostile shapes are ignored, not crashed on', async () => {
    const bad = `${base}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: odd, namespace: analytics}
spec:
  parentRefs: [1, null, {name: 5}, {namespace: istio-ingress}]
  hostnames: 7
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: odd2, namespace: analytics}
spec:
  parentRefs: {name: shared}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: broken, namespace: istio-ingress}
spec: {listeners: [1, {name: x, allowedRoutes: 3}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: odd3, namespace: analytics}
spec:
  parentRefs: [{name: broken, namespace: istio-ingress}]
  hostnames: [1, "", null]
`;
    assert.deepEqual(await findingsFor(rule, bad), []);
});
test('the documented examples: bad is reported, good is not', async () => {
    const gateway = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shared, namespace: istio-ingress}
spec:
  gatewayClassName: istio
  listeners:
  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
  - {name: https, hostname: "*.example.com", port: 443, protocol: HTTPS, allowedRoutes: {namespaces: {from: All}}}
---
`;
    const docsPolicy = { model: { tenantPolicy: parseTenantPolicy('tenants:\n- {name: analytics, namespaces: [analytics], hosts: [reports.analytics.example.com], gateways: [istio-ingress/shared]}\n', 't.yaml') } };
    const bad = await findingsFor(rule, gateway + rule.meta.docs.bad);
    assert.equal(bad.length, 1);
    assert.equal(bad[0].severity, 'high');
    assert.equal(bad[0].location?.path, 'spec.parentRefs[0]');
    assert.deepEqual(await findingsFor(rule, gateway + rule.meta.docs.good), []);
    assert.deepEqual(await findingsFor(rule, gateway + rule.meta.docs.good, docsPolicy), []);
});
