import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP013-proxy-image-differs.js';
import { findingsFor } from '../../testing/kit.js';
import { bookinfoNamespace, injectedPod, PROXY_DIGEST } from './injected-fixtures.js';
const injector = (values, name = 'istio-sidecar-injector') => `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: istio-system}
data:
  values: '${JSON.stringify(values)}'
---
`;
const V126 = injector({ global: { hub: 'docker.io/istio', tag: '1.26.3', proxy: { image: 'proxyv2' } }, revision: '' });
const NS = bookinfoNamespace() + '---\n';
test('an injected pod still on an older tag is low, at its istio-proxy image, with the injector as evidence', async () => {
    const f = await findingsFor(rule, V126 + NS + injectedPod({ image: 'docker.io/istio/proxyv2:1.24.2', cni: true }));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'low');
    assert.equal(f[0].location?.path, 'spec.containers[1].image');
    assert.match(f[0].message, /^container "istio-proxy" of Pod bookinfo\/reviews-v1-6f7b8c9d5-x2kqp runs "docker\.io\/istio\/proxyv2:1\.24\.2", but the default injector writes "docker\.io\/istio\/proxyv2:1\.26\.3" \(ConfigMap istio-system\/istio-sidecar-injector\)/);
    assert.equal(f[0].evidence[0].resource?.kind, 'ConfigMap');
});
test('another repository is medium; native sidecars are compared too', async () => {
    const f = await findingsFor(rule, V126 + NS + injectedPod({ image: 'gcr.io/istio-release/proxyv2:1.26.3', cni: true, native: true }));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].location?.path, 'spec.initContainers[1].image');
    assert.match(f[0].message, /another repository/);
});
test('an untrusted image against a trusted injector image is left to BYP002; a private-mirror injector is compared', async () => {
    assert.deepEqual(await findingsFor(rule, V126 + NS + injectedPod({ image: 'registry.example.com/mirror/proxyv2:1.26.3', cni: true })), []);
    const mirror = injector({ global: { hub: 'registry.example.com/mirror', tag: '1.26.3' } });
    assert.deepEqual(await findingsFor(rule, mirror + NS + injectedPod({ image: 'registry.example.com/mirror/proxyv2:1.26.3', cni: true })), []);
    const f = await findingsFor(rule, mirror + NS + injectedPod({ image: 'docker.io/istio/proxyv2:1.26.3', cni: true }));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
});
test('same build: variants, digests, docker.io spelling and the IstioOperator hub/tag all match', async () => {
    const iop = `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: cp, namespace: istio-system}
spec: {hub: registry.istio.io/release, tag: "1.30.0", values: {global: {variant: distroless}}}
---
`;
    const cases = [
        [V126, 'istio/proxyv2:1.26.3'],
        [V126, 'docker.io/istio/proxyv2:1.26.3-distroless'],
        [V126, `docker.io/istio/proxyv2@${PROXY_DIGEST}`],
        [V126, `docker.io/istio/proxyv2:1.26.3@${PROXY_DIGEST}`],
        [iop, 'registry.istio.io/release/proxyv2:1.30.0-distroless'],
        [iop, 'registry.istio.io/release/proxyv2:1.30.0'],
    ];
    for (const [inj, image] of cases)
        assert.deepEqual(await findingsFor(rule, inj + NS + injectedPod({ image, cni: true })), [], image);
});
test('the revision is taken from the pod, then the namespace; without that injector nothing is said', async () => {
    const canary = injector({ global: { hub: 'docker.io/istio', tag: '1.27.1' }, revision: 'canary' }, 'istio-sidecar-injector-canary');
    const pod = injectedPod({ image: 'docker.io/istio/proxyv2:1.27.1', cni: true }).replace('istio.io/rev: default', 'istio.io/rev: canary');
    assert.deepEqual(await findingsFor(rule, V126 + canary + NS + pod), []);
    const stale = await findingsFor(rule, V126 + canary + NS + pod.replace('proxyv2:1.27.1', 'proxyv2:1.26.3'));
    assert.equal(stale.length, 1);
    assert.match(stale[0].message, /injector of revision "canary" writes "docker\.io\/istio\/proxyv2:1\.27\.1"/);
    // Only the canary injector is known, the pod is on the default revision: nothing to compare with.
    assert.deepEqual(await findingsFor(rule, canary + NS + injectedPod({ image: 'docker.io/istio/proxyv2:1.20.0', cni: true })), []);
});
test('no injector in the input, a proxyImage annotation, or an image-less override: nothing reported', async () => {
    assert.deepEqual(await findingsFor(rule, NS + injectedPod({ image: 'docker.io/istio/proxyv2:1.24.2', cni: true })), []);
    const annotated = injectedPod({ image: 'docker.io/istio/proxyv2:1.24.2', cni: true, extraAnnotations: '    sidecar.istio.io/proxyImage: docker.io/istio/proxyv2:1.24.2\n' });
    assert.deepEqual(await findingsFor(rule, V126 + NS + annotated), []);
    const override = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: bookinfo}
spec:
  template:
    spec:
      containers:
      - {name: app, image: example/app:1}
      - name: istio-proxy
        resources: {requests: {cpu: 50m}}
`;
    assert.deepEqual(await findingsFor(rule, V126 + NS + override), []);
});
test('a Deployment pinning an old proxy on its istio-proxy container is reported', async () => {
    const deploy = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: bookinfo}
spec:
  template:
    spec:
      containers:
      - {name: app, image: example/app:1}
      - {name: istio-proxy, image: "docker.io/istio/proxyv2:1.20.0"}
`;
    const f = await findingsFor(rule, V126 + NS + deploy);
    assert.equal(f.length, 1);
    assert.equal(f[0].location?.path, 'spec.template.spec.containers[1].image');
});
