import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT003-destinationrule-disable-in-mesh.js';
import { findingsFor } from '../../testing/kit.js';
import { STRICT_MESH, deployment, destinationRule, docs, namespace, peerAuth, service } from './fixtures.js';

const SHOP = [namespace('shop'), namespace('legacy', 'none'), deployment('shop', 'web', { ports: [['http', 8080], ['admin', 9090]] }), service('shop', 'web', { app: 'web' }, [{ port: 80, targetPort: 'http', name: 'http' }, { port: 81, targetPort: 9090, name: 'admin' }])];
const disable = { mode: 'DISABLE' };

test('DISABLE to a mesh service whose pods accept plaintext: high, on the tls mode', async () => {
  const f = await findingsFor(rule, docs(...SHOP, destinationRule('shop', 'web', { host: 'web', trafficPolicy: { tls: disable } })));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.equal(f[0].location?.path, 'spec.trafficPolicy.tls.mode');
  assert.equal(
    f[0].message,
    "DestinationRule shop/web sets tls.mode DISABLE (trafficPolicy) for web, a service in the mesh: client sidecars send plaintext instead of Istio mutual TLS, and Deployment shop/web accepts it (PERMISSIVE by Istio's default).",
  );
  assert.deepEqual(f[0].evidence.map((e) => e.role), ['destination', 'workload']);
});

test('destinations STRICT everywhere: medium, the calls fail instead', async () => {
  const f = await findingsFor(rule, docs(...SHOP, STRICT_MESH, destinationRule('shop', 'web', { host: 'web.shop.svc.cluster.local', trafficPolicy: { tls: disable } })));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.match(f[0].message, /its workloads are STRICT, so these calls fail instead/);
});

test('portLevelSettings map the Service port to the container port and its port-level mode', async () => {
  const pa = peerAuth('shop', 'web', { selector: { matchLabels: { app: 'web' } }, portLevelMtls: { '8080': { mode: 'PERMISSIVE' } } });
  const dr = destinationRule('shop', 'web', {
    host: 'web',
    trafficPolicy: { portLevelSettings: [{ port: { number: 80 }, tls: disable }, { port: { number: 81 }, tls: disable }] },
  });
  const f = await findingsFor(rule, docs(...SHOP, STRICT_MESH, pa, dr));
  assert.equal(f.length, 2);
  const p80 = f.find((x) => x.location?.path === 'spec.trafficPolicy.portLevelSettings[0].tls.mode')!;
  assert.equal(p80.severity, 'high', 'port 80 → targetPort http → 8080, PERMISSIVE at port level');
  assert.match(p80.message, /\(port 80\).*PERMISSIVE from port-level policy shop\/web/);
  const p81 = f.find((x) => x.location?.path === 'spec.trafficPolicy.portLevelSettings[1].tls.mode')!;
  assert.equal(p81.severity, 'medium', 'port 81 → 9090, STRICT from the mesh');
});

test('subsets are checked too', async () => {
  const f = await findingsFor(rule, docs(...SHOP, destinationRule('shop', 'web', { host: 'web', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', trafficPolicy: { tls: disable } }] })));
  assert.equal(f.length, 1);
  assert.equal(f[0].location?.path, 'spec.subsets[1].trafficPolicy.tls.mode');
  assert.match(f[0].message, /\(subset v2: trafficPolicy\)/);
});

test('wildcards and services that are not in the input', async () => {
  const wild = await findingsFor(rule, docs(...SHOP, destinationRule('legacy', 'all-shop', { host: '*.shop.svc.cluster.local', trafficPolicy: { tls: disable } })));
  assert.equal(wild.length, 1);
  assert.match(wild[0].message, /covering 1 service in the mesh/);
  const absent = await findingsFor(rule, docs(namespace('payments'), destinationRule('shop', 'x', { host: 'ledger.payments.svc.cluster.local', trafficPolicy: { tls: disable } })));
  assert.equal(absent.length, 1);
  assert.equal(absent[0].severity, 'high');
  assert.match(absent[0].message, /a service of the mesh namespace payments: .* its workloads are not in the input/);
  const star = await findingsFor(rule, docs(namespace('payments'), destinationRule('shop', 'x', { host: '*', trafficPolicy: { tls: disable } })));
  assert.match(star[0].message, /a wildcard covering the mesh namespaces payments/);
});

test('negatives: external hosts, namespaces outside the mesh, other TLS modes', async () => {
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, destinationRule('shop', 'ext', { host: 'api.example.com', trafficPolicy: { tls: disable } }))), []);
  const legacy = docs(namespace('legacy', 'none'), deployment('legacy', 'old'), service('legacy', 'old', { app: 'old' }), destinationRule('legacy', 'old', { host: 'old', trafficPolicy: { tls: disable } }));
  assert.deepEqual(await findingsFor(rule, legacy), []);
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, destinationRule('shop', 'web', { host: 'web', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } }))), []);
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, destinationRule('shop', 'web', { host: 7, trafficPolicy: { tls: 'DISABLE' } }))), []);
});

