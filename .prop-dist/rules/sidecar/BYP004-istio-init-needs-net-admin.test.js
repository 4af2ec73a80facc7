import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP004-istio-init-needs-net-admin.js';
import { findingsFor } from '../../testing/kit.js';
const namespace = (labels) => `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: ${labels}
---
`;
const injectedPod = (initName = 'istio-init', image = 'docker.io/istio/proxyv2:1.24.2') => `apiVersion: v1
kind: Pod
metadata: {name: web-7f9c, namespace: shop}
spec:
  initContainers:
  - name: ${initName}
    image: ${image}
    securityContext:
      capabilities: {add: [NET_ADMIN, NET_RAW], drop: [ALL]}
  containers:
  - {name: app, image: example/app:1}
  - {name: istio-proxy, image: "${image}"}
`;
test('a genuine istio-init is noted, with what it asks of the namespace', async () => {
    const f = await findingsFor(rule, namespace('{istio-injection: enabled}') + injectedPod());
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'info');
    assert.equal(f[0].location?.path, 'spec.initContainers[0]');
    assert.equal(f[0].location?.line, 12);
    assert.match(f[0].message, /^init container "istio-init" of Pod shop\/web-7f9c is Istio's redirection set-up and needs NET_ADMIN and NET_RAW/);
    assert.match(f[0].message, /Namespace shop enforces no Pod Security level, so it admits these pods and any other pod that asks for those capabilities\./);
    assert.match(f[0].message, /Install the Istio CNI plugin so that no application pod needs them\.$/);
    assert.equal(f[0].evidence[0]?.role, 'namespace');
    assert.equal(f[0].evidence[0]?.location?.path, 'metadata.labels.istio-injection');
});
test('the note says what the namespace Pod Security level does to such pods', async () => {
    const privileged = await findingsFor(rule, namespace('{istio-injection: enabled, pod-security.kubernetes.io/enforce: privileged}') + injectedPod());
    assert.match(privileged[0].message, /enforces Pod Security "privileged", so it admits these pods and any other pod/);
    const baseline = await findingsFor(rule, namespace('{istio-injection: enabled, pod-security.kubernetes.io/enforce: baseline}') + injectedPod());
    assert.match(baseline[0].message, /enforces Pod Security "baseline", which rejects these capabilities/);
    const unknown = await findingsFor(rule, injectedPod());
    assert.equal(unknown.length, 1);
    assert.doesNotMatch(unknown[0].message, /Pod Security/);
    assert.deepEqual(unknown[0].evidence, []);
});
test('CNI-mode pods (istio-validation), look-alikes and pods without istio-init are not noted', async () => {
    assert.equal((await findingsFor(rule, injectedPod('istio-validation'))).length, 0);
    assert.equal((await findingsFor(rule, injectedPod('istio-init', 'example.com/istio/proxyv2:1.24.2'))).length, 0);
    assert.equal((await findingsFor(rule, injectedPod('setup'))).length, 0);
});
