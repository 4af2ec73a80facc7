import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanYaml } from '../testing/kit.js';
import { computePosture, type MeshPosture, type WorkloadPosture } from './index.js';
import { authz, deployment, docs, doc, namespace, peerAuth, requestAuthn, service } from '../rules/authz/fixtures.js';

async function postureOf(text: string): Promise<MeshPosture> {
  const res = await scanYaml(text, { rules: [] });
  assert.deepEqual(res.errors, []);
  return computePosture(res.model);
}

function wl(p: MeshPosture, ns: string, name: string): WorkloadPosture {
  const wp = p.workloads.find((w) => w.workload.namespace === ns && w.workload.resource.name === name);
  assert.ok(wp, `workload ${ns}/${name}`);
  return wp;
}

function ports(wp: WorkloadPosture): string[] {
  return wp.mtls.ports.map((p) => `${p.port}:${p.mode}:${p.origin.level}`);
}

test('no PeerAuthentication: Istio default PERMISSIVE on every port', async () => {
  const p = await postureOf(docs(namespace('shop'), deployment('shop', 'web', { ports: [8080, 9090] })));
  const w = wl(p, 'shop', 'web');
  assert.equal(w.mtls.mode, 'PERMISSIVE');
  assert.equal(w.mtls.origin.level, 'default');
  assert.deepEqual(ports(w), ['8080:PERMISSIVE:default', '9090:PERMISSIVE:default']);
  assert.equal(p.meshMtls.mode, 'PERMISSIVE');
  assert.equal(p.meshMtls.policy, null);
  assert.ok(p.acceptsPlaintext(w));
});

test('inheritance mesh → namespace → workload → port, UNSET inherits at each level', async () => {
  const p = await postureOf(
    docs(
      namespace('shop'),
      namespace('payments'),
      peerAuth('istio-system', 'default', { mtls: { mode: 'STRICT' } }),
      peerAuth('payments', 'default', { mtls: { mode: 'PERMISSIVE' } }),
      peerAuth('payments', 'ledger', { selector: { matchLabels: { app: 'ledger' } }, mtls: { mode: 'UNSET' }, portLevelMtls: { '9090': { mode: 'STRICT' }, '7070': { mode: 'UNSET' } } }),
      peerAuth('shop', 'web', { selector: { matchLabels: { app: 'web' } }, portLevelMtls: { '8081': { mode: 'DISABLE' } } }),
      deployment('shop', 'web', { ports: [8080, 8081] }),
      deployment('shop', 'api', { ports: [8080] }),
      deployment('payments', 'ledger', { ports: [8080, 9090] }),
    ),
  );
  const web = wl(p, 'shop', 'web');
  assert.equal(web.mtls.mode, 'STRICT');
  assert.equal(web.mtls.origin.level, 'mesh');
  assert.deepEqual(ports(web), ['8080:STRICT:mesh', '8081:DISABLE:port']);
  assert.deepEqual(web.mtls.ports[1].origin.path, ['spec', 'portLevelMtls', '8081', 'mode']);
  assert.deepEqual(ports(wl(p, 'shop', 'api')), ['8080:STRICT:mesh']);
  const ledger = wl(p, 'payments', 'ledger');
  assert.equal(ledger.mtls.mode, 'PERMISSIVE', 'workload UNSET inherits the namespace');
  assert.equal(ledger.mtls.origin.level, 'namespace');
  // 7070 is not declared but has a port-level key (UNSET: inherits); 9090 is overridden to STRICT.
  assert.deepEqual(ports(ledger), ['7070:PERMISSIVE:namespace', '8080:PERMISSIVE:namespace', '9090:STRICT:port']);
  assert.equal(ledger.mtls.ports[0].declared, false);
  assert.ok(p.acceptsPlaintext(ledger));
  assert.ok(!p.acceptsPlaintext(wl(p, 'shop', 'api')));
  assert.ok(p.acceptsPlaintext(web), 'a DISABLE port accepts plaintext');
  // Which workloads each PeerAuthentication decides.
  const decided = (ns: string, name: string) => [...(p.mtlsDecides.entries())].find(([r]) => r.namespace === ns && r.name === name)?.[1].map((w) => w.resource.name).sort();
  assert.deepEqual(decided('istio-system', 'default'), ['api', 'web']);
  assert.deepEqual(decided('payments', 'default'), ['ledger']);
  assert.deepEqual(decided('shop', 'web'), ['web']);
});

