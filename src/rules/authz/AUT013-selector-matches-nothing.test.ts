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
