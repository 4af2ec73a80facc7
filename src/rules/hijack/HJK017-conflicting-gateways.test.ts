import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK017-conflicting-gateways.js';
import { findingsFor } from '../../testing/kit.js';

const gatewayPods = `apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway, app: istio-ingressgateway}}
    spec:
      containers: [{name: istio-proxy, image: docker.io/istio/proxyv2:1.24.0, args: [proxy, router]}]
`;

const gw = (name: string, ns: string, server: string, selector = '{istio: ingressgateway}', created = '') => `---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}${created ? `, creationTimestamp: "${created}"` : ''}}
spec:
  selector: ${selector}
  servers:
${server}
`;
const https = (hosts: string, cred: string, port = 443) =>
  `  - port: {number: ${port}, name: https, protocol: HTTPS}\n    hosts: ${hosts}\n    tls: {mode: SIMPLE, credentialName: ${cred}}`;
const http = (hosts: string, port = 80) => `  - port: {number: ${port}, name: http, protocol: HTTP}\n    hosts: ${hosts}`;

test('a newer Gateway on the same pods, port and host with another certificate, in another tenant, is high at its host', async () => {
  const f = await findingsFor(
    rule,
    gatewayPods + gw('shop', 'shop', https('["shop.example.com"]', 'shop-cert'), undefined, '2025-01-01T00:00:00Z') + gw('grab', 'promo', https('["promo.example.com", "shop.example.com"]', 'promo-cert'), undefined, '2026-01-01T00:00:00Z'),
  );
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(f[0].resource.name, 'grab');
  assert.equal(f[0].location?.path, 'spec.servers[0].hosts[1]');
  assert.equal(
    f[0].message,
    'Gateway promo/grab serves "shop.example.com" on port 443, which Gateway shop/shop also serves ("shop.example.com") on the same gateway pods (Deployment istio-system/istio-ingressgateway): Istio keeps one server per host and port, chosen by creation order, and ignores or merges the other\'s TLS settings (TLS SIMPLE with "shop-cert"; here TLS SIMPLE with "promo-cert") and routes; the two Gateways belong to different tenants (shop, promo).',
  );
  assert.ok(f[0].evidence.some((e) => e.role === 'conflicting-gateway' && e.resource?.name === 'shop'));
  assert.ok(f[0].evidence.some((e) => e.role === 'gateway-pods' && e.resource?.name === 'istio-ingressgateway'));
});

test('a wildcard over the other Gateway\'s host is one level lower: the proxy picks the more specific name', async () => {
  const f = await findingsFor(
    rule,
    gatewayPods + gw('shop', 'shop', https('["shop.example.com"]', 'shop-cert'), undefined, '2025-01-01T00:00:00Z') + gw('grab', 'promo', https('["*.example.com"]', 'promo-cert'), undefined, '2026-01-01T00:00:00Z'),
  );
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.match(f[0].message, /serves "\*\.example\.com" on port 443, which overlaps "shop\.example\.com" of Gateway shop\/shop on the same gateway pods .*: the proxy picks the more specific name per request and the wildcard takes every other name it covers; with different TLS settings .* HTTP\/2 clients that reuse one connection/);
  const sameTenant = await findingsFor(rule, gatewayPods + gw('a', 'shop', http('["shop.example.com"]')) + gw('b', 'shop', http('["*"]')));
  assert.equal(sameTenant[0].severity, 'low');
});

