import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT032-waypoint-policy-bypassed-by-pod-address.js';
import { findingsFor } from '../../testing/kit.js';
import { authz, deployment, doc, docs, namespace, service } from './fixtures.js';

// The shape of a benchmark repository's ambient overlay: every namespace enrolled in ambient and in a
// waypoint of its own, the L7 policy on the waypoint, and L4 "viewer" policies in the root namespace
// that let the waypoints in but also the load generators and the test client.
const waypointGw = (labels: Record<string, string> = { 'istio.io/waypoint-for': 'service' }, annotations?: Record<string, string>) =>
  doc({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'waypoint', namespace: 'orders', labels, ...(annotations ? { annotations } : {}) },
    spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
  });
const APP = [
  namespace('orders', 'ambient', { 'istio.io/use-waypoint': 'waypoint' }),
  deployment('orders', 'checkout'),
  service('orders', 'checkout', { app: 'checkout' }),
];
const L7 = authz('orders', 'waypoint-viewer', {
  targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'waypoint' }],
  rules: [{ from: [{ source: { namespaces: ['orders'] } }], to: [{ operation: { methods: ['GET'] } }] }],
});
const l4 = (principals: string[]) =>
  authz('istio-system', 'checkout-viewer', { selector: { matchLabels: { app: 'checkout' } }, rules: [{ from: [{ source: { principals } }] }] });

test('no ztunnel ALLOW on the workload: any client reaches the pod past the waypoint, medium on the targetRef', async () => {
  const f = await findingsFor(rule, docs(...APP, waypointGw(), L7));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.equal(f[0].location?.path, 'spec.targetRefs[0]');
  assert.equal(
    f[0].message,
    'ALLOW policy orders/waypoint-viewer is enforced by waypoint orders/waypoint, which handles only traffic addressed to Services (istio.io/waypoint-for: service): a connection to the pod address of 1 workload (Deployment orders/checkout) goes from ztunnel straight to the pod and skips the policy; ztunnel, which alone checks such a connection, admits any client to it (no ALLOW policy it enforces there).',
  );
  assert.deepEqual(
    f[0].evidence.map((e) => [e.role, e.resource?.kind ?? null]),
    [
      ['waypoint', 'Gateway'],
      ['workload', null],
    ],
  );
});

