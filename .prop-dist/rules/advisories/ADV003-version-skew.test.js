import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './ADV003-version-skew.js';
import { findingsFor } from '../../testing/kit.js';
const istiod = (tag, rev) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod${rev ? `-${rev}` : ''}, namespace: istio-system}
spec:
  template:
    metadata: {labels: {app: istiod${rev ? `, istio.io/rev: ${rev}` : ''}}}
    spec:
      containers: [{name: discovery, image: "docker.io/istio/pilot:${tag}"}]
`;
const pinned = (name, ns, tag, podLabels = '{}') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  template:
    metadata:
      labels: ${podLabels}
      annotations: {sidecar.istio.io/proxyImage: "docker.io/istio/proxyv2:${tag}"}
    spec:
      containers: [{name: app, image: example/app:1}]
`;
test('proxies on the control-plane minor or one behind are supported', async () => {
    for (const tag of ['1.31.0', '1.31.9', '1.30.0', '1.30.5']) {
        assert.equal((await findingsFor(rule, istiod('1.31.1') + '---' + pinned('web', 'shop', tag))).length, 0, tag);
    }
});
test('two minors behind is outside the supported skew', async () => {
    const f = await findingsFor(rule, istiod('1.31.1') + '---' + pinned('web', 'shop', '1.29.3'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].location?.path, 'spec.template.metadata.annotations["sidecar.istio.io/proxyImage"]');
    assert.match(f[0].message, /pins the sidecar to Istio 1\.29\.3 .*, 2 minors behind its control plane istiod 1\.31\.1 \(container "discovery" of Deployment istio-system\/istiod\)/);
    assert.equal(f[0].evidence[0].role, 'control-plane');
    assert.equal(f[0].evidence[0].resource?.name, 'istiod');
});
test('a data plane ahead of its control plane is unsupported', async () => {
    const f = await findingsFor(rule, istiod('1.30.2') + '---' + pinned('web', 'shop', '1.31.1'));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /1 minor ahead of its control plane istiod 1\.30\.2.*data plane newer than its control plane/);
});
test('proxies pair with the control plane of their revision; revision names are not versions', async () => {
    const yaml = [
        istiod('1.31.1'),
        istiod('1.29.7', '1-31-1'), // the revision *name* says 1-31-1; the image says 1.29.7
        `
apiVersion: v1
kind: Namespace
metadata: {name: legacy, labels: {istio.io/rev: 1-31-1}}
`,
        pinned('old', 'legacy', '1.28.5'), // revision 1-31-1 → istiod 1.29.7: 1 behind, fine
        pinned('odd', 'legacy', '1.31.1'), // revision 1-31-1 → istiod 1.29.7: 2 ahead
        pinned('dflt', 'shop', '1.28.5'), // default revision → istiod 1.31.1: 3 behind
    ].join('---');
    const f = await findingsFor(rule, yaml);
    const by = Object.fromEntries(f.map((x) => [x.resource.name, x]));
    assert.deepEqual(Object.keys(by).sort(), ['dflt', 'odd']);
    assert.match(by.odd.message, /2 minors ahead of its control plane istiod 1\.29\.7/);
    assert.match(by.dflt.message, /3 minors behind its control plane istiod 1\.31\.1/);
});
test('gateways and ztunnel are data plane too; CNI and unknown versions are not compared', async () => {
    const yaml = [
        istiod('1.31.1'),
        `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress, namespace: istio-ingress}
spec:
  template:
    spec:
      containers: [{name: istio-proxy, image: "docker.io/istio/proxyv2:1.27.0"}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ztunnel, namespace: istio-system}
spec:
  template:
    spec:
      containers: [{name: istio-proxy, image: "docker.io/istio/ztunnel:1.28.0"}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: istio-cni-node, namespace: istio-system}
spec:
  template:
    spec:
      containers: [{name: install-cni, image: "docker.io/istio/install-cni:1.20.0"}]
---
apiVersion: v1
kind: Pod
metadata: {name: mystery, namespace: shop}
spec:
  containers: [{name: istio-proxy, image: "docker.io/istio/proxyv2:latest"}]
`,
    ].join('---');
    const f = await findingsFor(rule, yaml);
    assert.deepEqual(f.map((x) => x.resource.name).sort(), ['ingress', 'ztunnel']);
});
test('the IstioOperator stands in for the control plane when no istiod image is in the input', async () => {
    const iop = `
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: cp, namespace: istio-system}
spec: {tag: "1.31.1"}
`;
    const f = await findingsFor(rule, iop + '---' + pinned('web', 'shop', '1.29.0'));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /control plane istiod 1\.31\.1 \(spec\.tag of IstioOperator istio-system\/cp\)/);
    // A running istiod image wins over the operator's tag for the same revision.
    const g = await findingsFor(rule, iop + '---' + istiod('1.29.7') + '---' + pinned('web', 'shop', '1.29.0'));
    assert.equal(g.length, 0);
});
test('nothing to compare: no control plane, or several and no matching revision', async () => {
    assert.equal((await findingsFor(rule, pinned('web', 'shop', '1.20.0'))).length, 0);
    const two = istiod('1.31.1', 'blue') + '---' + istiod('1.29.1', 'green') + '---' + pinned('web', 'shop', '1.20.0');
    assert.equal((await findingsFor(rule, two)).length, 0);
    const paired = two + '---' + pinned('api', 'shop', '1.20.0', '{istio.io/rev: green}');
    const f = await findingsFor(rule, paired);
    assert.deepEqual(f.map((x) => x.resource.name), ['api']);
});
