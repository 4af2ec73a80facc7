import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { liveResource } from '../cluster/live-resource.js';
import { MeshModel } from './model.js';
import { hostsChangedSince, modelView, namespaceUpdateReach, overlayModel } from './overlay.js';
import { computePosture } from '../posture/index.js';
import { isClusterScoped, type Resource } from './resource.js';

function resources(yaml: string): Resource[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as Record<string, any>)
    .map((o, i) => ({ ...liveResource(o, { apiVersion: o.apiVersion, kind: o.kind, namespaced: !isClusterScoped(o.kind) }, 'c'), id: i }));
}

const CLUSTER = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: pay, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: pay}
spec: {hosts: [api.example.com, web.shop.svc.cluster.local], resolution: DNS}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: app, image: web}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec: {template: {metadata: {labels: {app: api}}, spec: {containers: [{name: app, image: api}]}}}
---
apiVersion: v1
kind: Service
metadata: {name: ledger, namespace: pay}
spec: {ports: [{port: 80}]}
`;

const EXTRA = resources(`
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {template: {metadata: {labels: {app: web, tier: front}}, spec: {containers: [{name: app, image: web}]}}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: pay}
spec: {hosts: [db.example.com], resolution: DNS}
`);

/** What the rules can see of a model, by name, in order. */
function shape(m: MeshModel) {
  const names = (rs: readonly Resource[]) => rs.map((r) => `${r.kind}/${r.namespace}/${r.name}`);
  const hosts = (list: readonly { host: string; resource: Resource }[]) => list.map((o) => `${o.host}<-${o.resource.kind}/${o.resource.name}`);
  return {
    resources: names(m.resources),
    services: names(m.ofKind('', 'Service')),
    deployments: names(m.ofKind('apps', 'Deployment')),
    shop: names(m.inNamespace('shop')),
    pay: names(m.inNamespace('pay')),
    workloads: m.workloads.map((w) => `${w.resource.name}:${JSON.stringify(w.podLabels)}`),
    selectTier: m.selectWorkloads('shop', { tier: 'front' }).map((w) => w.resource.name),
    selectApp: m.selectWorkloads('shop', { app: 'api' }).map((w) => w.resource.name),
    hostsAll: hosts(m.hosts.all),
    webHost: hosts(m.hosts.ownersOf('web.shop.svc.cluster.local')),
    exampleHosts: hosts(m.hosts.covered('*.example.com')),
    namespaces: m.namespaces().map((n) => n.name),
  };
}

function fresh(list: Resource[]): MeshModel {
  return new MeshModel(list.map((r, i) => ({ ...r, id: i })));
}

test('an overlay shows what a model built from scratch shows: add, replace in place, remove', () => {
  const base = resources(CLUSTER);
  const model = new MeshModel(base);
  void model.hosts;
  const [svc, deploy, se] = EXTRA;
  const cases: Array<[string, Resource | null, Resource | null]> = [
    ['add a Service', null, { ...svc, id: base.length }],
    ['replace a Deployment', base[4], { ...deploy, id: base[4].id }],
    ['replace a ServiceEntry', base[3], { ...se, id: base[3].id }],
    ['remove a Service', base[2], null],
    ['remove a Deployment', base[5], null],
  ];
  for (const [what, removed, added] of cases) {
    const o = overlayModel(model, removed, added);
    assert.ok(o.model, `${what}: ${o.refused}`);
    let expected = base.filter((r) => r !== removed);
    if (added) expected = removed ? base.map((r) => (r === removed ? added : r)) : [...base, added];
    assert.deepEqual(shape(o.model), shape(fresh(expected)), what);
  }
  // The base is untouched.
  assert.deepEqual(shape(model), shape(fresh(base)));
});

// Rules keep which configs claim another tenant's host against the host index (objectsWhere); an
// overlay says which hosts' owners changed, so only the configs naming those are asked again.
test('an overlay names the hosts whose owners changed: none when a Service or ServiceEntry keeps its hosts', () => {
  const base = resources(CLUSTER);
  const model = new MeshModel(base);
  const [web, se, ledger] = [base[2], base[3], base[6]];
  const changed = (removed: Resource | null, added: Resource | null) => {
    const o = overlayModel(model, removed, added);
    assert.ok(o.model, o.refused);
    return [...(hostsChangedSince(o.model.hosts, model.hosts) ?? ['(cannot tell)'])].sort();
  };
  const relabelled = { ...web, id: web.id, obj: { ...web.obj, metadata: { ...web.obj.metadata, labels: { team: 'a' } }, spec: { ...web.obj.spec, ports: [{ port: 8080 }] } } };
  assert.deepEqual(changed(web, relabelled), [], 'a Service with new labels and ports owns what it owned');
  const sameHosts = { ...se, id: se.id, obj: { ...se.obj, spec: { ...se.obj.spec, resolution: 'STATIC' } } };
  assert.deepEqual(changed(se, sameHosts), [], 'a ServiceEntry with the same hosts');
  const otherHosts = { ...se, id: se.id, obj: { ...se.obj, spec: { ...se.obj.spec, hosts: ['api.example.com', 'other.example.com'] } } };
  assert.deepEqual(changed(se, otherHosts), ['other.example.com', 'web.shop.svc.cluster.local']);
  assert.deepEqual(changed(ledger, null), ['ledger.pay.svc.cluster.local']);
  assert.deepEqual(changed(null, { ...EXTRA[0], id: base.length }), ['api.shop.svc.cluster.local']);
  // Two overlays away from the base: not told (every config is asked again).
  const once = overlayModel(model, ledger, null).model!;
  const twice = overlayModel(once, web, relabelled).model!;
  assert.equal(hostsChangedSince(twice.hosts, model.hosts), null);
});

test('a Namespace update is an overlay: the namespace keeps its place with its new labels, mode and facts', () => {
  const base = resources(CLUSTER);
  const model = new MeshModel(base);
  void computePosture(model);
  const relabel = (labels: string) => ({ ...resources(`apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: ${labels}}`)[0], id: base[0].id });
  const info = (m: MeshModel) => m.namespaces().map((n) => ({ name: n.name, labels: n.labels, mode: n.mode, object: n.resource?.labels }));
  for (const [what, labels, reach] of [
    ['a team label', '{istio-injection: enabled, team: a}', 'content'],
    ['injection off', '{istio-injection: disabled}', 'facts'],
    ['a waypoint', '{istio-injection: enabled, istio.io/use-waypoint: wp}', 'facts'],
  ] as const) {
    const added = relabel(labels);
    assert.equal(namespaceUpdateReach(model, base[0], added), reach, what);
    const o = overlayModel(model, base[0], added);
    assert.ok(o.model, `${what}: ${o.refused}`);
    const expected = base.map((r) => (r === base[0] ? added : r));
    assert.deepEqual(info(o.model), info(fresh(expected)), what);
    assert.deepEqual(shape(o.model), shape(fresh(expected)), what);
    assert.deepEqual(o.model.ofKind('', 'Namespace').map((r) => r.labels), fresh(expected).ofKind('', 'Namespace').map((r) => r.labels), what);
    // A view of the overlay (focus, namespace slice) sees the overlay's namespaces, not the base's.
    assert.deepEqual(info(modelView(o.model) as unknown as MeshModel), info(o.model), `${what}: a view`);
  }
  // The base is untouched.
  assert.deepEqual(info(model), info(fresh(base)));
  // A file's object: a finding placed on it names a line, so every rule sees the change, over the whole model.
  assert.equal(namespaceUpdateReach(model, base[0], { ...relabel('{istio-injection: enabled, team: a}'), source: { file: 'ns.yaml', fileIndex: 0, docStart: 1, docEnd: 3, line: 1, basePath: [] } }), 'everything');
});

test('a Namespace update that moves the namespace to another tenant is refused, and reaches every rule', () => {
  const list = resources(CLUSTER);
  const policy = { tenants: [{ name: 'blue', namespaces: [], namespaceSelector: { matchLabels: { tenant: 'blue' } }, gateways: [] }], platform: { namespaces: [], subjects: [] } };
  const model = new MeshModel(list, { tenantPolicy: policy as never });
  const added = { ...resources('apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled, tenant: blue}}')[0], id: list[0].id };
  assert.equal(namespaceUpdateReach(model, list[0], added), 'everything');
  assert.match(overlayModel(model, list[0], added).refused ?? '', /another tenant/);
});

test('a workload beside a gateway-API Gateway (a waypoint) is an overlay; one whose pods name a gateway is refused', () => {
  const base = resources(`${CLUSTER}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: waypoint, namespace: shop, labels: {istio.io/waypoint-for: service}}
