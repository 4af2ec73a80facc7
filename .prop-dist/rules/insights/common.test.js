import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeshModel } from '../../model/model.js';
import { loadFiles } from '../../loader/load.js';
import { durationText, trustDomainOf, workloadNamed } from './common.js';
async function model(yaml) {
    const load = await loadFiles([{ file: 't.yaml', text: yaml, format: 'yaml' }]);
    return new MeshModel(load.resources);
}
test("metric workload names map to the object Istio derives them from: the Deployment, not its ReplicaSet or pods", async () => {
    const m = await model(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: a, image: a}]}}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-5d9c7b, namespace: shop, ownerReferences: [{kind: Deployment, name: web, controller: true}]}
spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: a, image: a}]}}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-5d9c7b-x2x, namespace: shop, labels: {pod-template-hash: 5d9c7b}, ownerReferences: [{kind: ReplicaSet, name: web-5d9c7b, controller: true}]}
spec: {containers: [{name: a, image: a}]}
---
apiVersion: v1
kind: Pod
metadata: {name: nightly-29012340-abc, namespace: ops, ownerReferences: [{kind: Job, name: nightly-29012340, controller: true}]}
spec: {containers: [{name: a, image: a}]}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: ops}
spec: {containers: [{name: a, image: a}]}
`);
    assert.equal(workloadNamed(m, 'shop', 'web')?.resource.kind, 'Deployment');
    assert.equal(workloadNamed(m, 'shop', 'web-5d9c7b'), undefined, 'Istio never reports the ReplicaSet name');
    assert.equal(workloadNamed(m, 'ops', 'nightly')?.resource.name, 'nightly-29012340-abc');
    assert.equal(workloadNamed(m, 'ops', 'debug')?.resource.kind, 'Pod');
    assert.equal(workloadNamed(m, 'other', 'web'), undefined);
    assert.equal(workloadNamed(m, 'shop', '__proto__'), undefined);
    assert.equal(workloadNamed(m, 'unknown', 'unknown'), undefined);
});
test('trust domains and durations', () => {
    assert.equal(trustDomainOf('spiffe://Cluster.Local/ns/a/sa/b'), 'cluster.local');
    assert.equal(trustDomainOf('td.example/ns/a/sa/b'), 'td.example');
    assert.equal(trustDomainOf('spiffe://td/x'), null);
    assert.equal(trustDomainOf(''), null);
    assert.equal(durationText(3600), '1h');
    assert.equal(durationText(5400), '1h30m');
    assert.equal(durationText(45), '45s');
    assert.equal(durationText(90061), '1d1h1m1s');
});
