import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK009-referencegrant-other-tenants.js';
import { findingsFor } from '../../testing/kit.js';
import { parseTenantPolicy } from '../../tenancy/policy.js';

const grant = (from: string[], to: string[], ns = 'payments') => `apiVersion: gateway.networking.k8s.io/v1beta1
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

test('every object of a kind for another tenant: Secrets high, others medium; named Secrets low without a tenant policy, medium with one; named others low', async () => {
  const f = (
    await findingsFor(
      rule,
      grant([fromAnalytics, gatewaysFromAnalytics], ['{group: "", kind: Service}', '{group: "", kind: Secret}', '{group: "", kind: Secret, name: pay-cert}', '{group: "", kind: Service, name: payments-api}']),
    )
  ).sort((a, b) => (a.location?.path ?? '').localeCompare(b.location?.path ?? ''));
  assert.deepEqual(f.map((x) => [x.location?.path, x.severity]), [
    ['spec.to[0]', 'medium'],
    ['spec.to[1]', 'high'],
    ['spec.to[2]', 'low'],
    ['spec.to[3]', 'low'],
  ]);
  // Each entry of `to` names only the `from` kinds that ask Istio for it: Gateways ask for Secrets, routes for Services.
  assert.equal(
    f[1].message,
    "ReferenceGrant payments/grant lets Gateways in analytics (tenant analytics) reference every Secret in payments, present and future: its Gateways can serve this namespace's TLS certificates and private keys.",
  );
  assert.equal(
    f[0].message,
    "ReferenceGrant payments/grant lets HTTPRoutes in analytics (tenant analytics) reference every Service in payments, present and future: its HTTPRoutes can send traffic to any Service here, past the owner's own routing.",
  );
  assert.equal(
    f[2].message,
    "ReferenceGrant payments/grant lets Gateways in analytics (tenant analytics) reference Secret payments/pay-cert: its Gateways can serve that certificate and private key (no tenant policy says whether analytics is the platform's gateway namespace: if so, list it under platform.namespaces).",
  );
  assert.ok(f[0].evidence.some((e) => e.role === 'granted-namespace' && /analytics belongs to tenant analytics/.test(e.description)));

  // A policy that places the granted namespace in another tenant: that tenant's Gateways serve this tenant's key.
  const policy = parseTenantPolicy('tenants:\n- {name: money, namespaces: [payments]}\n- {name: data, namespaces: [analytics]}\n', 't.yaml');
  const p = await findingsFor(rule, grant([gatewaysFromAnalytics], ['{group: "", kind: Secret, name: pay-cert}']), { model: { tenantPolicy: policy } });
  assert.deepEqual(p.map((x) => x.severity), ['medium']);
  assert.equal(p[0].message, 'ReferenceGrant payments/grant lets Gateways in analytics (tenant data) reference Secret payments/pay-cert: its Gateways can serve that certificate and private key.');
});

test('pairs Istio ignores are not reported: route to Secret, Gateway to Service, UDPRoute, wrong groups, unknown kinds', async () => {
  // Istio keeps from kinds Gateway, ListenerSet, HTTPRoute, GRPCRoute, TLSRoute, TCPRoute and to kinds
  // Secret, ConfigMap, Service, XBackend, InferencePool (by group and kind); Secrets are asked for by
  // Gateways and ListenerSets only, backends by routes only.
  const inert: Array<[string, string]> = [
    [fromAnalytics, '{group: "", kind: Secret}'],
    ['{group: gateway.networking.k8s.io, kind: TLSRoute, namespace: analytics}', '{group: "", kind: Secret, name: tls-backend}'],
    ['{group: gateway.networking.k8s.io, kind: GRPCRoute, namespace: analytics}', '{group: "", kind: ConfigMap}'],
    [gatewaysFromAnalytics, '{group: "", kind: Service}'],
    ['{group: gateway.networking.k8s.io, kind: UDPRoute, namespace: analytics}', '{group: "", kind: Service}'],
    ['{group: not-the-group-youre-looking-for, kind: Gateway, namespace: analytics}', '{group: "", kind: Secret}'],
    ['{kind: Gateway, namespace: analytics}', '{group: "", kind: Secret}'],
    [gatewaysFromAnalytics, '{group: not-the-group-youre-looking-for, kind: Secret}'],
    [fromAnalytics, '{group: example.com, kind: Backend}'],
    [fromAnalytics, '{group: "", kind: Pod}'],
  ];
  for (const [from, to] of inert) assert.deepEqual(await findingsFor(rule, grant([from], [to])), [], `${from} -> ${to}`);
});

test('ListenerSets, ConfigMaps, XBackends and InferencePools: the effect names the kinds granted', async () => {
  const ls = await findingsFor(
    rule,
    grant(['{group: gateway.networking.k8s.io, kind: ListenerSet, namespace: analytics}', '{group: gateway.networking.x-k8s.io, kind: XListenerSet, namespace: analytics}'], ['{group: "", kind: Secret}', '{group: "", kind: ConfigMap, name: ca}']),
  );
  assert.deepEqual(ls.map((x) => x.severity).sort(), ['high', 'low']);
  assert.match(ls.find((x) => x.severity === 'high')!.message, /lets ListenerSets and XListenerSets in analytics \(tenant analytics\) reference every Secret in payments, present and future: its ListenerSets and XListenerSets can serve/);
  assert.match(ls.find((x) => x.severity === 'low')!.message, /reference ConfigMap payments\/ca: its ListenerSets and XListenerSets can use that ConfigMap as the CA bundle that verifies client certificates\./);

  const routes = ['TLSRoute', 'TCPRoute'].map((k) => `{group: gateway.networking.k8s.io, kind: ${k}, namespace: analytics}`);
  const be = await findingsFor(rule, grant(routes, ['{group: gateway.networking.x-k8s.io, kind: XBackend}', '{group: inference.networking.k8s.io, kind: InferencePool, name: llm}']));
  assert.deepEqual(be.map((x) => x.severity).sort(), ['low', 'medium']);
  assert.match(be.find((x) => x.severity === 'medium')!.message, /lets TLSRoutes and TCPRoutes in analytics \(tenant analytics\) reference every XBackend \(gateway\.networking\.x-k8s\.io\) in payments, present and future: its TLSRoutes and TCPRoutes can send traffic to any XBackend here/);
  assert.match(be.find((x) => x.severity === 'low')!.message, /reference InferencePool payments\/llm: its TLSRoutes and TCPRoutes can send traffic to that InferencePool/);
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
  const bad = await findingsFor(rule, rule.meta.docs.bad!);
  assert.equal(bad.length, 1);
  assert.equal(bad[0].severity, 'high');
  assert.deepEqual(await findingsFor(rule, rule.meta.docs.good!), []);
});
