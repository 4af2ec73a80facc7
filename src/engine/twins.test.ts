import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTwin, restsOnTwinsOnly, twinDefinitions } from './twins.js';
import type { Resource } from '../model/resource.js';
import type { Rule } from '../rules/types.js';
import { findingsFor } from '../testing/kit.js';
import HJK017 from '../rules/hijack/HJK017-conflicting-gateways.js';
import AUT023 from '../rules/authz/AUT023-duplicate-namespace-peerauthentication.js';
import AUT001 from '../rules/authz/AUT001-no-mesh-wide-strict.js';
import AUT002 from '../rules/authz/AUT002-permissive-or-disable.js';

function res(id: number, kind: string, namespace: string, name: string, extra: Partial<Resource> = {}): Resource {
  return { id, cluster: 'default', apiVersion: 'v1', group: '', kind, namespace, name, labels: {}, annotations: {}, obj: { metadata: { name } }, source: null, ...extra } as Resource;
}

test('isTwin: same cluster, group, kind, namespace and name, another object of the model', () => {
  const a = res(0, 'Gateway', 'istio-system', 'gw', { group: 'networking.istio.io' });
  assert.equal(isTwin(a, res(1, 'Gateway', 'istio-system', 'gw', { group: 'networking.istio.io', apiVersion: 'networking.istio.io/v1beta1' })), true, 'another version of the API is the same object');
  assert.equal(isTwin(a, { ...a }), false, 'the same id is the same object (an overlay keeps the id of what it replaces)');
  assert.equal(isTwin(a, res(1, 'Gateway', 'istio-system', 'gw', { group: 'gateway.networking.k8s.io' })), false, 'another API group');
  assert.equal(isTwin(a, res(1, 'Gateway', 'default', 'gw', { group: 'networking.istio.io' })), false, 'another namespace');
  assert.equal(isTwin(a, res(1, 'Gateway', 'istio-system', 'gw2', { group: 'networking.istio.io' })), false, 'another name');
  assert.equal(isTwin(a, res(1, 'Gateway', 'istio-system', 'gw', { group: 'networking.istio.io', cluster: 'east' })), false, 'another cluster');
  // The loader names objects without metadata.name "(unnamed)" (or "prefix*" for generateName): two of them are two objects.
  const unnamed = (id: number) => res(id, 'IstioOperator', 'istio-system', '(unnamed)', { obj: { metadata: {} } });
  assert.equal(isTwin(unnamed(0), unnamed(1)), false, 'objects without a name of their own');
  assert.deepEqual(twinDefinitions([unnamed(0), unnamed(1)]), []);
});

test('restsOnTwinsOnly: evidence naming only other definitions of the subject, and nothing else', () => {
  const subject = res(0, 'PeerAuthentication', 'shop', 'pa');
  const twin = res(1, 'PeerAuthentication', 'shop', 'pa');
  const other = res(2, 'PeerAuthentication', 'shop', 'other');
  const ev = (...rs: Array<Resource | undefined>) => rs.map((r) => ({ role: 'x', description: 'x', resource: r }));
  assert.equal(restsOnTwinsOnly({ resource: subject, message: 'm', evidence: ev(twin) }), true);
  assert.equal(restsOnTwinsOnly({ resource: subject, message: 'm', evidence: ev(twin, undefined, subject) }), true, 'evidence without an object, or naming the subject, does not count');
  assert.equal(restsOnTwinsOnly({ resource: subject, message: 'm', evidence: ev(twin, other) }), false, 'one other object keeps the finding');
  assert.equal(restsOnTwinsOnly({ resource: subject, message: 'm', evidence: ev(other) }), false);
  assert.equal(restsOnTwinsOnly({ resource: subject, message: 'm', evidence: ev(subject) }), false, 'evidence naming the subject itself');
  assert.equal(restsOnTwinsOnly({ resource: subject, message: 'm', evidence: [] }), false);
  assert.equal(restsOnTwinsOnly({ resource: subject, message: 'm' }), false);
});

test('restsOnTwinsOnly: the workloads two selecting objects meet on do not make a twin a rival; beside no twin they keep the finding', () => {
  const gw = res(0, 'Gateway', 'ingress', 'edge');
  const twin = res(1, 'Gateway', 'ingress', 'edge');
  const pods = res(2, 'Deployment', 'ingress', 'gateway');
  const other = res(3, 'Gateway', 'ingress', 'partner');
  const ev = (...rs: Resource[]) => rs.map((r) => ({ role: 'x', description: 'x', resource: r }));
  assert.equal(restsOnTwinsOnly({ resource: gw, message: 'm', evidence: ev(twin, pods) }), true);
  assert.equal(restsOnTwinsOnly({ resource: gw, message: 'm', evidence: ev(twin, pods, other) }), false, 'a distinct Gateway is a party');
  assert.equal(restsOnTwinsOnly({ resource: gw, message: 'm', evidence: ev(pods) }), false, 'no twin at all');
  // On a workload, another workload is a party, not a meeting place.
  const deploy = res(4, 'Deployment', 'shop', 'web');
  assert.equal(restsOnTwinsOnly({ resource: deploy, message: 'm', evidence: ev(res(5, 'Deployment', 'shop', 'web'), res(6, 'Deployment', 'shop', 'api')) }), false);
});

