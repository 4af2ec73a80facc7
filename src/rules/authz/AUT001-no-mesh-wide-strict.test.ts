import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT001-no-mesh-wide-strict.js';
import { findingsFor } from '../../testing/kit.js';
import { deployment, docs, meshConfig, namespace, peerAuth } from './fixtures.js';

const MESH = [namespace('istio-system', 'none'), namespace('shop'), namespace('payments'), deployment('shop', 'web'), deployment('payments', 'ledger')];

test('no mesh-wide PeerAuthentication: reported on the root namespace, with the workloads left PERMISSIVE', async () => {
  const f = await findingsFor(rule, docs(...MESH));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.deepEqual([f[0].resource.kind, f[0].resource.name], ['Namespace', 'istio-system']);
  assert.equal(f[0].location?.path, 'metadata.name');
  assert.match(f[0].message, /^No PeerAuthentication in the root namespace istio-system sets STRICT mesh-wide, so Istio's default PERMISSIVE applies: 2 mesh workloads inherit it and accept plaintext \(Deployment shop\/web, Deployment payments\/ledger\)\.$/);
  assert.deepEqual(f[0].evidence.map((e) => e.description), ['Deployment shop/web inherits PERMISSIVE', 'Deployment payments/ledger inherits PERMISSIVE']);
});

test('a mesh-wide PERMISSIVE policy is reported at its mode field, with file and line', async () => {
  const yaml = `${docs(...MESH)}---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: istio-system
spec:
  mtls:
    mode: PERMISSIVE
`;
  const f = await findingsFor(rule, yaml);
  assert.equal(f.length, 1);
  assert.equal(f[0].resource.kind, 'PeerAuthentication');
  assert.equal(f[0].location?.path, 'spec.mtls.mode');
  assert.equal(f[0].location?.line, yaml.split('\n').findIndex((l) => l.includes('mode: PERMISSIVE')) + 1);
  assert.match(f[0].message, /The mesh-wide PeerAuthentication istio-system\/default sets PERMISSIVE: 2 mesh workloads inherit it/);
});

test('mesh-wide DISABLE is critical; UNSET falls back to PERMISSIVE', async () => {
  const dis = await findingsFor(rule, docs(...MESH, peerAuth('istio-system', 'default', { mtls: { mode: 'DISABLE' } })));
  assert.equal(dis[0].severity, 'critical');
  const unset = await findingsFor(rule, docs(...MESH, peerAuth('istio-system', 'default', { mtls: { mode: 'UNSET' } })));
  assert.equal(unset[0].severity, 'high');
  assert.equal(unset[0].location?.path, 'spec.mtls.mode', 'the UNSET written there');
  assert.match(unset[0].message, /sets no mode \(UNSET\), so Istio's default PERMISSIVE applies/);
});

test('workloads made STRICT below the mesh are not listed; the finding stays', async () => {
  const f = await findingsFor(rule, docs(...MESH, peerAuth('shop', 'default', { mtls: { mode: 'STRICT' } })));
  assert.equal(f.length, 1);
  assert.match(f[0].message, /1 mesh workload inherits it and accepts plaintext \(Deployment payments\/ledger\)/);
  assert.deepEqual(f[0].evidence.map((e) => e.description), ['Deployment payments/ledger inherits PERMISSIVE']);
});

test('mesh-wide STRICT: nothing to report', async () => {
  assert.deepEqual(await findingsFor(rule, docs(...MESH, peerAuth('istio-system', 'default', { mtls: { mode: 'STRICT' } }))), []);
});

test('a STRICT policy with a selector in the root namespace is ignored by Istio, so STRICT is still missing', async () => {
  const f = await findingsFor(rule, docs(...MESH, peerAuth('istio-system', 'default', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'STRICT' } })));
  assert.equal(f.length, 1);
  assert.equal(f[0].resource.kind, 'Namespace');
});

test('the root namespace comes from meshConfig.rootNamespace', async () => {
  const mc = meshConfig('rootNamespace: mesh-root\n');
  assert.deepEqual(await findingsFor(rule, docs(...MESH, mc, peerAuth('mesh-root', 'default', { mtls: { mode: 'STRICT' } }))), []);
  const f = await findingsFor(rule, docs(...MESH, mc, peerAuth('istio-system', 'default', { mtls: { mode: 'STRICT' } })));
  assert.equal(f.length, 1);
  assert.match(f[0].message, /root namespace mesh-root/);
  assert.deepEqual([f[0].resource.kind, f[0].resource.name], ['ConfigMap', 'istio']);
});

test('input that is not a mesh (a bare Pod) is left alone', async () => {
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers: [{name: app, image: example/app:1}]\n';
  assert.deepEqual(await findingsFor(rule, pod), []);
});