test('root-namespace selector policies are ignored; the oldest of two namespace-wide policies wins', async () => {
  const p = await postureOf(
    docs(
      namespace('shop'),
      peerAuth('istio-system', 'strict-web', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'STRICT' } }),
      peerAuth('shop', 'newer', { mtls: { mode: 'STRICT' } }, { creationTimestamp: '2025-03-01T00:00:00Z' }),
      peerAuth('shop', 'older', { mtls: { mode: 'DISABLE' } }, { creationTimestamp: '2024-01-01T00:00:00Z' }),
      deployment('shop', 'web'),
    ),
  );
  const web = wl(p, 'shop', 'web');
  assert.equal(web.mtls.mode, 'DISABLE');
  assert.equal(web.mtls.origin.resource?.name, 'older');
  const ignored = p.peerAuthentications.filter((x) => x.scope === 'ignored').map((x) => `${x.resource.name}: ${x.ignoredReason}`);
  assert.equal(ignored.length, 2);
  assert.match(ignored.find((s) => s.startsWith('strict-web'))!, /root namespace istio-system is ignored/);
  assert.match(ignored.find((s) => s.startsWith('newer'))!, /oldest namespace-wide policy, shop\/older/);
});

test('a selector without labels is no selector, as istiod reads it: namespace-wide, or mesh-wide in the root namespace', async () => {
  const p = await postureOf(
    docs(
      namespace('shop'),
      namespace('payments'),
      // istiod's ComposePeerAuthentication: `selector: {}` (or no matchLabels) is a namespace/mesh-level policy.
      peerAuth('istio-system', 'mesh', { selector: {}, mtls: { mode: 'STRICT' } }),
      peerAuth('shop', 'older', { mtls: { mode: 'PERMISSIVE' } }, { creationTimestamp: '2024-01-01T00:00:00Z' }),
      peerAuth('shop', 'empty-labels', { selector: { matchLabels: {} }, mtls: { mode: 'DISABLE' } }, { creationTimestamp: '2025-01-01T00:00:00Z' }),
      deployment('shop', 'web'),
      deployment('payments', 'ledger'),
    ),
  );
  assert.equal(p.meshMtls.mode, 'STRICT');
  assert.equal(wl(p, 'payments', 'ledger').mtls.mode, 'STRICT');
  // Both shop policies are namespace-wide; the older wins, so the DISABLE one never applies.
  const web = wl(p, 'shop', 'web');
  assert.equal(web.mtls.mode, 'PERMISSIVE');
  assert.equal(web.mtls.origin.resource?.name, 'older');
  assert.match(p.peerAuthentications.find((x) => x.resource.name === 'empty-labels')!.ignoredReason ?? '', /oldest namespace-wide policy, shop\/older/);
});

test('policies Istio rejects apply to nothing: port-level modes without selector labels, an empty portLevelMtls', async () => {
  const p = await postureOf(
    docs(
      namespace('shop'),
      peerAuth('shop', 'default', { mtls: { mode: 'STRICT' }, portLevelMtls: { '8080': { mode: 'DISABLE' } } }),
      peerAuth('shop', 'web', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'STRICT' }, portLevelMtls: {} }),
      deployment('shop', 'web', { ports: [8080] }),
    ),
  );
  const reasons = Object.fromEntries(p.peerAuthentications.map((x) => [x.resource.name, x.ignoredReason]));
  assert.match(reasons.default ?? '', /portLevelMtls requires selector/);
  assert.match(reasons.web ?? '', /must have at least one element/);
  assert.equal(wl(p, 'shop', 'web').mtls.mode, 'PERMISSIVE');
});

test('the oldest namespace-wide policy wins whatever the input order, with and without creation times mixed', async () => {
  const a = peerAuth('shop', 'untimed', { mtls: { mode: 'DISABLE' } });
  const b = peerAuth('shop', 'newer', { mtls: { mode: 'STRICT' } }, { creationTimestamp: '2025-11-20T14:30:00Z' });
  const c = peerAuth('shop', 'older', { mtls: { mode: 'PERMISSIVE' } }, { creationTimestamp: '2023-05-02T09:00:00Z' });
  for (const order of [[a, b, c], [a, c, b], [b, a, c], [b, c, a], [c, a, b], [c, b, a]]) {
    const p = await postureOf(docs(namespace('shop'), deployment('shop', 'web'), ...order));
    // Timed objects first, by time; an object without a time counts as newer than all of them.
    assert.equal(wl(p, 'shop', 'web').mtls.origin.resource?.name, 'older');
  }
});

