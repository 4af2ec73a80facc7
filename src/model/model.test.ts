import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseImage } from './images.js';
import { selectorMatches } from './selectors.js';
import { namespaceMode, podDataplane } from './namespaces.js';
import { scanYaml } from '../testing/kit.js';
import { MeshModel } from './model.js';

test('image references are normalised like a container runtime does', () => {
  assert.equal(parseImage('istio/proxyv2:1.24.2')?.name, 'docker.io/istio/proxyv2');
  assert.equal(parseImage('nginx')?.name, 'docker.io/library/nginx');
  assert.equal(parseImage('localhost:5000/istio/proxyv2@sha256:abc')?.registry, 'localhost:5000');
  const r = parseImage('gcr.io/istio-release/proxyv2:1.22.3-distroless@sha256:0123');
  assert.deepEqual([r?.name, r?.tag, r?.digest], ['gcr.io/istio-release/proxyv2', '1.22.3-distroless', 'sha256:0123']);
  assert.equal(parseImage(''), null);
  assert.equal(parseImage('has space'), null);
});

test('label selectors: matchLabels, matchExpressions and plain maps', () => {
  const labels = { app: 'web', tier: 'front' };
  assert.ok(selectorMatches({ app: 'web' }, labels));
  assert.ok(!selectorMatches({ app: 'api' }, labels));
  assert.ok(selectorMatches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] }, labels));
  assert.ok(!selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels));
  assert.ok(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, labels));
  assert.ok(!selectorMatches({ matchExpressions: [{ key: 'x', operator: 'Bogus' }] }, labels));
  assert.ok(selectorMatches({}, labels));
});

test('namespace and pod data-plane modes follow Istio precedence', () => {
  assert.deepEqual(namespaceMode({ 'istio-injection': 'enabled' }), { mode: 'sidecar', revision: null, injectedByDefault: false });
  assert.deepEqual(namespaceMode({ 'istio-injection': 'disabled', 'istio.io/rev': 'canary' }), { mode: 'none', revision: null, injectedByDefault: false });
  assert.deepEqual(namespaceMode({ 'istio.io/rev': 'canary' }), { mode: 'sidecar', revision: 'canary', injectedByDefault: false });
  assert.deepEqual(namespaceMode({ 'istio.io/dataplane-mode': 'ambient' }), { mode: 'ambient', revision: null, injectedByDefault: false });
  assert.equal(podDataplane('sidecar', { 'sidecar.istio.io/inject': 'false' }, {}), 'none');
  assert.equal(podDataplane('none', { 'sidecar.istio.io/inject': 'true' }, {}), 'sidecar');
  assert.equal(podDataplane('ambient', { 'istio.io/dataplane-mode': 'none' }, {}), 'none');
  assert.equal(podDataplane(null, {}, {}), null);
  assert.equal(podDataplane('sidecar', {}, { 'sidecar.istio.io/inject': 'Yes' }), 'sidecar');
  assert.equal(podDataplane('none', {}, { 'sidecar.istio.io/inject': 'true' }), 'none', 'the object webhook matches pod labels, never annotations');
  assert.equal(podDataplane('sidecar', { 'sidecar.istio.io/inject': 'no' }, { 'sidecar.istio.io/inject': 'true' }), 'none', 'the label wins');
  assert.equal(podDataplane('sidecar', { 'sidecar.istio.io/inject': '' }, {}), 'sidecar', 'empty means the namespace default');
});