test('locations always exist: UNSET on its field, a mesh policy without mtls on spec or the object, no policy on the mesh config object', async () => {
  const unset = await findingsFor(rule, docs(...MESH, peerAuth('istio-system', 'default', { mtls: { mode: 'UNSET' } })));
  assert.equal(unset[0].location?.path, 'spec.mtls.mode');
  const noMtls = await findingsFor(rule, docs(...MESH, peerAuth('istio-system', 'default', {})));
  assert.equal(noMtls[0].location?.path, 'spec');
  const noSpec = await findingsFor(rule, docs(...MESH, '{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"default","namespace":"istio-system"}}'));
  assert.ok(noSpec[0].location?.path === undefined || noSpec[0].location?.path === '', `got ${noSpec[0].location?.path}`);
  // An IstioOperator without meshConfig (and no Namespace for the root): the finding sits on spec, which exists.
  const iop = '{"apiVersion":"install.istio.io/v1alpha1","kind":"IstioOperator","metadata":{"name":"main","namespace":"istio-system"},"spec":{"profile":"default"}}';
  const f = await findingsFor(rule, docs(iop, ...MESH.filter((d) => !d.includes('"name":"istio-system"'))));
  assert.equal(f[0].resource.kind, 'IstioOperator');
  assert.equal(f[0].location?.path, 'spec');
});

// A dump of one namespace: nothing of istio-system, so a mesh-wide STRICT policy may well exist unseen.
test('nothing of the root namespace in the input: low, saying the mesh-wide policy is unknown', async () => {
  const f = await findingsFor(rule, docs(namespace('shop'), deployment('shop', 'web')));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'low');
  assert.match(f[0].message, /^Nothing of the root namespace istio-system is in the input, so whether a mesh-wide PeerAuthentication exists is unknown; .*1 mesh workload inherits it and accepts plaintext \(Deployment shop\/web\)/);
  // Anything of the root namespace makes the absence known again: high.
  const known = await findingsFor(rule, docs(namespace('shop'), deployment('shop', 'web'), meshConfig('{}')));
  assert.equal(known[0].severity, 'high');
  assert.match(known[0].message, /^No PeerAuthentication in the root namespace istio-system sets STRICT mesh-wide/);
});

// Istio's samples: addons in istio-system (no injection) and bookinfo in a namespace the input does not describe.
test('only mesh workloads are said to accept plaintext; unknown and system-namespace workloads are told apart', async () => {
  const f = await findingsFor(rule, docs(meshConfig('{}'), namespace('shop'), deployment('shop', 'web'), deployment('istio-system', 'prometheus'), deployment('default', 'productpage')));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'high');
  assert.match(f[0].message, /1 mesh workload inherits it and accepts plaintext \(Deployment shop\/web\); 1 workload in namespaces whose injection the input does not show would too \(Deployment default\/productpage\); 1 workload of system namespaces without a Namespace object is taken as outside the mesh/);
  assert.doesNotMatch(f[0].evidence.map((e) => e.description).join('\n'), /prometheus/);
  // A namespace shown without injection: its workloads have no proxy and are not counted at all.
  const out = await findingsFor(rule, docs(meshConfig('{}'), namespace('shop'), deployment('shop', 'web'), namespace('tools', 'none'), deployment('tools', 'grafana')));
  assert.doesNotMatch(out[0].message, /grafana/);
});

test('a STRICT policy without selector or namespace (left to kubectl apply -n): low, named, and the finding says when it does not hold', async () => {
  const unplaced = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
spec:
  mtls:
    mode: STRICT
`;
  const f = await findingsFor(rule, `${docs(...MESH)}---\n${unplaced}`);
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'low');
  assert.match(f[0].message, /PeerAuthentication default names no namespace and sets STRICT without a selector: applied with `kubectl apply -n istio-system` it is the mesh-wide policy, and this finding does not hold\.$/);
  const assumed = f[0].evidence.find((e) => e.role === 'namespace-assumed');
  assert.equal(assumed?.resource?.kind, 'PeerAuthentication');
  // Not for a PERMISSIVE one, one with a selector, or one that names its namespace.
  for (const other of [unplaced.replace('STRICT', 'PERMISSIVE'), unplaced.replace('spec:\n', 'spec:\n  selector: {matchLabels: {app: web}}\n'), unplaced.replace('name: default\n', 'name: default\n  namespace: shop\n')]) {
    const g = await findingsFor(rule, `${docs(...MESH)}---\n${other}`);
    assert.equal(g[0].severity, 'high', other);
    assert.ok(!g[0].evidence.some((e) => e.role === 'namespace-assumed'), other);
  }
});
