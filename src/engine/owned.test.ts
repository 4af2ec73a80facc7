import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanYaml } from '../testing/kit.js';
import type { Finding } from './finding.js';
import { foldOwnedFindings, foldedNote } from './owned.js';

// A Deployment, the ReplicaSets it made and their Pods, as `kubectl get all -o yaml` lists them: the
// same pod template (a container as UID 1337: BYP001) on every one of them.
const template = (extra = '') => `metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: registry.example.com/web:1
        securityContext: {runAsUser: 1337}${extra}`;
const NS = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
`;
const deployment = (name = 'web', uid = 'uid-web') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop, uid: ${uid}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    ${template()}
`;
const owner = (kind: string, name: string, uid: string, apiVersion = 'apps/v1', controller = true) =>
  `[{apiVersion: ${apiVersion}, kind: ${kind}, name: ${JSON.stringify(name)}, uid: ${uid}, controller: ${controller}}]`;
const replicaSet = (name: string, uid: string, owners: string) => `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: ${name}, namespace: shop, uid: ${uid}, ownerReferences: ${owners}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    ${template()}
`;
const pod = (name: string, owners: string, extra = '') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: shop, labels: {app: web}, ownerReferences: ${owners}}
spec:
  containers:
  - name: web
    image: registry.example.com/web:1
    securityContext: {runAsUser: 1337}${extra}
`;
const docs = (...d: string[]) => d.join('---\n');

async function folded(text: string, rule = 'BYP001') {
  const result = await scanYaml(text);
  const fold = foldOwnedFindings(result.findings, result.model.resources);
  const of = (fs: readonly Finding[]) => fs.filter((f) => f.ruleId === rule);
  return { before: of(result.findings), after: of(fold.findings), folded: fold.folded, all: fold.findings, input: result.findings };
}
const objects = (fs: readonly Finding[]) => fs.map((f) => `${f.resource.kind} ${f.resource.name}`).sort();

test('a Deployment, its ReplicaSets and their Pods: one finding, on the Deployment, naming the others', async () => {
  const rs = owner('Deployment', 'web', 'uid-web');
  const r = await folded(docs(NS, deployment(), replicaSet('web-1', 'uid-rs1', rs), replicaSet('web-0', 'uid-rs0', rs), pod('web-1-a', owner('ReplicaSet', 'web-1', 'uid-rs1')), pod('web-1-b', owner('ReplicaSet', 'web-1', 'uid-rs1'))));
  assert.equal(r.before.length, 5);
  assert.deepEqual(objects(r.after), ['Deployment web']);
  const same = r.after[0].evidence.filter((e) => e.role === 'same-in-owned');
  assert.deepEqual(same.map((e) => e.description).sort(), [
    'Pod shop/web-1-a, which Deployment shop/web runs, has the same finding',
    'Pod shop/web-1-b, which Deployment shop/web runs, has the same finding',
    'ReplicaSet shop/web-0, which Deployment shop/web runs, has the same finding',
    'ReplicaSet shop/web-1, which Deployment shop/web runs, has the same finding',
  ]);
  assert.ok(same.every((e) => e.resource && e.location?.path), 'each names its object and field');
  // Its own evidence is kept first, and nothing else about it changes.
  const original = r.before.find((f) => f.resource.kind === 'Deployment')!;
  assert.deepEqual(r.after[0].evidence.slice(0, original.evidence.length), original.evidence);
  assert.equal(r.after[0].fingerprint, original.fingerprint);
  assert.equal(r.after[0].message, original.message);
  // Every rule folds the same way (BYP006 is not here; the other rules' findings are kept as they were).
  assert.equal(r.folded, r.input.length - r.all.length);
  assert.ok(r.folded >= 4);
});

test('a CronJob, its Job and its Pod fold into the CronJob (the template under spec.jobTemplate)', async () => {
  const cron = `apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop, uid: uid-cron}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        ${template().replaceAll('\n', '\n    ')}
`;
  const job = `apiVersion: batch/v1
