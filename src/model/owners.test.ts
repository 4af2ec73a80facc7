import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanYaml } from '../testing/kit.js';
import { collapseOwned, ownedText } from './owners.js';

// Objects as a cluster lists them: a Deployment, its ReplicaSets and their Pods; a CronJob, its Job and
// that Job's Pod; all with one pod template.
const owner = (kind: string, name: string, uid: string, apiVersion = 'apps/v1', controller = true) =>
  `[{apiVersion: ${apiVersion}, kind: ${kind}, name: ${JSON.stringify(name)}, uid: ${uid}, controller: ${controller}}]`;
const tpl = `template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: web:1}]}}`;
const deployment = (name = 'web', uid = 'uid-web') => `{apiVersion: apps/v1, kind: Deployment, metadata: {name: ${name}, namespace: shop, uid: ${uid}}, spec: {selector: {matchLabels: {app: web}}, ${tpl}}}`;
const replicaSet = (name: string, uid: string, owners: string) => `{apiVersion: apps/v1, kind: ReplicaSet, metadata: {name: ${name}, namespace: shop, uid: ${uid}, ownerReferences: ${owners}}, spec: {${tpl}}}`;
const pod = (name: string, owners: string, labels = '{app: web}') => `{apiVersion: v1, kind: Pod, metadata: {name: ${name}, namespace: shop, labels: ${labels}, ownerReferences: ${owners}}, spec: {containers: [{name: web, image: web:1}]}}`;
const cronJob = `{apiVersion: batch/v1, kind: CronJob, metadata: {name: report, namespace: shop, uid: uid-cj}, spec: {jobTemplate: {spec: {${tpl}}}}}`;
const job = `{apiVersion: batch/v1, kind: Job, metadata: {name: report-1, namespace: shop, uid: uid-job, ownerReferences: ${owner('CronJob', 'report', 'uid-cj', 'batch/v1')}}, spec: {${tpl}}}`;
const jobPod = pod('report-1-x', owner('Job', 'report-1', 'uid-job', 'batch/v1'));

async function workloads(...docs: string[]) {
  return (await scanYaml(docs.join('\n---\n'))).model.workloads;
}
const names = (ws: readonly { resource: { kind: string; name: string } }[]) => ws.map((w) => `${w.resource.kind} ${w.resource.name}`);

test('manifests as written name no owners: the same list back, nothing counted', async () => {
  const ws = await workloads(deployment(), deployment('api', 'uid-api'));
  const c = collapseOwned(ws);
  assert.equal(c.workloads, ws);
  assert.equal(c.owned, 0);
  assert.equal(ownedText(c), '');
});

test('a Deployment with its ReplicaSets and Pods, a CronJob with its Job and Pod: two workloads', async () => {
  const rs = owner('Deployment', 'web', 'uid-web');
  const ws = await workloads(deployment(), replicaSet('web-1', 'uid-rs1', rs), replicaSet('web-0', 'uid-rs0', rs), pod('web-1-a', owner('ReplicaSet', 'web-1', 'uid-rs1')), cronJob, job, jobPod);
  const c = collapseOwned(ws);
  assert.deepEqual(names(c.workloads), ['Deployment web', 'CronJob report']);
  assert.equal(c.owned, 5);
  assert.deepEqual(c.ownedKinds, ['ReplicaSet', 'Pod', 'Job']);
  assert.equal(ownedText(c), 'the 5 ReplicaSets, Pods and Jobs they run');
  // Each object taken out stands under its top controller (a Job's Pod under the CronJob).
  assert.deepEqual([...c.runBy].map(([w, top]) => `${w.resource.name}>${top.resource.name}`), ['web-1>web', 'web-0>web', 'web-1-a>web', 'report-1>report', 'report-1-x>report']);
});

test('one object taken out of one workload: singular words', async () => {
  const c = collapseOwned(await workloads(deployment(), replicaSet('web-1', 'uid-rs1', owner('Deployment', 'web', 'uid-web'))));
  assert.equal(ownedText(c), 'the ReplicaSet it runs');
});

test('what runs under a controller the list does not hold stays a workload of its own', async () => {
  const ws = await workloads(replicaSet('web-1', 'uid-rs1', owner('Deployment', 'web', 'uid-web')), pod('web-1-a', owner('ReplicaSet', 'web-1', 'uid-rs1')));
  const c = collapseOwned(ws);
  // The Pod is the ReplicaSet's; the ReplicaSet's Deployment is not in the input.
  assert.deepEqual(names(c.workloads), ['ReplicaSet web-1']);
  // A Pod whose chain reaches nothing in the list stays too.
  assert.deepEqual(names(collapseOwned(await workloads(pod('lone', owner('ReplicaSet', 'gone', 'uid-x')))).workloads), ['Pod lone']);
});

