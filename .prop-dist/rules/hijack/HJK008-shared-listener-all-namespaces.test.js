import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK008-shared-listener-all-namespaces.js';
import { findingsFor } from '../../testing/kit.js';
import { parseTenantPolicy } from '../../tenancy/policy.js';
const gateway = (listeners, ns = 'istio-ingress', name = 'shared') => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}}
spec:
  gatewayClassName: istio
  listeners:
${listeners}`;
const listener = (name, allowed, hostname) => `  - name: ${name}\n${hostname ? `    hostname: ${JSON.stringify(hostname)}\n` : ''}    port: 80\n    protocol: HTTP\n    allowedRoutes:\n      namespaces: ${allowed}\n`;
const byPath = (a, b) => (a.location?.path ?? '').localeCompare(b.location?.path ?? '');
const httpRoute = (ns, name, parent) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: ${ns}}
spec:
  parentRefs: [${parent}]
  rules:
  - backendRefs: [{name: app, port: 80}]
`;
test('from: All on a shared listener with a hostname is medium, without one high', async () => {
    const f = (await findingsFor(rule, gateway(listener('pay', '{from: All}', 'pay.example.com') + listener('any', '{from: All}')))).sort(byPath);
    assert.deepEqual(f.map((x) => [x.location?.path, x.severity]), [
        ['spec.listeners[0].allowedRoutes.namespaces.from', 'medium'],
        ['spec.listeners[1].allowedRoutes.namespaces.from', 'high'],
    ]);
    assert.equal(f[0].message, 'Listener "pay" of the shared Gateway istio-ingress/shared (in platform namespace istio-ingress) sets allowedRoutes.namespaces.from: All: routes from any namespace can attach to its hostname pay.example.com.');
    assert.match(f[1].message, /it has no hostname, so routes from any namespace can attach and claim any host\.$/);
});
test('from: Selector with an empty selector admits every namespace too', async () => {
    const f = await findingsFor(rule, gateway(listener('any', '{from: Selector, selector: {}}')));
    assert.equal(f.length, 1);
    assert.equal(f[0].location?.path, 'spec.listeners[0].allowedRoutes.namespaces.selector');
    assert.match(f[0].message, /from: Selector with an empty selector/);
});
test('Same, a real Selector, and the default are fine', async () => {
    const text = gateway(listener('same', '{from: Same}') +
        listener('sel', '{from: Selector, selector: {matchLabels: {kubernetes.io/metadata.name: payments}}}') +
        '  - name: default\n    port: 81\n    protocol: HTTP\n');
    assert.deepEqual(await findingsFor(rule, text), []);
});
test("a tenant's own Gateway is its business, unless the policy offers it to others", async () => {
    const own = gateway(listener('any', '{from: All}'), 'shop', 'shop-gw');
    assert.deepEqual(await findingsFor(rule, own), []);
    const policy = parseTenantPolicy('tenants:\n- {name: shop, namespaces: [shop]}\n- {name: analytics, namespaces: [analytics], gateways: ["shop/*"]}\n', 't.yaml');
    const f = await findingsFor(rule, own, { model: { tenantPolicy: policy } });
    assert.equal(f.length, 1);
    assert.match(f[0].message, /shared Gateway shop\/shop-gw \(offered to tenant analytics by the tenant policy\)/);
});
test("routes of other tenants already attached are named", async () => {
    const text = gateway(listener('any', '{from: All}')) +
        httpRoute('analytics', 'grab', '{name: shared, namespace: istio-ingress}') +
        httpRoute('istio-ingress', 'platform-route', '{name: shared}') +
        httpRoute('shop', 'elsewhere', '{name: other, namespace: istio-ingress}');
    const f = await findingsFor(rule, text);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /Routes of other tenants attached: HTTPRoute analytics\/grab\.$/);
    assert.deepEqual(f[0].evidence.map((e) => e.resource?.name), ['grab']);
});
test('hostile shapes are ignored, not crashed on', async () => {
    const bad = gateway('  - 1\n  - {name: x, allowedRoutes: {namespaces: 7}}\n  - {name: y, allowedRoutes: {namespaces: {from: 9}}}\n') + '---\n' + gateway('  - null\n', 'istio-ingress', 'b').replace('listeners:\n  - null\n', 'listeners: "x"\n');
    assert.deepEqual(await findingsFor(rule, bad), []);
});
test('the documented examples: bad is reported, good is not', async () => {
    const bad = await findingsFor(rule, rule.meta.docs.bad);
    assert.equal(bad.length, 1);
    assert.equal(bad[0].severity, 'high');
    assert.deepEqual(await findingsFor(rule, rule.meta.docs.good), []);
});
