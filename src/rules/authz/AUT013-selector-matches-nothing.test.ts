import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT013-selector-matches-nothing.js';
import { findingsFor } from '../../testing/kit.js';
import { authz, deployment, docs, doc, namespace, peerAuth, requestAuthn, service } from './fixtures.js';

const SHOP = [namespace('shop'), deployment('shop', 'web'), deployment('payments', 'ledger')];

test('an AuthorizationPolicy selector with a typo: medium, on the selector', async () => {
  const f = await findingsFor(rule, docs(...SHOP, authz('shop', 'deny-debug', { selector: { matchLabels: { app: 'wbe' } }, action: 'DENY', rules: [{ to: [{ operation: { ports: ['9090'] } }] }] })));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.equal(f[0].location?.path, 'spec.selector');
  assert.equal(f[0].message, 'DENY policy shop/deny-debug selects app=wbe, which matches no workload in namespace shop: it protects nothing.');
});

test('root-namespace selectors look in every namespace; AUDIT is low; RequestAuthentication and PeerAuthentication too', async () => {
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, authz('istio-system', 'ledger', { selector: { matchLabels: { app: 'ledger' } }, rules: [{}] }))), []);
  const root = await findingsFor(rule, docs(...SHOP, authz('istio-system', 'ghost', { selector: { matchLabels: { app: 'ghost' } }, action: 'AUDIT', rules: [{}] })));
  assert.equal(root[0].severity, 'low');
  assert.match(root[0].message, /matches no workload in any namespace/);
  const ra = await findingsFor(rule, docs(...SHOP, requestAuthn('shop', 'jwt', { selector: { matchLabels: { app: 'api' } }, jwtRules: [] })));
  assert.match(ra[0].message, /^RequestAuthentication shop\/jwt selects app=api/);
  const pa = await findingsFor(rule, docs(...SHOP, peerAuth('shop', 'api', { selector: { matchLabels: { app: 'api' } }, mtls: { mode: 'STRICT' } })));
  assert.equal(pa[0].severity, 'medium');
  assert.match(pa[0].message, /its STRICT mode applies to nothing/);
});

test('a PeerAuthentication with a selector in the root namespace is ignored by Istio', async () => {
  const f = await findingsFor(rule, docs(...SHOP, peerAuth('istio-system', 'strict-web', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'STRICT' } })));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.match(f[0].message, /in the root namespace, where Istio ignores selector policies: its STRICT mode applies to no workload/);
  const permissive = await findingsFor(rule, docs(...SHOP, peerAuth('istio-system', 'p', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'PERMISSIVE' } })));
  assert.equal(permissive[0].severity, 'low');
});

test('a PeerAuthentication that only overrides ports is described by its port-level modes, not as an UNSET policy', async () => {
  // net-istio's shape: a PERMISSIVE exception on a webhook port for an app the input does not hold.
  const only = await findingsFor(rule, docs(...SHOP, peerAuth('shop', 'webhook', { selector: { matchLabels: { app: 'webhook' } }, portLevelMtls: { '8443': { mode: 'PERMISSIVE' } } })));
  assert.equal(only.length, 1);
  assert.equal(only[0].severity, 'low');
  assert.equal(only[0].message, 'PeerAuthentication shop/webhook selects app=webhook, which matches no workload in namespace shop: its port-level mode (PERMISSIVE on port 8443; no workload-wide mode) applies to nothing.');
  assert.doesNotMatch(only[0].message, /UNSET mode/);
  // Both: the workload-wide mode and every port's; a STRICT port keeps the grade medium.
  const both = await findingsFor(rule, docs(...SHOP, peerAuth('shop', 'api', { selector: { matchLabels: { app: 'api' } }, mtls: { mode: 'PERMISSIVE' }, portLevelMtls: { '8080': { mode: 'STRICT' }, '9090': { mode: 'DISABLE' } } })));
  assert.equal(both[0].severity, 'medium');
  assert.match(both[0].message, /: its PERMISSIVE mode and its port-level modes \(STRICT on port 8080, DISABLE on port 9090\) apply to nothing\.$/);
  // No port-level settings: the workload-wide mode alone, as before (UNSET when it sets none).
  const unset = await findingsFor(rule, docs(...SHOP, peerAuth('shop', 'empty', { selector: { matchLabels: { app: 'api' } } })));
  assert.match(unset[0].message, /: its UNSET mode applies to nothing\.$/);
});