test('an L4 ALLOW that admits callers besides the waypoint names them and the policy; the default traffic type is said', async () => {
  const f = await findingsFor(rule, docs(...APP, waypointGw({}), L7, l4(['cluster.local/ns/orders/sa/waypoint', 'cluster.local/ns/tools/sa/curl', 'cluster.local/ns/load/sa/vegeta'])));
  assert.equal(f.length, 1);
  assert.match(f[0].message, /no istio\.io\/waypoint-for label: Istio's default is service/);
  assert.match(f[0].message, /admits cluster\.local\/ns\/tools\/sa\/curl, cluster\.local\/ns\/load\/sa\/vegeta \(policy istio-system\/checkout-viewer\)\.$/);
  assert.doesNotMatch(f[0].message, /sa\/waypoint/);
  assert.equal(f[0].evidence[1].resource?.name, 'checkout-viewer');
  // DENY and CUSTOM at the waypoint are skipped the same way; namespaces and rules without from admit more.
  const deny = authz('orders', 'no-delete', { targetRefs: [{ kind: 'Service', group: '', name: 'checkout' }], action: 'DENY', rules: [{ to: [{ operation: { methods: ['DELETE'] } }] }] });
  const ns = authz('orders', 'same-ns', { selector: { matchLabels: { app: 'checkout' } }, rules: [{ from: [{ source: { namespaces: ['orders'] } }] }, {}] });
  const g = await findingsFor(rule, docs(...APP, waypointGw(), deny, ns));
  assert.equal(g.length, 1);
  assert.equal(g[0].location?.path, 'spec.targetRefs[0]');
  assert.match(g[0].message, /^DENY policy orders\/no-delete .* admits namespace orders, any client \(rule 1 has no from\) \(policy orders\/same-ns\)\.$/);
});

test('negatives: ztunnel admits only the waypoint (or a gateway), a DENY notPrincipals lock, waypoint-for all, sidecars, no Service or one opted out', async () => {
  // Istio's ambient guide: the L4 policy admits the waypoint's identity and the ingress gateway's.
  const ingress = doc({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'public', namespace: 'edge' }, spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } });
  assert.deepEqual(await findingsFor(rule, docs(...APP, waypointGw(), ingress, L7, l4(['cluster.local/ns/orders/sa/waypoint', 'cluster.local/ns/edge/sa/public-istio']))), []);
  // The service-account annotation names the waypoint's identity.
  assert.deepEqual(await findingsFor(rule, docs(...APP, waypointGw(undefined, { 'gateway.istio.io/service-account': 'wp-orders' }), L7, l4(['*/ns/orders/sa/wp-orders']))), []);
  const lock = authz('orders', 'only-waypoint', { selector: { matchLabels: { app: 'checkout' } }, action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['cluster.local/ns/orders/sa/waypoint'] } }] }] });
  assert.deepEqual(await findingsFor(rule, docs(...APP, waypointGw(), L7, lock)), []);
  assert.deepEqual(await findingsFor(rule, docs(...APP, waypointGw({ 'istio.io/waypoint-for': 'all' }), L7)), []);
  assert.deepEqual(await findingsFor(rule, docs(...APP, waypointGw(), L7, authz('orders', 'deny-all', { selector: { matchLabels: { app: 'checkout' } } }))), []);
  assert.deepEqual(await findingsFor(rule, docs(namespace('orders', 'ambient', { 'istio.io/use-waypoint': 'waypoint' }), deployment('orders', 'checkout'), waypointGw(), L7)), []);
  assert.deepEqual(await findingsFor(rule, docs(namespace('orders'), deployment('orders', 'checkout'), service('orders', 'checkout', { app: 'checkout' }), waypointGw(), L7)), []);
  // A Service that opts out of the namespace's waypoint never sends traffic through it (BYP007 says so).
  const optedOut = [namespace('orders', 'ambient', { 'istio.io/use-waypoint': 'waypoint' }), deployment('orders', 'checkout'), service('orders', 'checkout', { app: 'checkout' }, undefined, {}, { 'istio.io/use-waypoint': 'none' })];
  assert.deepEqual(await findingsFor(rule, docs(...optedOut, waypointGw(), L7)), []);
  // A ztunnel ALLOW whose rules use HTTP fields never matches there: it admits nobody.
  const l7AtZtunnel = authz('orders', 'get-only', { selector: { matchLabels: { app: 'checkout' } }, rules: [{ to: [{ operation: { methods: ['GET'] } }] }] });
  assert.deepEqual(await findingsFor(rule, docs(...APP, waypointGw(), L7, l7AtZtunnel)), []);
});

test('a gateway service account of a platform namespace counts as a gateway when its objects are not in the input; a tenant\'s "gateway" name does not', async () => {
  // Istio's default install names the ingress gateway's account istio-ingressgateway-service-account.
  const installed = ['cluster.local/ns/orders/sa/waypoint', 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account', 'cluster.local/ns/istio-ingress/sa/istio-ingressgateway'];
  assert.deepEqual(await findingsFor(rule, docs(...APP, waypointGw(), L7, l4(installed))), []);
  const f = await findingsFor(rule, docs(...APP, waypointGw(), L7, l4([...installed, 'cluster.local/ns/tools/sa/gateway-tester'])));
  assert.equal(f.length, 1);
  assert.match(f[0].message, /admits cluster\.local\/ns\/tools\/sa\/gateway-tester \(policy istio-system\/checkout-viewer\)\.$/);
});
