import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK005-gateway-hosts-any-namespace.js';
import { findingsFor } from '../../testing/kit.js';
import { parseTenantPolicy } from '../../tenancy/policy.js';

const gw = (hosts: string[], ns = 'istio-ingress', name = 'public') => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: [${hosts.map((h) => JSON.stringify(h)).join(', ')}]
    tls: {mode: SIMPLE, credentialName: cert}
`;

const boundVs = (ns: string, name: string, gateway: string) => `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${ns}}
spec:
  hosts: [www.shop.example.com]
  gateways: [${gateway}]
  http:
  - route:
    - destination: {host: storefront}
`;

test('"*" and "*/*" let any namespace bind any host: high', async () => {
  for (const h of ['*', '*/*']) {
    const f = await findingsFor(rule, gw([h]));
    assert.equal(f.length, 1, h);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.servers[0].hosts[0]');
    assert.match(f[0].message, /^Gateway istio-ingress\/public, shared \(in platform namespace istio-ingress\), serves "\*(\/\*)?" \(port 443\)/);
    assert.match(f[0].message, /any VirtualService in any namespace may bind any host to it/);
  }
});

test('hosts without a namespace prefix, or with */, are medium', async () => {
  const f = await findingsFor(rule, gw(['shop/www.shop.example.com', 'pay.example.com', '*/api.example.com', '*.example.org']));
  assert.deepEqual(f.map((x) => [x.location?.path, x.severity]), [
    ['spec.servers[0].hosts[1]', 'medium'],
    ['spec.servers[0].hosts[2]', 'medium'],
    ['spec.servers[0].hosts[3]', 'medium'],
  ]);
  assert.match(f[0].message, /"pay\.example\.com" \(port 443\) without a namespace\/ prefix \(the same as \*\/\): a VirtualService in any namespace may bind "pay\.example\.com" to it/);
  assert.match(f[1].message, /"\*\/api\.example\.com" \(port 443\) with the \*\/ prefix:/);
});

test('hosts bound to one namespace are fine', async () => {
  assert.deepEqual(await findingsFor(rule, gw(['shop/www.shop.example.com', './admin.example.com', 'istio-ingress/*', 'payments/*'])), []);
});

test("a tenant's own gateway open to every namespace is reported too, without the shared note", async () => {
  const f = await findingsFor(rule, gw(['www.shop.example.com'], 'shop', 'shop-gw'));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.match(f[0].message, /^Gateway shop\/shop-gw serves/);
});

test('VirtualServices of other namespaces already bound to it are named as evidence', async () => {
  const text = gw(['*']) + boundVs('shop', 'front', 'istio-ingress/public') + boundVs('analytics', 'legacy-form', 'public.istio-ingress.svc.cluster.local') + boundVs('shop', 'elsewhere', 'istio-ingress/other');
  const f = await findingsFor(rule, text);
  assert.equal(f.length, 1);
  assert.match(f[0].message, /VirtualServices of other namespaces bound to it for their hosts: shop\/front, analytics\/legacy-form\.$/);
  assert.deepEqual(f[0].evidence.map((e) => e.resource?.name).sort(), ['front', 'legacy-form']);
});

// Istio builds a server's routes only from bound VirtualServices whose hosts intersect the server's
// (host.Names.Intersection in the gateway route builder): one bound to the Gateway for another name adds
// nothing to this host, so naming it would point at the wrong tenant.
test('a VirtualService bound to the Gateway is named for a host only when its hosts intersect that host', async () => {
  const vsFor = (ns: string, name: string, host: string) => boundVs(ns, name, 'istio-ingress/public').replace('[www.shop.example.com]', `["${host}"]`);
  const text = gw(['legacy.shop.example.com']) + vsFor('shop', 'other-name', 'api.shop.example.com') + vsFor('shop', 'legacy', 'Legacy.Shop.example.com') + vsFor('ads', 'wide', '*.example.com');
  const f = await findingsFor(rule, text);
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.match(f[0].message, /bound to it for that host: shop\/legacy, ads\/wide\.$/);
  assert.deepEqual(f[0].evidence.map((e) => e.resource?.name).sort(), ['legacy', 'wide']);

  // Bound only for a name the server does not serve: the finding stands, with no VirtualService named.
  const alone = await findingsFor(rule, gw(['legacy.shop.example.com']) + vsFor('shop', 'other-name', 'api.shop.example.com'));
  assert.equal(alone.length, 1);
  assert.doesNotMatch(alone[0].message, /bound to it/);
  assert.deepEqual(alone[0].evidence, []);
});

test('a policy-shared gateway in a tenant namespace says so', async () => {
  const policy = parseTenantPolicy('tenants:\n- {name: shop, namespaces: [shop]}\n- {name: analytics, namespaces: [analytics], gateways: [shop/shop-gw]}\n', 't.yaml');
  const f = await findingsFor(rule, gw(['*'], 'shop', 'shop-gw'), { model: { tenantPolicy: policy } });
  assert.match(f[0].message, /shared \(offered to tenant analytics by the tenant policy\)/);
});

test('hostile shapes are ignored, not crashed on', async () => {
  const bad = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: odd, namespace: istio-ingress}
spec:
  servers: [1, null, {hosts: "*"}, {hosts: [1, "", null]}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: odd2, namespace: istio-ingress}
spec: {servers: "x"}
`;
  assert.deepEqual(await findingsFor(rule, bad), []);
});

test('the documented examples: bad is reported, good is not', async () => {
  const bad = await findingsFor(rule, rule.meta.docs.bad!);
  assert.equal(bad.length, 1);
  assert.equal(bad[0].severity, 'high');
  assert.deepEqual(await findingsFor(rule, rule.meta.docs.good!), []);
});

// The multi-network east-west gateway of Istio's samples (expose-services.yaml): AUTO_PASSTHROUGH routes by
// SNI with no VirtualService, so nobody gains anything by binding one; a PASSTHROUGH server next to it still
// needs VirtualServices to route, so it stays reported.
test('AUTO_PASSTHROUGH servers are left out; PASSTHROUGH and other servers of the same Gateway are not', async () => {
  const yaml = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: cross-network-gateway, namespace: istio-system}
spec:
  selector: {istio: eastwestgateway}
  servers:
  - port: {number: 15443, name: tls, protocol: TLS}
    tls: {mode: AUTO_PASSTHROUGH}
    hosts: ["*.local"]
  - port: {number: 15444, name: tls-auto-lower, protocol: TLS}
    tls: {mode: auto_passthrough}
    hosts: ["*"]
  - port: {number: 443, name: tls-pass, protocol: TLS}
    tls: {mode: PASSTHROUGH}
    hosts: ["*.local"]
`;
  const f = await findingsFor(rule, yaml);
  assert.deepEqual(f.map((x) => x.location?.path), ['spec.servers[2].hosts[0]']);
  assert.equal(f[0].severity, 'medium');
});