test('targetRefs: missing objects (when the namespace has that kind), other namespaces, unsupported kinds, sidecar-only Services', async () => {
  const base = [...SHOP, service('shop', 'web', { app: 'web' })];
  const missing = await findingsFor(rule, docs(...base, authz('shop', 'p', { targetRefs: [{ kind: 'Service', group: '', name: 'api' }], rules: [{}] })));
  assert.equal(missing[0].location?.path, 'spec.targetRefs[0]');
  assert.match(missing[0].message, /targets Service api: Service shop\/api is not in the input, so the policy applies to nothing through it/);
  const other = await findingsFor(rule, docs(...base, authz('shop', 'p', { targetRef: { kind: 'Service', group: '', name: 'web', namespace: 'payments' }, rules: [{}] })));
  assert.equal(other[0].location?.path, 'spec.targetRef');
  assert.match(other[0].message, /Istio ignores this target: targets must be in the policy's namespace/);
  const kind = await findingsFor(rule, docs(...base, authz('shop', 'p', { targetRefs: [{ kind: 'Deployment', group: 'apps', name: 'web' }], rules: [{}] })));
  assert.match(kind[0].message, /Istio does not attach policies to apps\/Deployment/);
  const sidecars = await findingsFor(rule, docs(...base, authz('shop', 'p', { targetRefs: [{ kind: 'Service', group: '', name: 'web' }], rules: [{}] })));
  assert.match(sidecars[0].message, /served by sidecars, which ignore policies attached with targetRefs/);
});

test('negatives: matching selectors, namespaces without workloads in the input (partial input), missing targets of kinds the namespace does not hold', async () => {
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, authz('shop', 'p', { selector: { matchLabels: { app: 'web' } }, rules: [{}] }))), []);
  assert.deepEqual(await findingsFor(rule, docs(namespace('empty'), authz('empty', 'p', { selector: { matchLabels: { app: 'x' } }, rules: [{}] }))), []);
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, authz('shop', 'p', { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' }], rules: [{}] }))), []);
  const gw = doc({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'shop' }, spec: { gatewayClassName: 'istio' } });
  assert.deepEqual(await findingsFor(rule, docs(...SHOP, gw, authz('shop', 'p', { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' }], rules: [{}] }))), []);
});

const k8sGateway = (ns: string, name: string, cls = 'istio', extra: Record<string, unknown> = {}) =>
  doc({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace: ns }, spec: { gatewayClassName: cls, listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }], ...extra } });

test('regression: a selector on the pods of a Gateway-API Gateway (class istio) matches them though their Deployment is not in the input', async () => {
  for (const key of ['gateway.networking.k8s.io/gateway-name', 'istio.io/gateway-name']) {
    const p = authz('ingress', 'gw-deny', { selector: { matchLabels: { [key]: 'public' } }, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin'] } }] }] });
    assert.deepEqual(await findingsFor(rule, docs(...SHOP, deployment('ingress', 'other'), k8sGateway('ingress', 'public'), p)), [], key);
  }
  // infrastructure.labels are copied onto the pods.
  const infra = k8sGateway('ingress', 'public', 'istio', { infrastructure: { labels: { team: 'edge' } } });
  const byTeam = authz('ingress', 'team', { selector: { matchLabels: { team: 'edge' } }, rules: [{}] });
  assert.deepEqual(await findingsFor(rule, docs(infra, byTeam)), []);
  // The Gateway alone makes the namespace hold a workload, so a typo next to it is still caught.
  const typo = authz('ingress', 'typo', { selector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'pubic' } }, rules: [{}] });
  const f = await findingsFor(rule, docs(k8sGateway('ingress', 'public'), typo));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'info', 'a gateway-name label whose Gateway is not in the input is unknown');
  // Classes Istio does not deploy pods for (remote, another controller) stay unmodelled.
  const other = authz('ingress', 'o', { selector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'public' } }, rules: [{}] });
  const gc = doc({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'envoy' }, spec: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' } });
  const g = await findingsFor(rule, docs(deployment('ingress', 'x'), gc, k8sGateway('ingress', 'public', 'envoy'), other));
  assert.equal(g[0].severity, 'info');
});

test("regression: a selector on Istio's own gateway labels, gateway not in the input: info, unknown rather than matches nothing", async () => {
  const istiod = deployment('istio-system', 'istiod', { labels: { app: 'istiod' } });
  const p = authz('istio-system', 'ingress-jwt', { selector: { matchLabels: { istio: 'ingressgateway' } }, action: 'DENY', rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }] }] });
  const f = await findingsFor(rule, docs(istiod, p));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'info');
  assert.equal(f[0].location?.path, 'spec.selector');
  assert.match(f[0].message, /^DENY policy istio-system\/ingress-jwt selects istio=ingressgateway, the labels of an Istio gateway whose installation .* is not in the input: whether it matches a workload is unknown/);
  const pa = await findingsFor(rule, docs(deployment('istio-ingress', 'x'), peerAuth('istio-ingress', 'gw', { selector: { matchLabels: { app: 'istio-ingressgateway' } }, mtls: { mode: 'STRICT' } })));
  assert.equal(pa[0].severity, 'info');
  // With the gateway in the input, it matches: nothing to say.
  const gw = deployment('istio-system', 'istio-ingressgateway', { labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' } });
  assert.deepEqual(await findingsFor(rule, docs(istiod, gw, p)), []);
  // Other labels mixed in are judged as before.
  const mixed = authz('istio-system', 'm', { selector: { matchLabels: { istio: 'ingressgateway', version: 'v2' } }, rules: [{}] });
  assert.equal((await findingsFor(rule, docs(istiod, mixed)))[0].severity, 'medium');
});