test('ambient: DISABLE is not supported by ztunnel and behaves as PERMISSIVE', async () => {
  const p = await postureOf(docs(namespace('analytics', 'ambient'), peerAuth('analytics', 'default', { mtls: { mode: 'DISABLE' } }), deployment('analytics', 'reports')));
  const w = wl(p, 'analytics', 'reports');
  assert.equal(w.dataplane, 'ambient');
  assert.equal(w.mtls.mode, 'PERMISSIVE');
  assert.match(w.mtls.notes.join(), /ztunnel does not support/);
});

test('workloads outside the mesh and gateways are not governed by PeerAuthentication', async () => {
  const p = await postureOf(
    docs(
      namespace('legacy', 'none'),
      deployment('legacy', 'old'),
      doc({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'istio-system' }, spec: { selector: { istio: 'ingressgateway' }, servers: [] } }),
      deployment('istio-system', 'ingress', { labels: { istio: 'ingressgateway' } }),
    ),
  );
  const old = wl(p, 'legacy', 'old');
  assert.equal(old.mtls.applies, false);
  assert.ok(p.acceptsPlaintext(old));
  const gw = wl(p, 'istio-system', 'ingress');
  assert.equal(gw.gateway, 'istio-gateway');
  assert.equal(gw.mtls.applies, false);
});

test('authorization scopes: mesh, namespace, selector (root selector reaches every namespace)', async () => {
  const p = await postureOf(
    docs(
      namespace('shop'),
      namespace('payments'),
      authz('istio-system', 'mesh-deny', { action: 'DENY', rules: [{ from: [{ source: { namespaces: ['legacy'] } }] }] }),
      authz('istio-system', 'v1-only', { selector: { matchLabels: { version: 'v1' } }, action: 'AUDIT', rules: [{}] }),
      authz('shop', 'ns-allow', { rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] }),
      authz('shop', 'web-custom', { selector: { matchLabels: { app: 'web' } }, action: 'CUSTOM', provider: { name: 'opa' }, rules: [{ to: [{ operation: { paths: ['/x'] } }] }] }),
      deployment('shop', 'web', { labels: { app: 'web', version: 'v1' } }),
      deployment('payments', 'ledger', { labels: { app: 'ledger', version: 'v1' } }),
    ),
  );
  const names = (wp: WorkloadPosture) => p.authorization(wp).map((a) => `${a.policy.action}:${a.policy.resource.name}:${a.via}:${a.enforcedBy}`);
  // Istio's evaluation order: CUSTOM, DENY, ALLOW, AUDIT.
  assert.deepEqual(names(wl(p, 'shop', 'web')), ['CUSTOM:web-custom:selector:sidecar', 'DENY:mesh-deny:mesh:sidecar', 'ALLOW:ns-allow:namespace:sidecar', 'AUDIT:v1-only:selector:sidecar']);
  assert.deepEqual(names(wl(p, 'payments', 'ledger')), ['DENY:mesh-deny:mesh:sidecar', 'AUDIT:v1-only:selector:sidecar']);
  assert.equal(p.defaultDeny(wl(p, 'shop', 'web')), null);
});

test('default-deny: mesh-wide, namespace-wide or per workload allow-nothing', async () => {
  const base = [namespace('shop'), namespace('payments'), deployment('shop', 'web'), deployment('shop', 'api'), deployment('payments', 'ledger')];
  let p = await postureOf(docs(...base, authz('istio-system', 'allow-nothing', {})));
  assert.ok(p.workloads.every((w) => p.defaultDeny(w)?.policy.resource.name === 'allow-nothing'));
  assert.equal(p.meshDefaultDeny()?.resource.name, 'allow-nothing');

  p = await postureOf(docs(...base, authz('shop', 'deny-all', { action: 'ALLOW' })));
  assert.ok(p.defaultDeny(wl(p, 'shop', 'web')));
  assert.ok(p.defaultDeny(wl(p, 'shop', 'api')));
  assert.equal(p.defaultDeny(wl(p, 'payments', 'ledger')), null);
  assert.equal(p.namespaceDefaultDeny('shop')?.resource.name, 'deny-all');
  assert.equal(p.namespaceDefaultDeny('payments'), null);

  p = await postureOf(docs(...base, authz('shop', 'web-nothing', { selector: { matchLabels: { app: 'web' } } })));
  assert.ok(p.defaultDeny(wl(p, 'shop', 'web')));
  assert.equal(p.defaultDeny(wl(p, 'shop', 'api')), null);
  assert.equal(p.namespaceDefaultDeny('shop'), null);

  // A dry-run allow-nothing is only logged.
  p = await postureOf(docs(...base, authz('shop', 'trial', {}, { annotations: { 'istio.io/dry-run': 'true' } })));
  const [trial] = p.authorization(wl(p, 'shop', 'web'));
  assert.equal(trial.enforcedBy, 'none');
  assert.match(trial.note!, /dry-run/);
  assert.equal(p.defaultDeny(wl(p, 'shop', 'web')), null);
  assert.equal(p.namespaceDefaultDeny('shop'), null);

  // ALLOW with rules: [{}] is allow-all, and a DENY without rules is rejected by Istio.
  p = await postureOf(docs(...base, authz('shop', 'all', { rules: [{}] }), authz('shop', 'bad-deny', { action: 'DENY' })));
  assert.equal(p.defaultDeny(wl(p, 'shop', 'web')), null);
  assert.match(p.policy(p.authorizationPolicies.find((x) => x.resource.name === 'bad-deny')!.resource)!.problems[0], /DENY policy without rules/);
});

