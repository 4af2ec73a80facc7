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

// Istio's security best practices, "relaxed SNI host matching": Envoy picks the server by the SNI and
// does not hold the Host header to it, so a wildcard server without client certificates answers, on
// its own connections, requests for a name another Gateway serves with mutual TLS.
const mutual = (hosts: string, mode = 'MUTUAL') => `  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ${hosts}\n    tls: {mode: ${mode}, credentialName: admin-cert}`;
const vs = (name: string, ns: string, hosts: string, gateways: string, http: string) => `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${ns}}
spec:
  hosts: ${hosts}
  gateways: ${gateways}
  http:
${http}
`;
const toAdmin = '  - route: [{destination: {host: admin.ops.svc.cluster.local, port: {number: 8080}}}]';
const refuse421 = '  - match: [{uri: {prefix: /}}]\n    fault: {abort: {httpStatus: 421, percentage: {value: 100}}}\n    route: [{destination: {host: admin.ops.svc.cluster.local}}]';
const relaxed = gatewayPods + gw('admin', 'ops', mutual('["admin.example.com"]'), undefined, '2025-01-01T00:00:00Z') + gw('guest', 'ops', https('["*.example.com"]', 'guest-cert'), undefined, '2026-01-01T00:00:00Z');

test('relaxed SNI: a wildcard without client certificates beside a MUTUAL name is reported with Istio\'s 421 mitigation', async () => {
  const f = await findingsFor(rule, relaxed);
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium', 'different TLS settings, one level lower for the wildcard');
  assert.equal(f[0].resource.name, 'guest');
  assert.match(f[0].message, /"admin\.example\.com" requires a client certificate \(TLS MUTUAL with "admin-cert"\), but Envoy picks the server by the SNI and does not check that the Host header matches it, so a client that connects under any other name "\*\.example\.com" covers \(TLS SIMPLE with "guest-cert"\) can ask for "admin\.example\.com"/);
  assert.match(f[0].remediation ?? '', /Bind a VirtualService for "admin\.example\.com" to Gateway ops\/guest that answers every request with 421 Misdirected Request/);
  // Across tenants the message says so.
  const tenants = await findingsFor(rule, gatewayPods + gw('admin', 'ops', mutual('["admin.example.com"]'), undefined, '2025-01-01T00:00:00Z') + gw('guest', 'promo', https('["*.example.com"]', 'guest-cert'), undefined, '2026-01-01T00:00:00Z'));
  assert.match(tenants[0].message, /the two Gateways belong to different tenants \(ops, promo\)\.$/);
});

test('relaxed SNI: a VirtualService routing the MUTUAL name on the wildcard Gateway is high and named', async () => {
  for (const gateways of ['[guest]', '[ops/admin, ops/guest]']) {
    const f = await findingsFor(rule, relaxed + vs('admin-routes', 'ops', '["admin.example.com"]', gateways, toAdmin));
    assert.equal(f.length, 1, gateways);
    assert.equal(f[0].severity, 'high');
    assert.match(f[0].message, /but VirtualService ops\/admin-routes routes "admin\.example\.com" on Gateway ops\/guest \(TLS SIMPLE with "guest-cert"\); Envoy does not check that the Host header matches the SNI, so a client that connects under any other name "\*\.example\.com" covers, without a client certificate, and asks for "admin\.example\.com" is routed by it\./);
    assert.ok(f[0].evidence.some((e) => e.role === 'relaxed-sni-route' && e.resource?.name === 'admin-routes'));
    assert.match(f[0].remediation ?? '', /only to Gateway ops\/admin, and bind one to Gateway ops\/guest that answers "admin\.example\.com" with 421/);
  }
  // The specific server passing TLS through (the backend asks for the certificate) counts the same; so does ISTIO_MUTUAL.
  for (const mode of ['AUTO_PASSTHROUGH', 'PASSTHROUGH', 'ISTIO_MUTUAL']) {
    const f = await findingsFor(rule, gatewayPods + gw('admin', 'ops', mutual('["admin.example.com"]', mode), undefined, '2025-01-01T00:00:00Z') + gw('guest', 'ops', https('["*.example.com"]', 'guest-cert'), undefined, '2026-01-01T00:00:00Z') + vs('admin-routes', 'ops', '["admin.example.com"]', '[guest]', toAdmin));
    assert.equal(f[0]?.severity, 'high', mode);
  }
});

test('relaxed SNI: Istio\'s mitigation (every route of the name on the wildcard Gateway answers 421) leaves nothing to report', async () => {
  assert.deepEqual(await findingsFor(rule, relaxed + vs('disable-admin', 'ops', '["admin.example.com"]', '[guest]', refuse421)), []);
  const direct = '  - directResponse: {status: 421}';
  assert.deepEqual(await findingsFor(rule, relaxed + vs('disable-admin', 'ops', '["ADMIN.example.com."]', '[ops/guest]', direct)), []);
});