test('same namespace and same TLS is medium; plaintext against TLS on one port is high', async () => {
  const same = await findingsFor(rule, gatewayPods + gw('a', 'shop', https('["shop.example.com"]', 'cert')) + gw('b', 'shop', https('["shop.example.com"]', 'cert')));
  assert.equal(same.length, 1);
  assert.equal(same[0].severity, 'medium');
  assert.equal(same[0].resource.name, 'b');
  assert.match(same[0].message, /chosen by creation order, and ignores or merges the other's routes\.$/);
  const mixed = await findingsFor(rule, gatewayPods + gw('a', 'shop', https('["shop.example.com"]', 'cert', 8443)) + gw('b', 'shop', http('["shop.example.com"]', 8443)));
  assert.equal(mixed[0].severity, 'high');
  assert.match(mixed[0].message, /TLS settings \(TLS SIMPLE with "cert"; here no TLS\)/);
});

test('without the gateway pods in the input, equal or nested selectors mean the same pods', async () => {
  const f = await findingsFor(rule, gw('a', 'shop', http('["api.shop.example.com"]')) + gw('b', 'shop', http('["api.shop.example.com"]'), '{istio: ingressgateway, tier: edge}'));
  assert.equal(f.length, 1);
  assert.match(f[0].message, /the same gateway pods \(by their selectors; the pods are not in the input\)/);
});

test('different ports, disjoint hosts, disjoint selectors and namespace-scoped gateways do not conflict', async () => {
  const clean = [
    gatewayPods + gw('a', 'shop', https('["shop.example.com"]', 'c')) + gw('b', 'shop', https('["shop.example.com"]', 'c', 8443)),
    gatewayPods + gw('a', 'shop', https('["shop.example.com"]', 'c')) + gw('b', 'shop', https('["pay.example.com", "other/*.example.org"]', 'c')),
    gw('a', 'shop', http('["*"]'), '{istio: ingressgateway}') + gw('b', 'shop', http('["*"]'), '{istio: internal-gateway}'),
    gatewayPods + gw('a', 'shop', https('["shop.example.com"]', 'c')),
    gatewayPods + gw('a', 'shop', '  - 7\n  - {port: {number: "443"}, hosts: ["*"]}') + gw('b', 'shop', '  - {port: {number: 443}, hosts: [null, 5]}'),
  ];
  for (const text of clean) assert.deepEqual(await findingsFor(rule, text), [], text.slice(-300));
  // With PILOT_SCOPE_GATEWAY_TO_NAMESPACE, a Gateway only programs pods in its own namespace.
  const scopedIstiod = `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod, namespace: istio-system}
spec:
  template:
    spec:
      containers: [{name: discovery, image: docker.io/istio/pilot:1.24.0, env: [{name: PILOT_SCOPE_GATEWAY_TO_NAMESPACE, value: "true"}]}]
`;
  const conflicting = gatewayPods + gw('a', 'shop', https('["shop.example.com"]', 'c')) + gw('b', 'promo', https('["shop.example.com"]', 'd'));
  assert.equal((await findingsFor(rule, conflicting)).length, 1);
  assert.deepEqual(await findingsFor(rule, conflicting + scopedIstiod), []);
});

// kubeflow/manifests: kubeflow-gateway and istio-ingressgateway both serve "*" on port 80 of the same pods.
// Plaintext HTTP servers of one port are merged (MergeGateways), and the routes of both Gateways'
// VirtualServices for one host are appended into one virtual host (gateway.go, vHostDedupMap): no
// server is dropped; the older Gateway's routes come first.
test('two plaintext HTTP servers for one host: merged into one route table, said as such; TLS ones keep the creation-order wording', async () => {
  const f = await findingsFor(rule, gatewayPods + gw('web', 'shop', http('["*"]'), undefined, '2025-01-01T00:00:00Z') + gw('promo', 'promo', http('["*"]'), undefined, '2026-01-01T00:00:00Z'));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(
    f[0].message,
    'Gateway promo/promo serves "*" on port 80, which Gateway shop/web also serves ("*") on the same gateway pods (Deployment istio-system/istio-ingressgateway): Istio merges the two servers into one listener and serves the routes of the VirtualServices bound to either Gateway for that host from one route table, the older Gateway\'s first, so a broad route of one answers requests meant for the other; the two Gateways belong to different tenants (shop, promo).',
  );
  const tls = await findingsFor(rule, gatewayPods + gw('a', 'shop', https('["shop.example.com"]', 'cert')) + gw('b', 'shop', https('["shop.example.com"]', 'cert')));
  assert.match(tls[0].message, /Istio keeps one server per host and port, chosen by creation order/);
});