spec: {gatewayClassName: istio-waypoint, listeners: [{name: mesh, port: 15008, protocol: HBONE}]}
`);
  const model = new MeshModel(base);
  const [plain, gatewayPods] = resources(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart, namespace: shop}
spec: {template: {metadata: {labels: {app: cart}}, spec: {containers: [{name: app, image: cart}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: waypoint, namespace: shop}
spec: {template: {metadata: {labels: {gateway.networking.k8s.io/gateway-name: waypoint}}, spec: {containers: [{name: istio-proxy, image: proxyv2}]}}}
`);
  const added = { ...plain, id: base.length };
  const o = overlayModel(model, null, added);
  assert.ok(o.model, o.refused);
  // The made-up waypoint pod stays last, as a fresh model lists it.
  assert.deepEqual(shape(o.model), shape(fresh([...base, added])));
  assert.deepEqual(o.model.workloads.map((w) => w.resource.name), fresh([...base, added]).workloads.map((w) => w.resource.name));
  assert.match(overlayModel(model, null, { ...gatewayPods, id: base.length }).refused ?? '', /gateway-API Gateway/);
});

test('changes that reach model-wide state are refused, with the reason', () => {
  const base = resources(CLUSTER);
  const model = new MeshModel(base);
  assert.match(overlayModel(model, base[0], null).refused ?? '', /Namespace/);
  const [meshConfig] = resources(`
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data: {mesh: "rootNamespace: istio-system"}
`);
  assert.match(overlayModel(model, null, { ...meshConfig, id: 99 }).refused ?? '', /mesh/);
  const [stray] = resources(`
apiVersion: v1
kind: Service
metadata: {name: x, namespace: brand-new}
`);
  assert.match(overlayModel(model, null, { ...stray, id: 99 }).refused ?? '', /first in its namespace/);
});

test('an IstioOperator or a Sail Istio resource changes the mesh config: refused as an overlay, so every rule runs again', () => {
  const list = resources(CLUSTER);
  const model = new MeshModel(list, {});
  for (const yaml of ['apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: main, namespace: istio-system}\nspec: {}', 'apiVersion: sailoperator.io/v1\nkind: Istio\nmetadata: {name: default}\nspec: {values: {meshConfig: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}}}']) {
    const added = { ...resources(yaml)[0], id: list.length };
    assert.match(overlayModel(model, null, added).refused ?? '', /changes the mesh config/, yaml);
  }
});