kind: Job
metadata: {name: report-1, namespace: shop, uid: uid-job, ownerReferences: ${owner('CronJob', 'report', 'uid-cron', 'batch/v1')}}
spec:
  template:
    ${template()}
`;
  const r = await folded(docs(NS, cron, job, pod('report-1-x', owner('Job', 'report-1', 'uid-job', 'batch/v1'))));
  assert.equal(r.before.length, 3);
  assert.deepEqual(objects(r.after), ['CronJob report']);
  assert.equal(r.after[0].evidence.filter((e) => e.role === 'same-in-owned').length, 2);
});

test('kept apart: what only the running object has, a stronger finding, and an owner that is not the one referenced', async () => {
  // The Pod runs a second container as 1337 that the template does not have: its own finding.
  const podExtra = `
  - name: debug
    image: registry.example.com/debug:1
    securityContext: {runAsUser: 1337}`;
  const rs = replicaSet('web-1', 'uid-rs1', owner('Deployment', 'web', 'uid-web'));
  const own = await folded(docs(NS, deployment(), rs, pod('web-1-a', owner('ReplicaSet', 'web-1', 'uid-rs1'), podExtra)));
  assert.deepEqual(objects(own.after), ['Deployment web', 'Pod web-1-a']);
  assert.match(own.after.find((f) => f.resource.kind === 'Pod')!.message, /"debug"/);
  // A stronger finding on the running object than on its controller stays too.
  const sev = await scanYaml(docs(NS, deployment(), rs));
  const boosted = sev.findings.map((f) => (f.resource.kind === 'ReplicaSet' && f.ruleId === 'BYP001' ? { ...f, severity: 'critical' as const } : f));
  assert.equal(foldOwnedFindings(boosted, sev.model.resources).findings.filter((f) => f.ruleId === 'BYP001').length, 2);

  // A reference to another object of the same name (the uid differs: deleted and made again).
  const stale = await folded(docs(NS, deployment(), replicaSet('web-1', 'uid-rs1', owner('Deployment', 'web', 'uid-old'))));
  assert.deepEqual(objects(stale.after), ['Deployment web', 'ReplicaSet web-1']);
  // No controller: true, an owner not in the input, a kind that runs no template, the wrong group.
  for (const refs of [owner('Deployment', 'web', 'uid-web', 'apps/v1', false), owner('Deployment', 'gone', 'uid-x'), owner('Rollout', 'web', 'uid-web', 'argoproj.io/v1alpha1'), owner('Deployment', 'web', 'uid-web', 'extensions.example/v1')]) {
    const r = await folded(docs(NS, deployment(), replicaSet('web-1', 'uid-rs1', refs)));
    assert.deepEqual(objects(r.after), ['Deployment web', 'ReplicaSet web-1'], refs);
    assert.equal(r.folded, 0);
  }
  // Two definitions of the Deployment (a repository of alternatives): which one is meant is unknown.
  const twins = await folded(docs(NS, deployment(), deployment('web', 'uid-web'), replicaSet('web-1', 'uid-rs1', owner('Deployment', 'web', 'uid-web'))));
  assert.equal(twins.after.filter((f) => f.resource.kind === 'ReplicaSet').length, 1);
});

test('hostile owner references: prototype names, loops, self-reference and odd types change nothing and terminate', async () => {
  for (const kind of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    const r = await folded(docs(NS, deployment(), replicaSet('web-1', 'uid-rs1', owner(kind, 'web', 'uid-web'))));
    assert.equal(r.folded, 0, kind);
  }
  // a owns b owns a: the walk stops, and no finding is lost to the loop.
  const looped = (name: string, ownerName: string) => `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: ${name}, namespace: shop, uid: u-${name}, ownerReferences: ${owner('ReplicaSet', ownerName, `u-${ownerName}`)}}
spec:
  template:
    ${template()}