test('twinDefinitions groups definitions by identity; names cannot be crafted to join two identities', () => {
  const rs = [
    res(0, 'Service', 'a', 'web'),
    res(1, 'Service', 'a', 'web'),
    res(2, 'Service', 'b', 'web'),
    res(3, 'Service', 'a', 'web'),
    // Joined without separators these two read "Service" + "ab" + "c" and "Service" + "a" + "bc".
    res(4, 'Service', 'ab', 'c'),
    res(5, 'Service', 'a', 'bc'),
    res(6, 'ConfigMap', 'a', '__proto__'),
    res(7, 'ConfigMap', 'a', '__proto__'),
  ];
  const groups = twinDefinitions(rs).map((g) => g.map((r) => r.id));
  assert.deepEqual(groups, [
    [0, 1, 3],
    [6, 7],
  ]);
  assert.deepEqual(twinDefinitions([res(0, 'Service', 'a', 'web'), res(1, 'Service', 'b', 'web')]), []);
});

const gateway = (name: string, server: string) => `---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: istio-system}
spec:
  selector: {istio: eastwestgateway}
  servers:
${server}
`;
const passthrough = '  - port: {number: 15012, name: tls, protocol: TLS}\n    tls: {mode: PASSTHROUGH}\n    hosts: ["*"]';
const simple = (host: string, cred: string) => `  - port: {number: 15012, name: tls, protocol: TLS}\n    tls: {mode: SIMPLE, credentialName: ${cred}}\n    hosts: ["${host}"]`;

test('HJK017 through the engine: two definitions of one Gateway never conflict; another Gateway on the same pods does', async () => {
  const twins = gateway('control-plane', passthrough) + gateway('control-plane', simple('istiod.example.com', 'cp-cert'));
  assert.deepEqual(await findingsFor(HJK017 as Rule, twins), []);
  // With the gateway Deployment in the input, the finding would also name the pods both select: still none.
  const pods = `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: eastwest, namespace: istio-system}
spec:
  template:
    metadata: {labels: {istio: eastwestgateway}}
    spec: {containers: [{name: istio-proxy, image: auto}]}
`;
  assert.deepEqual(await findingsFor(HJK017 as Rule, twins + pods), []);
  const withOther = twins + pods + gateway('partner', simple('partner.example.com', 'partner-cert'));
  const found = await findingsFor(HJK017 as Rule, withOther);
  assert.ok(found.length > 0, 'the same shape with a distinct Gateway is reported');
  for (const f of found) {
    const named = [f.resource.name, ...f.evidence.map((e) => e.resource?.name)];
    assert.ok(named.includes('partner'), `every finding involves the distinct Gateway: ${f.message}`);
  }
});

test('AUT023 through the engine: a copy of a namespace-wide PeerAuthentication is not "a second policy"; another one is', async () => {
  const pa = (name: string, mode: string) => `---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ${name}, namespace: shop}
spec: {mtls: {mode: ${mode}}}
`;
  assert.deepEqual(await findingsFor(AUT023 as Rule, pa('ns-mtls', 'PERMISSIVE') + pa('ns-mtls', 'STRICT')), []);
  const found = await findingsFor(AUT023 as Rule, pa('ns-mtls', 'PERMISSIVE') + pa('ns-mtls', 'STRICT') + pa('second', 'STRICT'));
  assert.deepEqual(
    found.map((f) => f.resource.name),
    ['second'],
  );
});

test('two definitions of one PeerAuthentication: the weaker is judged, whichever comes first in the input', async () => {
  const pa = (ns: string, mode: string) => `---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: ${ns}}
spec: {mtls: {mode: ${mode}}}
`;
  const shop = '---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n';
  for (const [first, second] of [
    ['STRICT', 'PERMISSIVE'],
    ['PERMISSIVE', 'STRICT'],
  ]) {
    const f = await findingsFor(AUT001 as Rule, shop + pa('istio-system', first) + pa('istio-system', second));
    assert.equal(f.length, 1, `${first} then ${second}`);
    assert.match(f[0].message, /sets PERMISSIVE/);
  }
  for (const [first, second] of [
    ['STRICT', 'DISABLE'],
    ['DISABLE', 'STRICT'],
  ]) {
    const f = await findingsFor(AUT002 as Rule, shop + pa('istio-system', 'STRICT') + pa('shop', first) + pa('shop', second));
    assert.equal(f.length, 1, `${first} then ${second}`);
    assert.match(f[0].message, /sets DISABLE for namespace shop/);
  }
  // Two equal definitions, or one STRICT policy alone: nothing.
  assert.deepEqual(await findingsFor(AUT001 as Rule, shop + pa('istio-system', 'STRICT') + pa('istio-system', 'STRICT')), []);
});