test('workloads of a namespace without a Namespace object: medium, saying the namespace is unknown; high when the pods show a proxy of their own', async () => {
  const unknownNs = [deployment('orders', 'db', { ports: [5432] }), service('orders', 'db', { app: 'db' }, [{ port: 5432, targetPort: 5432, name: 'tcp' }])];
  const f = await findingsFor(rule, docs(...unknownNs, destinationRule('orders', 'db', { host: 'db', trafficPolicy: { tls: disable } })));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.match(f[0].message, /^DestinationRule orders\/db sets tls\.mode DISABLE \(trafficPolicy\) for db, a service of namespace orders, which the input does not show in or out of the mesh: client sidecars send plaintext/);
  assert.equal(f[0].evidence[0].description, 'Service orders/db');
  // Pods that opt in to injection themselves are in the mesh wherever they run.
  const optedIn = [deployment('orders', 'db', { ports: [5432], labels: { app: 'db', 'sidecar.istio.io/inject': 'true' } }), unknownNs[1]];
  const known = await findingsFor(rule, docs(...optedIn, destinationRule('orders', 'db', { host: 'db', trafficPolicy: { tls: disable } })));
  assert.equal(known[0]?.severity, 'high');
  assert.match(known[0].message, /for db, a service in the mesh:/);
  // A namespace known to be outside the mesh stays quiet.
  assert.deepEqual(await findingsFor(rule, docs(namespace('orders', 'none'), ...unknownNs, destinationRule('orders', 'db', { host: 'db', trafficPolicy: { tls: disable } }))), []);
});

test('a namespace the input does not show in or out of the mesh: medium, saying so', async () => {
  // Istio configuration kept apart from the applications: no Namespace object, no workload.
  const exact = await findingsFor(rule, docs(STRICT_MESH, destinationRule('bookinfo', 'ratings', { host: 'ratings', trafficPolicy: { tls: disable } })));
  assert.equal(exact.length, 1);
  assert.equal(exact[0].severity, 'medium');
  assert.equal(exact[0].location?.path, 'spec.trafficPolicy.tls.mode');
  assert.match(exact[0].message, /^DestinationRule bookinfo\/ratings sets tls\.mode DISABLE \(trafficPolicy\) for ratings, a service of namespace bookinfo, which the input does not show in or out of the mesh\. Where a destination is in the mesh, client sidecars send it plaintext/);
  const nsWide = await findingsFor(rule, docs(destinationRule('bookinfo', 'all', { host: '*.bookinfo.svc.cluster.local', trafficPolicy: { tls: disable } })));
  assert.match(nsWide[0].message, /a wildcard over the services of namespace bookinfo, which the input does not show/);
  const everywhere = await findingsFor(rule, docs(destinationRule('shop', 'all', { host: '*.local', subsets: [{ name: 'v1', trafficPolicy: { tls: disable } }] })));
  assert.equal(everywhere.length, 1);
  assert.equal(everywhere[0].location?.path, 'spec.subsets[0].trafficPolicy.tls.mode');
  assert.match(everywhere[0].message, /a wildcard over the services of every namespace/);
});

test('unknown namespaces: no finding for the platform namespaces, a namespace shown outside the mesh, or a name outside the cluster', async () => {
  assert.deepEqual(await findingsFor(rule, docs(destinationRule('istio-system', 'istiod', { host: 'istiod.istio-system.svc.cluster.local', trafficPolicy: { tls: disable } }))), []);
  assert.deepEqual(await findingsFor(rule, docs(destinationRule('shop', 'ks', { host: '*.kube-system.svc.cluster.local', trafficPolicy: { tls: disable } }))), []);
  assert.deepEqual(await findingsFor(rule, docs(namespace('legacy', 'none'), destinationRule('shop', 'old', { host: 'old.legacy.svc.cluster.local', trafficPolicy: { tls: disable } }))), []);
  assert.deepEqual(await findingsFor(rule, docs(namespace('legacy', 'none'), destinationRule('shop', 'old', { host: '*.legacy.svc.cluster.local', trafficPolicy: { tls: disable } }))), []);
  assert.deepEqual(await findingsFor(rule, docs(destinationRule('shop', 'ext', { host: 'api.partner.example', trafficPolicy: { tls: disable } }))), []);
  assert.deepEqual(await findingsFor(rule, docs(destinationRule('shop', 'web', { host: 'web', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } }))), []);
});

test('ExternalName Services are not judged: Istio makes them mesh-external aliases (egress-kubernetes-services)', async () => {
  // istio.io's "Kubernetes Services for Egress Traffic": an ExternalName Service and a DestinationRule
  // with DISABLE for it, in an injected namespace.
  const alias = service('default', 'my-httpbin', null, [{ port: 80, name: 'http' }], { type: 'ExternalName', externalName: 'httpbin.org' });
  const dr = destinationRule('default', 'my-httpbin', { host: 'my-httpbin.default.svc.cluster.local', trafficPolicy: { tls: disable } });
  assert.deepEqual(await findingsFor(rule, docs(namespace('default'), alias, dr)), []);
  assert.deepEqual(await findingsFor(rule, docs(alias, dr)), [], 'nor when the namespace is not in the input');
  // The same page's Service without a selector, its Endpoints written by hand to Wikipedia's addresses.
  const handEndpoints = service('default', 'my-wikipedia', null, [{ port: 443, name: 'tls' }]);
  const wiki = destinationRule('default', 'my-wikipedia', { host: 'my-wikipedia.default.svc.cluster.local', trafficPolicy: { tls: disable } });
  assert.deepEqual(await findingsFor(rule, docs(namespace('default'), handEndpoints, wiki)), []);
  assert.deepEqual(await findingsFor(rule, docs(handEndpoints, wiki)), []);
  // A wildcard over the namespace still counts the real mesh services beside it, and only them.
  const wide = await findingsFor(rule, docs(...SHOP, service('shop', 'ext', null, [{ port: 80 }], { type: 'ExternalName', externalName: 'example.org' }), destinationRule('shop', 'all', { host: '*.shop.svc.cluster.local', trafficPolicy: { tls: disable } })));
  assert.equal(wide.length, 1);
  assert.match(wide[0].message, /covering 1 service in the mesh/);
  assert.deepEqual(wide[0].evidence.filter((e) => e.role === 'destination').map((e) => e.resource?.name), ['web']);
});