test('targetRefs: Gateway-API gateway pods, a Service behind a waypoint, a Service without one, missing targets', async () => {
  const p = await postureOf(
    docs(
      namespace('analytics', 'ambient'),
      namespace('shop'),
      doc({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'waypoint', namespace: 'analytics' }, spec: { gatewayClassName: 'istio-waypoint', listeners: [] } }),
      doc({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'public', namespace: 'shop' }, spec: { gatewayClassName: 'istio', listeners: [] } }),
      deployment('shop', 'public-istio', { labels: { 'gateway.networking.k8s.io/gateway-name': 'public' } }),
      deployment('analytics', 'reports'),
      deployment('analytics', 'batch'),
      service('analytics', 'reports', { app: 'reports' }, undefined, {}, { 'istio.io/use-waypoint': 'waypoint' }),
      service('analytics', 'batch', { app: 'batch' }),
      authz('analytics', 'reports-get', { targetRefs: [{ kind: 'Service', group: '', name: 'reports' }], rules: [{ to: [{ operation: { methods: ['GET'] } }] }] }),
      authz('analytics', 'batch-deny', { targetRefs: [{ kind: 'Service', group: '', name: 'batch' }], action: 'DENY', rules: [{ to: [{ operation: { paths: ['/x'] } }] }] }),
      authz('analytics', 'ghost', { targetRef: { kind: 'Service', group: '', name: 'ghost' }, action: 'DENY', rules: [{}] }),
      authz('shop', 'edge', { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'public' }], rules: [{ to: [{ operation: { hosts: ['a.example.com'] } }] }] }),
      authz('shop', 'cross-ns', { targetRefs: [{ kind: 'Service', group: '', name: 'x', namespace: 'other' }], rules: [{}] }),
    ),
  );
  const reports = wl(p, 'analytics', 'reports');
  assert.equal(reports.waypoint?.name, 'waypoint');
  assert.equal(reports.waypoint?.via, 'service');
  assert.ok(reports.waypoint?.gateway);
  assert.deepEqual(
    p.authorization(reports).map((a) => `${a.policy.resource.name}:${a.via}:${a.enforcedBy}`),
    ['reports-get:service:waypoint'],
  );
  const batch = wl(p, 'analytics', 'batch');
  assert.equal(batch.waypoint, null);
  const [b] = p.authorization(batch);
  assert.equal(b.enforcedBy, 'none');
  assert.match(b.note!, /no waypoint serves Service batch/);
  const ghost = p.authorizationPolicies.find((x) => x.resource.name === 'ghost')!;
  assert.equal(ghost.targetRefs[0].resolved, 'missing');
  assert.equal(ghost.targetRefs[0].index, null);
  const gw = wl(p, 'shop', 'public-istio');
  assert.equal(gw.gateway, 'k8s-gateway');
  assert.deepEqual(p.authorization(gw).map((a) => `${a.policy.resource.name}:${a.via}:${a.enforcedBy}`), ['edge:gateway:gateway']);
  const cross = p.authorizationPolicies.find((x) => x.resource.name === 'cross-ns')!;
  assert.equal(cross.targetRefs[0].resolved, 'invalid');
  assert.match(cross.targetRefs[0].note!, /policy's namespace/);
});