test('a reference to an older object of the same name (another uid), or not as controller, is not ownership', async () => {
  const other = collapseOwned(await workloads(deployment(), replicaSet('web-1', 'uid-rs1', owner('Deployment', 'web', 'uid-older'))));
  assert.deepEqual(names(other.workloads), ['Deployment web', 'ReplicaSet web-1']);
  const notController = collapseOwned(await workloads(deployment(), replicaSet('web-1', 'uid-rs1', owner('Deployment', 'web', 'uid-web', 'apps/v1', false))));
  assert.equal(notController.owned, 0);
  // An owner kind in another API group (a CRD named Deployment) is not apps' Deployment.
  const crd = collapseOwned(await workloads(deployment(), replicaSet('web-1', 'uid-rs1', owner('Deployment', 'web', 'uid-web', 'example.com/v1'))));
  assert.equal(crd.owned, 0);
});

test("a Pod whose ReplicaSet is not in the list goes to the Deployment its pod-template-hash names", async () => {
  const withHash = pod('web-5d9f-a', owner('ReplicaSet', 'web-5d9f', 'uid-rs'), '{app: web, pod-template-hash: 5d9f}');
  assert.deepEqual(names(collapseOwned(await workloads(deployment(), withHash)).workloads), ['Deployment web']);
  // Labels that do not match the Deployment's selector: not its Pod.
  const stranger = pod('web-5d9f-b', owner('ReplicaSet', 'web-5d9f', 'uid-rs'), '{app: other, pod-template-hash: 5d9f}');
  assert.deepEqual(names(collapseOwned(await workloads(deployment(), stranger)).workloads), ['Deployment web', 'Pod web-5d9f-b']);
});

test('owner loops, prototype names and odd reference shapes end without taking anything out wrongly', async () => {
  const a = `{apiVersion: apps/v1, kind: ReplicaSet, metadata: {name: a, namespace: shop, uid: ua, ownerReferences: ${owner('ReplicaSet', 'b', 'ub')}}, spec: {${tpl}}}`;
  const b = `{apiVersion: apps/v1, kind: ReplicaSet, metadata: {name: b, namespace: shop, uid: ub, ownerReferences: ${owner('ReplicaSet', 'a', 'ua')}}, spec: {${tpl}}}`;
  // Each runs the other: neither stands for the other, both stay (a message never loses a workload).
  const loop = collapseOwned(await workloads(a, b));
  assert.deepEqual(names(loop.workloads), ['ReplicaSet a', 'ReplicaSet b']);
  const odd = [
    pod('p1', '[{kind: __proto__, name: constructor, controller: true}]'),
    pod('p2', '"not a list"'),
    pod('p3', '[null, 7, {kind: Deployment}]'),
    pod('p4', `[{apiVersion: apps/v1, kind: toString, name: web, controller: true}]`),
  ];
  assert.deepEqual(names(collapseOwned(await workloads(deployment(), ...odd)).workloads), ['Deployment web', 'Pod p1', 'Pod p2', 'Pod p3', 'Pod p4']);
});

test("an Argo Rollout: its ReplicaSet and Pods stand under it, also through rollouts-pod-template-hash when the ReplicaSet is missing", async () => {
  const rollout = `{apiVersion: argoproj.io/v1alpha1, kind: Rollout, metadata: {name: web, namespace: shop, uid: uid-ro}, spec: {selector: {matchLabels: {app: web}}, ${tpl}}}`;
  const rs = replicaSet('web-6f9c', 'uid-rs', owner('Rollout', 'web', 'uid-ro', 'argoproj.io/v1alpha1'));
  const viaRs = collapseOwned(await workloads(rollout, rs, pod('web-6f9c-a', owner('ReplicaSet', 'web-6f9c', 'uid-rs'))));
  assert.deepEqual(names(viaRs.workloads), ['Rollout web']);
  const viaHash = collapseOwned(await workloads(rollout, pod('web-6f9c-b', owner('ReplicaSet', 'web-6f9c', 'uid-rs'), '{app: web, rollouts-pod-template-hash: 6f9c}')));
  assert.deepEqual(names(viaHash.workloads), ['Rollout web']);
  // A kind named Rollout in another group is no workload, and nothing stands under it.
  const foreign = `{apiVersion: deploy.example.com/v1, kind: Rollout, metadata: {name: web, namespace: shop, uid: uid-ro}, spec: {selector: {matchLabels: {app: web}}, ${tpl}}}`;
  const notArgo = collapseOwned(await workloads(foreign, replicaSet('web-6f9c', 'uid-rs', owner('Rollout', 'web', 'uid-ro', 'deploy.example.com/v1'))));
  assert.deepEqual(names(notArgo.workloads), ['ReplicaSet web-6f9c']);
});
