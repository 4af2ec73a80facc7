import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP012-pod-missing-proxy.js';
import { findingsFor } from '../../testing/kit.js';
import { bookinfoNamespace, injectedPod } from './injected-fixtures.js';
const NS = bookinfoNamespace() + '---\n';
const plainPod = (extra = {}) => `apiVersion: v1
kind: Pod
metadata:
  name: ratings-v1-5c7d9-qwert
  namespace: bookinfo
  labels: {app: ratings}
${extra.meta ?? ''}  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: ratings-v1-5c7d9, uid: 1, controller: true}
spec:
${extra.spec ?? ''}  containers:
  - name: ratings
    image: docker.io/istio/examples-bookinfo-ratings-v1:1.20.2
status:
  phase: ${extra.status ?? 'Running'}
`;
test('a running pod without istio-proxy in an injected namespace is reported at its containers', async () => {
    const f = await findingsFor(rule, NS + plainPod());
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].location?.path, 'spec.containers');
    assert.equal(f[0].location?.line, 19);
    assert.match(f[0].message, /^Pod bookinfo\/ratings-v1-5c7d9-qwert \(owned by ReplicaSet "ratings-v1-5c7d9", phase "Running"\) has no istio-proxy container although namespace bookinfo injects sidecars \(istio-injection="enabled"\)/);
    assert.equal(f[0].evidence[0].resource?.kind, 'Namespace');
});
test('injected by default: reported, with the injector ConfigMap as evidence', async () => {
    const yaml = `apiVersion: v1
kind: Namespace
metadata: {name: bookinfo}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector, namespace: istio-system}
data:
  values: '{"sidecarInjectorWebhook":{"enableNamespacesByDefault":true}}'
---
${plainPod()}`;
    const f = await findingsFor(rule, yaml);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /is injected by default \(the default injector has enableNamespacesByDefault on\)/);
    assert.ok(f[0].evidence.some((e) => e.resource?.kind === 'ConfigMap' && /enableNamespacesByDefault: true/.test(e.description)));
});
test('injected pods (main or native sidecar) are not reported', async () => {
    for (const o of [{ cni: false }, { cni: true, native: true }]) {
        assert.deepEqual(await findingsFor(rule, NS + injectedPod({ image: 'docker.io/istio/proxyv2:1.24.2', ...o })), []);
    }
});
test('opted-out, host-network, finished, static pods, and namespaces outside the mesh are not reported', async () => {
    const cases = [
        plainPod({ meta: '  annotations: {sidecar.istio.io/inject: "false"}\n' }),
        plainPod({ spec: '  hostNetwork: true\n' }),
        plainPod({ status: 'Succeeded' }),
        plainPod({ status: 'Failed' }),
        plainPod({ meta: '  annotations: {kubernetes.io/config.mirror: abc}\n' }),
    ];
    for (const c of cases)
        assert.deepEqual(await findingsFor(rule, NS + c), [], c);
    const outside = bookinfoNamespace('istio-injection: disabled') + '---\n' + plainPod();
    assert.deepEqual(await findingsFor(rule, outside), []);
    assert.deepEqual(await findingsFor(rule, plainPod()), [], 'namespace not in the input');
});
test('a Deployment template is never judged (templates do not hold the injected container)', async () => {
    const deploy = `apiVersion: apps/v1
kind: Deployment
metadata: {name: ratings, namespace: bookinfo}
spec:
  template:
    spec:
      containers: [{name: ratings, image: example/ratings:1}]
`;
    assert.deepEqual(await findingsFor(rule, NS + deploy), []);
});
test('an ephemeral istio-proxy does not count as the sidecar; hostile owner references do not throw', async () => {
    const eph = plainPod().replace('status:', '  ephemeralContainers:\n  - {name: istio-proxy, image: "docker.io/istio/proxyv2:1.24.2"}\nstatus:');
    assert.equal((await findingsFor(rule, NS + eph)).length, 1);
    const hostile = plainPod().replace(/ownerReferences:\n.*\n/, 'ownerReferences: [{kind: {a: 1}, name: 7}, null]\n');
    assert.equal((await findingsFor(rule, NS + hostile)).length, 1);
});
test("the injector's policy: disabled and neverInjectSelector (from its ConfigMap config) exempt pods", async () => {
    const cm = (config) => `apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector, namespace: istio-system}
data:
  values: '{"global":{"hub":"docker.io/istio","tag":"1.24.2"}}'
  config: |
${config
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n')}
---
`;
    assert.deepEqual(await findingsFor(rule, cm('policy: disabled\ntemplates:\n  sidecar: "{{ .Values }}"') + NS + plainPod()), []);
    const never = cm('policy: enabled\nneverInjectSelector:\n- matchLabels: {app: ratings}');
    assert.deepEqual(await findingsFor(rule, never + NS + plainPod()), []);
    const other = cm('policy: enabled\nneverInjectSelector:\n- matchExpressions: [{key: app, operator: In, values: [other]}]');
    assert.equal((await findingsFor(rule, other + NS + plainPod())).length, 1);
    // policy: disabled still injects pods that ask explicitly, so a pod asking but lacking the proxy is reported.
    const asks = plainPod({ meta: '  annotations: {sidecar.istio.io/inject: "true"}\n' });
    assert.equal((await findingsFor(rule, cm('policy: disabled') + NS + asks)).length, 1);
    // A broken config is ignored, not thrown on.
    assert.equal((await findingsFor(rule, cm('policy: [unclosed') + NS + plainPod())).length, 1);
});
// Istio's object webhooks inject a pod that asks with the pod label in a namespace without injection
// labels (Kiali's demos): a running pod that asked and has no proxy was never injected.
test('a pod that opts in with the pod label in an unlabelled namespace and has no proxy is reported', async () => {
    const unlabelled = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: bookinfo}\n---\n';
    const asked = await findingsFor(rule, unlabelled + plainPod({ meta: '    sidecar.istio.io/inject: "true"\n' }).replace('labels: {app: ratings}\n', 'labels:\n    app: ratings\n'));
    assert.equal(asked.length, 1);
    assert.match(asked[0].message, /has no istio-proxy container although it opts in with pod label sidecar\.istio\.io\/inject="true", which Istio's object injection webhook honours in namespace bookinfo/);
    assert.deepEqual(await findingsFor(rule, unlabelled + plainPod()), [], 'no opt-in: BYP008 covers the namespace');
    const annotated = plainPod({ meta: '  annotations: {sidecar.istio.io/inject: "true"}\n' });
    assert.deepEqual(await findingsFor(rule, unlabelled + annotated), [], 'the webhooks never see an annotation-only opt-in');
    const disabled = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: bookinfo, labels: {istio-injection: disabled}}\n---\n';
    assert.deepEqual(await findingsFor(rule, disabled + plainPod({ meta: '    sidecar.istio.io/inject: "true"\n' }).replace('labels: {app: ratings}\n', 'labels:\n    app: ratings\n')), []);
});