test('ambient enforcement: ztunnel drops HTTP rules and ignores CUSTOM; RequestAuthentication needs a waypoint', async () => {
  const p = await postureOf(
    docs(
      namespace('analytics', 'ambient'),
      deployment('analytics', 'reports'),
      authz('analytics', 'get-only', { selector: { matchLabels: { app: 'reports' } }, rules: [{ to: [{ operation: { methods: ['GET'], ports: ['8080'] } }], when: [{ key: 'request.headers[x-team]', values: ['a'] }] }] }),
      authz('analytics', 'ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] }),
      requestAuthn('analytics', 'jwt', { jwtRules: [{ issuer: 'x' }] }),
    ),
  );
  const w = wl(p, 'analytics', 'reports');
  const byName = Object.fromEntries(p.authorization(w).map((a) => [a.policy.resource.name, a]));
  assert.equal(byName['get-only'].enforcedBy, 'ztunnel');
  assert.match(byName['get-only'].note!, /cannot evaluate methods, request.headers\[x-team\]: rules using them never match/);
  assert.deepEqual(byName['get-only'].policy.l7Fields, ['methods', 'request.headers[x-team]']);
  assert.equal(byName.ext.enforcedBy, 'none');
  assert.match(byName.ext.note!, /does not support the CUSTOM action/);
  const [ra] = p.requestAuthentication(w);
  assert.equal(ra.enforcedBy, 'none');
});

test('hostile input: wrong types everywhere are ignored or reported, never thrown', async () => {
  const p = await postureOf(
    docs(
      namespace('shop'),
      deployment('shop', 'web'),
      peerAuth('shop', 'a', { mtls: 'STRICT', selector: 'x' } as never),
      peerAuth('shop', 'b', { mtls: { mode: 'SUPER' }, portLevelMtls: { abc: { mode: 'STRICT' } } }),
      peerAuth('shop', 'c', { portLevelMtls: [1, 2] } as never),
      authz('shop', 'd', 'not a map'),
      authz('shop', 'e', { action: 42, rules: 'x' }),
      authz('shop', 'f', { selector: { matchLabels: ['x'] }, rules: [null, 3, { from: 'x', to: [null, { operation: { paths: [1, '/ok'] } }] }] }),
      authz('shop', 'g', { targetRefs: [null, { kind: 7 }, { kind: 'Service' }], selector: null }),
      authz('shop', 'h', { action: 'CUSTOM', provider: 'opa' }),
      doc({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'i', namespace: 'shop' } }),
      requestAuthn('shop', 'j', { selector: 5, jwtRules: 'x' }),
    ),
  );
  const w = wl(p, 'shop', 'web');
  assert.equal(w.mtls.mode, 'PERMISSIVE');
  const problems = (n: string) => p.authorizationPolicies.find((x) => x.resource.name === n)!.problems;
  assert.match(problems('d')[0], /spec is not a mapping/);
  assert.match(problems('e').join(), /spec.action "42"/);
  assert.match(problems('f').join(), /matchLabels is not a label map/);
  assert.match(problems('h').join(), /provider.name/);
  assert.deepEqual(problems('g'), []);
  assert.deepEqual(
    p.authorizationPolicies.find((x) => x.resource.name === 'g')!.targetRefs.map((t) => t.resolved),
    ['invalid', 'invalid', 'invalid'],
  );
  // A policy without spec is allow-nothing, as Istio reads `spec: {}`.
  assert.ok(p.policy(p.authorizationPolicies.find((x) => x.resource.name === 'i')!.resource)!.allowNothing);
  assert.ok(p.defaultDeny(w));
  assert.ok(p.peerAuthentications.filter((x) => x.scope === 'ignored').length >= 3);
});

test('computePosture is memoised per model', async () => {
  const res = await scanYaml(docs(namespace('shop'), deployment('shop', 'web')), { rules: [] });
  assert.equal(computePosture(res.model), computePosture(res.model));
  const other = await scanYaml(docs(namespace('shop'), deployment('shop', 'web')), { rules: [] });
  assert.notEqual(computePosture(other.model), computePosture(res.model));
});

// A label is a name the pod's owner chooses: `istio: ...gateway` on a pod that runs an application
// beside its sidecar does not make it a gateway (Istio applies PeerAuthentication to it as to any
// sidecar), so it cannot be used to leave the mTLS and authorization judgements.
test('the istio gateway label marks a gateway only on a pod of the proxy alone, not on an application', async () => {
  const proxyOnly = doc({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'edge', namespace: 'shop' },
    spec: { selector: { matchLabels: { istio: 'edge-gateway' } }, template: { metadata: { labels: { istio: 'edge-gateway' } }, spec: { containers: [{ name: 'istio-proxy', image: 'auto' }] } } },
  });
  const p = await postureOf(docs(namespace('shop'), deployment('shop', 'ledger', { labels: { app: 'ledger', istio: 'ledger-gateway' } }), proxyOnly));
  const app = wl(p, 'shop', 'ledger');
  assert.equal(app.gateway, null);
  assert.equal(app.mtls.applies, true);
  assert.equal(wl(p, 'shop', 'edge').gateway, 'istio-gateway');
});
