import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP002-proxy-impersonation.js';
import { findingsFor } from '../../testing/kit.js';
const DIGEST = 'sha256:' + 'a'.repeat(64);
const OTHER_DIGEST = 'sha256:' + 'b'.repeat(64);
const deployment = (proxy) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers:
      - name: app
        image: example/app:1.0
${proxy}`;
test('a user-declared istio-proxy with an untrusted image is reported at its image', async () => {
    const f = await findingsFor(rule, deployment('      - name: istio-proxy\n        image: registry.example.com/tools/envoy-tap:latest\n'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.template.spec.containers[1].image');
    assert.equal(f[0].location?.line, 11);
    assert.match(f[0].message, /^container "istio-proxy" of Deployment shop\/web runs image "registry\.example\.com\/tools\/envoy-tap:latest"/);
    assert.match(f[0].message, /not a trusted Istio proxy image \(repository registry\.example\.com\/tools\/envoy-tap/);
    assert.match(f[0].message, /merges a user-declared istio-proxy container/);
});
test('the name is never enough: a look-alike registry serving "istio/proxyv2" is reported', async () => {
    const f = await findingsFor(rule, deployment('      - name: istio-proxy\n        image: evil.example.com/istio/proxyv2:1.24.2\n'));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /evil\.example\.com\/istio\/proxyv2 is not in settings\.trustedProxyImages/);
});
test('istio-init and istio-validation look-alikes in init and ephemeral containers are reported', async () => {
    const pod = `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  initContainers:
  - name: istio-init
    image: busybox:1.36
  containers:
  - name: app
    image: example/app:1
  ephemeralContainers:
  - name: istio-validation
    image: example/debug:1
`;
    const f = await findingsFor(rule, pod);
    assert.equal(f.length, 2);
    const init = f.find((x) => x.location?.path === 'spec.initContainers[0].image');
    const eph = f.find((x) => x.location?.path === 'spec.ephemeralContainers[0].image');
    assert.ok(init && eph);
    assert.match(init.message, /^init container "istio-init" of Pod shop\/p runs image "busybox:1\.36".*decides what the pod captures/);
    assert.match(eph.message, /^ephemeral container "istio-validation" of Pod shop\/p runs image "example\/debug:1"/);
});
test('trusted proxy images, the gateway "auto" placeholder and image-less customisations pass', async () => {
    for (const img of ['docker.io/istio/proxyv2:1.24.2', 'istio/proxyv2:1.24.2-distroless', `gcr.io/istio-release/proxyv2@${DIGEST}`, 'auto']) {
        assert.equal((await findingsFor(rule, deployment(`      - name: istio-proxy\n        image: ${img}\n`))).length, 0, img);
    }
    const custom = deployment('      - name: istio-proxy\n        resources:\n          requests: {cpu: 100m}\n');
    assert.equal((await findingsFor(rule, custom)).length, 0);
});
test('containers with other names are not this rule’s business, whatever their image', async () => {
    assert.equal((await findingsFor(rule, deployment('      - name: proxy\n        image: evil.example.com/envoy:1\n'))).length, 0);
});
test('a digest pin in the settings requires that digest', async () => {
    const settings = { trustedProxyImages: [`docker.io/istio/proxyv2@${DIGEST}`] };
    const tagged = await findingsFor(rule, deployment('      - name: istio-proxy\n        image: docker.io/istio/proxyv2:1.24.2\n'), { settings });
    assert.equal(tagged.length, 1);
    assert.match(tagged[0].message, /trusted repository but not at the pinned digest \(no digest given\)/);
    const other = await findingsFor(rule, deployment(`      - name: istio-proxy\n        image: docker.io/istio/proxyv2@${OTHER_DIGEST}\n`), { settings });
    assert.equal(other.length, 1);
    assert.match(other[0].message, /not at the pinned digest \(another digest\)/);
    const pinned = await findingsFor(rule, deployment(`      - name: istio-proxy\n        image: docker.io/istio/proxyv2:1.24.2@${DIGEST}\n`), { settings });
    assert.equal(pinned.length, 0);
});
test('an image that is not a string is reported as invalid, not trusted', async () => {
    const f = await findingsFor(rule, deployment('      - name: istio-proxy\n        image: {registry: evil}\n'));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /runs image \{"registry":"evil"\}, which is not a valid image reference/);
});
test('the sidecar.istio.io/proxyImage annotation is judged like a container image where a sidecar is injected', async () => {
    const ns = (labels) => `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: ${labels}
---
`;
    const annotated = (image) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata:
      annotations:
        sidecar.istio.io/proxyImage: "${image}"
    spec:
      containers:
      - {name: app, image: example/app:1.0}
`;
    const f = await findingsFor(rule, ns('{istio-injection: enabled}') + annotated('ghcr.io/attacker/envoy:1'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.template.metadata.annotations["sidecar.istio.io/proxyImage"]');
    assert.equal(f[0].location?.line, 14);
    assert.match(f[0].message, /Deployment shop\/web sets annotation sidecar\.istio\.io\/proxyImage="ghcr\.io\/attacker\/envoy:1"/);
    assert.equal((await findingsFor(rule, ns('{istio-injection: enabled}') + annotated('docker.io/istio/proxyv2:1.24.2'))).length, 0);
    // Not injected, so the annotation does nothing.
    assert.equal((await findingsFor(rule, ns('{}') + annotated('ghcr.io/attacker/envoy:1'))).length, 0);
});
test('malformed pod specs do not break the rule', async () => {
    const bad = `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers: [null, 7, "istio-proxy", {name: 42, image: evil/x}]
  initContainers: {name: istio-init}
`;
    assert.equal((await findingsFor(rule, bad)).length, 0);
});
test('every hub Istio publishes proxyv2 to is trusted, with -distroless / -debug variants and digests', async () => {
    const genuine = [
        'docker.io/istio/proxyv2:1.24.2',
        'istio/proxyv2:1.24.2-distroless',
        'index.docker.io/istio/proxyv2:1.25.0',
        'gcr.io/istio-release/proxyv2:1.26.3-distroless',
        'gcr.io/istio-testing/proxyv2:1.31-alpha.6f1e2d3c',
        'registry.istio.io/release/proxyv2:1.30.0',
        'registry.istio.io/release/proxyv2:1.30.1-debug',
        `registry.istio.io/release/proxyv2:1.30.0-distroless@${DIGEST}`,
        `registry.istio.io/release/proxyv2@${DIGEST}`,
        'registry.istio.io/testing/proxyv2:1.31-dev',
    ];
    for (const image of genuine) {
        const f = await findingsFor(rule, deployment(`      - name: istio-proxy\n        image: ${image}\n`));
        assert.deepEqual(f, [], image);
    }
});
test('look-alikes of the new registry.istio.io hub are still impersonation', async () => {
    const fakes = [
        'registry.istio.io.evil.example/release/proxyv2:1.30.0',
        'registry-istio.io/release/proxyv2:1.30.0',
        'registry.istio.io/releases/proxyv2:1.30.0',
        'registry.istio.io/release/proxyv2-tap:1.30.0',
        'evil.example/registry.istio.io/release/proxyv2:1.30.0',
        'docker.io/istio-release/proxyv2:1.30.0',
    ];
    for (const image of fakes) {
        const f = await findingsFor(rule, deployment(`      - name: istio-proxy\n        image: ${image}\n`));
        assert.equal(f.length, 1, image);
        assert.match(f[0].message, /is not in settings\.trustedProxyImages/, image);
    }
});