test('relaxed SNI: what does not mitigate it, and what refuses the name without 421', async () => {
  const cases: Array<[string, string]> = [
    ['bound to the other Gateway', vs('d', 'ops', '["admin.example.com"]', '[admin]', refuse421)],
    ['another name', vs('d', 'ops', '["www.example.com"]', '[guest]', refuse421)],
    ['a namespace the wildcard host does not admit', vs('d', 'other', '["admin.example.com"]', '[ops/guest]', refuse421)],
  ];
  for (const [what, extra] of cases) {
    const text = what === 'a namespace the wildcard host does not admit' ? relaxed.replace('["*.example.com"]', '["ops/*.example.com"]') + extra : relaxed + extra;
    const f = await findingsFor(rule, text);
    assert.equal(f.length, 1, what);
    assert.equal(f[0].severity, 'medium', what);
  }
  // Routes that still pass requests for the name on: Envoy aborts no request when the abort names no
  // percentage, half of them at 50; a 421 route beside one that serves the name.
  const passing: Array<[string, string]> = [
    ['no percentage', '  - fault: {abort: {httpStatus: 421}}\n    route: [{destination: {host: x}}]'],
    ['half the requests', '  - fault: {abort: {httpStatus: 421, percentage: {value: 50}}}\n    route: [{destination: {host: x}}]'],
    ['a 421 route and a serving one', `${refuse421}\n${toAdmin}`],
  ];
  for (const [what, http] of passing) {
    const f = await findingsFor(rule, relaxed + vs('d', 'ops', '["admin.example.com"]', '[guest]', http));
    assert.equal(f[0]?.severity, 'high', what);
  }
  // Routes the proxy answers itself, without 421: the name reaches no backend through the wildcard.
  for (const http of ['  - fault: {abort: {httpStatus: 403, percentage: {value: 100}}}\n    route: [{destination: {host: x}}]', '  - redirect: {authority: admin.example.com}']) {
    assert.deepEqual(await findingsFor(rule, relaxed + vs('d', 'ops', '["admin.example.com"]', '[guest]', http)), [], http);
  }
});

test('relaxed SNI does not apply where the wildcard asks for client certificates too, or the name asks for none', async () => {
  // Both SIMPLE with different certificates: the connection-reuse wording, as before.
  const simple = await findingsFor(rule, gatewayPods + gw('admin', 'ops', https('["admin.example.com"]', 'a'), undefined, '2025-01-01T00:00:00Z') + gw('guest', 'ops', https('["*.example.com"]', 'g'), undefined, '2026-01-01T00:00:00Z') + vs('r', 'ops', '["admin.example.com"]', '[guest]', toAdmin));
  assert.equal(simple[0].severity, 'medium');
  assert.match(simple[0].message, /HTTP\/2 clients that reuse one connection/);
  // The wildcard is MUTUAL too: no client gets in without a certificate.
  const both = await findingsFor(rule, gatewayPods + gw('admin', 'ops', mutual('["admin.example.com"]'), undefined, '2025-01-01T00:00:00Z') + gw('guest', 'ops', mutual('["*.example.com"]', 'ISTIO_MUTUAL'), undefined, '2026-01-01T00:00:00Z') + vs('r', 'ops', '["admin.example.com"]', '[guest]', toAdmin));
  assert.match(both[0].message, /HTTP\/2 clients that reuse one connection/);
  assert.notEqual(both[0].severity, 'high');
});

test('relaxed SNI when the MUTUAL Gateway is the newer one: reported on it, the wildcard named', async () => {
  const f = await findingsFor(rule, gatewayPods + gw('guest', 'ops', https('["*.example.com"]', 'guest-cert'), undefined, '2025-01-01T00:00:00Z') + gw('admin', 'ops', mutual('["admin.example.com"]'), undefined, '2026-01-01T00:00:00Z') + vs('r', 'ops', '["admin.example.com"]', '[guest]', toAdmin));
  assert.equal(f.length, 1);
  assert.equal(f[0].resource.name, 'admin');
  assert.equal(f[0].severity, 'high');
  assert.match(f[0].message, /^Gateway ops\/admin serves "admin\.example\.com" on port 443, which overlaps "\*\.example\.com" of Gateway ops\/guest/);
});

test('two identical AUTO_PASSTHROUGH servers: low, the duplicate is dropped and nothing changes; any difference keeps the grade', async () => {
  const auto = (mode = 'AUTO_PASSTHROUGH', hosts = '["*.local"]') => `  - port: {number: 15443, name: tls, protocol: TLS}\n    hosts: ${hosts}\n    tls: {mode: ${mode}}`;
  const f = await findingsFor(rule, gatewayPods + gw('cross-network', 'istio-system', auto()) + gw('eastwest', 'default', auto()));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'low');
  assert.match(f[0].message, /with AUTO_PASSTHROUGH, exactly as Gateway .* Istio keeps one of the two servers and drops the other/);
  // PASSTHROUGH servers are routed by VirtualServices bound to each Gateway: which one Istio keeps matters.
  const p = await findingsFor(rule, gatewayPods + gw('cross-network', 'istio-system', auto('PASSTHROUGH')) + gw('eastwest', 'default', auto('PASSTHROUGH')));
  assert.notEqual(p[0].severity, 'low');
  // Another TLS mode on one side is a real difference.
  const m = await findingsFor(rule, gatewayPods + gw('cross-network', 'istio-system', auto()) + gw('eastwest', 'default', auto('ISTIO_MUTUAL')));
  assert.equal(m[0].severity, 'high');
});
