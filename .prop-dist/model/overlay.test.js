import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { liveResource } from '../cluster/live-resource.js';
import { MeshModel } from './model.js';
import { overlayModel } from './overlay.js';
import { isClusterScoped } from './resource.js';
function resources(yaml) {
    return parseAllDocuments(yaml)
        .map((d) => d.toJS())
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
function shape(m) {
    const names = (rs) => rs.map((r) => `${r.kind}/${r.namespace}/${r.name}`);
    const hosts = (list) => list.map((o) => `${o.host}<-${o.resource.kind}/${o.resource.name}`);
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
function fresh(list) {
    return new MeshModel(list.map((r, i) => ({ ...r, id: i })));
}
test('an overlay shows what a model built from scratch shows: add, replace in place, remove', () => {
    const base = resources(CLUSTER);
    const model = new MeshModel(base);
    void model.hosts;
    const [svc, deploy, se] = EXTRA;
    const cases = [
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
        if (added)
            expected = removed ? base.map((r) => (r === removed ? added : r)) : [...base, added];
        assert.deepEqual(shape(o.model), shape(fresh(expected)), what);
    }
    // The base is untouched.
    assert.deepEqual(shape(model), shape(fresh(base)));
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