`;
  const loop = await folded(docs(NS, looped('a', 'b'), looped('b', 'a')));
  assert.equal(loop.before.length, 2);
  assert.ok(loop.after.length >= 1);
  const self = await folded(docs(NS, replicaSet('web-1', 'uid-rs1', owner('ReplicaSet', 'web-1', 'uid-rs1'))));
  assert.equal(self.after.length, 1);
  for (const odd of ['"not a list"', '[null, 7, "x", {kind: 7}]', '{kind: Deployment}']) {
    const r = await folded(docs(NS, deployment(), `apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web-1, namespace: shop, ownerReferences: ${odd}}\nspec: {template: {spec: {containers: [{name: web, image: registry.example.com/web:1, securityContext: {runAsUser: 1337}}]}}}\n`));
    assert.equal(r.folded, 0, odd);
  }
});

test('more than five objects: five named, the rest counted; the note says how many were folded', async () => {
  const rs = owner('Deployment', 'web', 'uid-web');
  const sets = Array.from({ length: 8 }, (_, i) => replicaSet(`web-${i}`, `uid-rs${i}`, rs));
  const r = await folded(docs(NS, deployment(), ...sets));
  assert.deepEqual(objects(r.after), ['Deployment web']);
  const same = r.after[0].evidence.filter((e) => e.role === 'same-in-owned');
  assert.equal(same.length, 6);
  assert.equal(same[5].description, 'and 3 more objects Deployment shop/web runs have the same finding');
  assert.equal(foldedNote(0), null);
  assert.equal(foldedNote(1), 'one finding on an object that a controller in the input runs (a ReplicaSet, Pod or Job) was folded into the same finding on the controller, which names it as evidence');
  assert.match(foldedNote(7, 'prod: ')!, /^prod: 7 findings on objects that a controller in the input runs \(ReplicaSets, Pods, Jobs\) were folded into the same finding on the controller, which names them as evidence$/);
});

test('what only the running objects have (the injected istio-init of every Pod) is one finding, on the first Pod by name', async () => {
  const init = `
  initContainers:
  - name: istio-init
    image: docker.io/istio/proxyv2:1.30.4
    securityContext: {capabilities: {add: [NET_ADMIN, NET_RAW]}, runAsUser: 0}`;
  const rs = replicaSet('web-1', 'uid-rs1', owner('Deployment', 'web', 'uid-web'));
  const pods = ['web-1-a', 'web-1-b', 'web-1-c'].map((n) => pod(n, owner('ReplicaSet', 'web-1', 'uid-rs1'), '') + init.slice(1) + '\n');
  const r = await folded(docs(NS, deployment(), rs, ...pods), 'BYP004');
  assert.equal(r.before.length, 3);
  assert.deepEqual(objects(r.after), ['Pod web-1-a']);
  assert.deepEqual(
    r.after[0].evidence.filter((e) => e.role === 'same-in-owned').map((e) => e.description),
    ['Pod shop/web-1-b, which Deployment shop/web also runs, has the same finding', 'Pod shop/web-1-c, which Deployment shop/web also runs, has the same finding'],
  );
});

test('kubectl get deploy,pods (no ReplicaSets): a Pod named by its ReplicaSet after the Deployment folds into it, if its labels are the selector\'s', async () => {
  const podOf = (rs: string, hash: string, labels = '{app: web, pod-template-hash: HASH}') => `apiVersion: v1
kind: Pod
metadata: {name: ${rs}-x, namespace: shop, labels: ${labels.replace('HASH', hash)}, ownerReferences: ${owner('ReplicaSet', rs, 'uid-gone')}}
spec:
  containers:
  - name: web
    image: registry.example.com/web:1
    securityContext: {runAsUser: 1337}
`;
  const r = await folded(docs(NS, deployment(), podOf('web-5d8f7', '5d8f7')));
  assert.deepEqual(objects(r.after), ['Deployment web']);
  // The hash is not the ReplicaSet name's tail, the name before it is another Deployment's, or the Pod's labels are not the selector's.
  for (const pod of [podOf('web-5d8f7', 'abcde'), podOf('other-5d8f7', '5d8f7'), podOf('web-5d8f7', '5d8f7', '{app: api, pod-template-hash: HASH}'), podOf('web-5d8f7', '5d8f7', '{app: web}')]) {
    const kept = await folded(docs(NS, deployment(), pod));
    assert.equal(kept.folded, 0, pod);
  }
});