test('the model indexes workloads of every kind and finds the mesh config', async () => {
  const { model } = await scanYaml(`apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    rootNamespace: mesh-root
    outboundTrafficPolicy: {mode: REGISTRY_ONLY}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: c, namespace: a}
spec:
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: c}}
        spec: {containers: [{name: x, image: y}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: a}
spec:
  template:
    metadata: {labels: {app: d, tier: web}}
    spec: {containers: [{name: x, image: y}], initContainers: [{name: i, image: z}]}
`, { rules: [] });
  assert.equal(model.mesh.origin, 'configmap');
  assert.equal(model.rootNamespace, 'mesh-root');
  assert.equal(model.mesh.config.outboundTrafficPolicy.mode, 'REGISTRY_ONLY');
  assert.ok(model.isSystemNamespace('mesh-root'));
  assert.equal(model.workloads.length, 2);
  assert.deepEqual(
    model.selectWorkloads('a', { app: 'd' }).map((w) => w.resource.name),
    ['d'],
  );
  assert.deepEqual(
    model.selectWorkloads('a', {}).map((w) => w.resource.name),
    ['c', 'd'],
  );
  assert.equal(model.workloads[1].containers.length, 2);
  assert.equal(model.workloads[1].containers[0].kind, 'initContainer');
});

test('prototype-named labels are ordinary labels: stored, selected on, never inherited', async () => {
  const res = await scanYaml(`apiVersion: v1
kind: Pod
metadata: {name: a, namespace: __proto__, labels: {__proto__: x, constructor: y}}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: __proto__, labels: {app: b}}
spec: {containers: [{name: c, image: nginx}]}
`);
  assert.deepEqual(res.errors, []);
  const [a, b] = res.model.workloadsIn('__proto__');
  assert.ok(Object.hasOwn(a.resource.labels, '__proto__'), 'the __proto__ label is an own property');
  assert.equal(Object.getPrototypeOf(a.resource.labels), Object.prototype, 'and did not replace the prototype');
  assert.deepEqual(res.model.selectWorkloads('__proto__', JSON.parse('{"matchLabels": {"__proto__": "x"}}')).map((w) => w.resource.name), ['a']);
  assert.ok(!selectorMatches({ constructor: 'y' }, b.podLabels), 'an inherited member is not a label');
  assert.ok(!selectorMatches({ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, b.podLabels));
});

test('a failure while modelling one document is contained to that document', async () => {
  const ok = (await scanYaml('apiVersion: v1\nkind: Pod\nmetadata: {name: fine, namespace: shop}\nspec: {containers: [{name: c, image: nginx}]}\n')).model.resources[0];
  // A document meshward cannot take in (stands for a bug met on odd input): reading its spec throws.
  const broken = { ...ok, id: 1, name: 'broken', obj: new Proxy({}, { get: () => { throw new Error('boom'); } }), source: { ...ok.source!, line: 7 } };
  const model = new MeshModel([ok, broken]);
  assert.deepEqual(model.workloads.map((w) => w.resource.name), ['fine'], 'the other document is still modelled');
  assert.equal(model.errors.length, 1);
  assert.equal(model.errors[0].resource.name, 'broken');
  assert.match(model.errors[0].message, /failed reading its pod template \(boom\)/);
});

test('a Namespace defined twice with different mesh labels: the last one is used, and a note says so; agreeing twins say nothing', async () => {
  const unlabelled = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: knative-serving}\n';
  const injected = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: knative-serving, labels: {istio-injection: enabled}}\n';
  const { model } = await scanYaml(`${unlabelled}---\n${injected}`);
  assert.equal(model.namespace('knative-serving').mode, 'sidecar');
  assert.deepEqual(
    model.mesh.notes.filter((n) => n.startsWith('Namespace ')),
    ['Namespace knative-serving is defined 2 times with different mesh labels (none in test.yaml; sidecar in test.yaml); the last is used. Which labels the cluster has depends on how they are applied: keep one definition, or scan what the build applies.'],
  );
  const agreeing = await scanYaml(`${injected}---\n${injected.replace('enabled}}', 'enabled, team: a}}')}`);
  assert.deepEqual(agreeing.model.mesh.notes.filter((n) => n.startsWith('Namespace ')), []);
  // Bounded: a thousand twins name five.
  const many = Array.from({ length: 1000 }, (_, i) => `${unlabelled.replace('knative-serving', `ns${i}`)}---\n${injected.replace('knative-serving', `ns${i}`)}`).join('---\n');
  assert.equal((await scanYaml(many)).model.mesh.notes.filter((n) => n.startsWith('Namespace ')).length, 5);
});
