import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK009-referencegrant-other-tenants.js';
import { findingsFor } from '../../testing/kit.js';
import { parseTenantPolicy } from '../../tenancy/policy.js';
const grant = (from, to, ns = 'payments') => `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: grant, namespace: ${ns}}
spec:
  from:
${from.map((f) => `  - ${f}`).join('\n')}
  to:
${to.map((t) => `  - ${t}`).join('\n')}
`;
const fromAnalytics = '{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: analytics}';
const gatewaysFromAnalytics = '{group: gateway.networking.k8s.io, kind: Gateway, namespace: analytics}';
test('every object of a kind for another tenant: Secrets high, others medium; named Secrets medium, named others low', async () => {
    const f = (await findingsFor(rule, grant([fromAnalytics, gatewaysFromAnalytics], ['{group: "", kind: Service}', '{group: "", kind: Secret}', '{group: "", kind: Secret, name: pay-cert}', '{group: "", kind: Service, name: payments-api}']))).sort((a, b) => (a.location?.path ?? '').localeCompare(b.location?.path ?? ''));
    assert.deepEqual(f.map((x) => [x.location?.path, x.severity]), [
        ['spec.to[0]', 'medium'],
        ['spec.to[1]', 'high'],
        ['spec.to[2]', 'medium'],
        ['spec.to[3]', 'low'],
    ]);
    assert.equal(f[1].message, "ReferenceGrant payments/grant lets HTTPRoutes, Gateways in analytics (tenant analytics) reference every Secret in payments, present and future: its Gateways can serve this namespace's TLS certificates and private keys.");
    assert.match(f[0].message, /reference every Service in payments, present and future: its routes can send traffic to any Service here/);
    assert.match(f[2].message, /reference Secret payments\/pay-cert: its Gateways can serve that certificate and private key\./);
    assert.ok(f[0].evidence.some((e) => e.role === 'granted-namespace' && /analytics belongs to tenant analytics/.test(e.description)));
});
test('grants to the platform and to the own tenant are not reported', async () => {
    assert.deepEqual(await findingsFor(rule, grant(['{group: gateway.networking.k8s.io, kind: Gateway, namespace: istio-ingress}'], ['{group: "", kind: Secret}'])), []);
    assert.deepEqual(await findingsFor(rule, grant(['{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: payments}'], ['{group: "", kind: Service}'])), []);
    const policy = parseTenantPolicy('tenants:\n- {name: money, namespaces: [payments, analytics]}\n', 't.yaml');
    assert.deepEqual(await findingsFor(rule, grant([fromAnalytics], ['{group: "", kind: Service}']), { model: { tenantPolicy: policy } }), []);
    // A grant in a platform namespace is the platform's decision.
    assert.deepEqual(await findingsFor(rule, grant([fromAnalytics], ['{group: "", kind: Secret}'], 'istio-ingress')), []);
});
test('only the foreign namespaces are named when a grant mixes them with the platform', async () => {
    const f = await findingsFor(rule, grant(['{group: gateway.networking.k8s.io, kind: Gateway, namespace: istio-ingress}', gatewaysFromAnalytics, '{group: gateway.networking.k8s.io, kind: Gateway, namespace: shop}'], ['{group: "", kind: Secret}']));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /lets Gateways in analytics, shop \(tenants analytics, shop\) reference every Secret/);
});
test('other kinds say what the grant gives', async () => {
    const f = await findingsFor(rule, grant([fromAnalytics], ['{group: example.com, kind: Backend}']));
    assert.equal(f[0].severity, 'medium');
    assert.match(f[0].message, /every Backend \(example\.com\) in payments, present and future: it can use any Backend here from its own configuration/);
});
test('hostile shapes are ignored, not crashed on', async () => {
    const bad = `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: odd, namespace: payments}
spec:
  from: [1, null, {namespace: 5}, {namespace: ""}]
  to: [{kind: Secret}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: odd2, namespace: payments}
spec:
  from: [{kind: Gateway, namespace: analytics}]
  to: [1, null, {kind: 3}, {name: x}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: odd3, namespace: payments}
spec: {from: "x", to: "y"}
`;
    assert.deepEqual(await findingsFor(rule, bad), []);
});
test('the documented examples: bad is reported, good is not', async () => {
    const bad = await findingsFor(rule, rule.meta.docs.bad);
    assert.equal(bad.length, 1);
    assert.equal(bad[0].severity, 'high');
    assert.deepEqual(await findingsFor(rule, rule.meta.docs.good), []);
});
