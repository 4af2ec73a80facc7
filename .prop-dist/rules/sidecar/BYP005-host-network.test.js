import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP005-host-network.js';
import { findingsFor } from '../../testing/kit.js';
const namespace = (name, labels) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  labels: ${labels}
---
`;
const daemonSet = (ns, hostNetwork, podLabels = '{app: agent}') => `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-agent, namespace: ${ns}}
spec:
  template:
    metadata:
      labels: ${podLabels}
    spec:
      hostNetwork: ${hostNetwork}
      containers:
      - {name: agent, image: example/agent:1.0}
`;
test('hostNetwork in a sidecar namespace is high, at the field, with the namespace as evidence', async () => {
    const f = await findingsFor(rule, namespace('payments', '{istio.io/rev: stable}') + daemonSet('payments', 'true'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.template.spec.hostNetwork');
    assert.equal(f[0].location?.line, 15);
    assert.match(f[0].message, /^DaemonSet payments\/node-agent sets hostNetwork: true although namespace payments injects sidecars: Istio does not inject a sidecar into host-network pods/);
    assert.equal(f[0].evidence.length, 1);
    assert.equal(f[0].evidence[0].resource?.kind, 'Namespace');
    assert.match(f[0].evidence[0].description, /istio\.io\/rev="stable" \(data-plane mode: sidecar\)/);
});
test('hostNetwork in an ambient namespace names ztunnel', async () => {
    const f = await findingsFor(rule, namespace('analytics', '{istio.io/dataplane-mode: ambient}') + daemonSet('analytics', 'true'));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /namespace analytics runs ambient mode: ztunnel does not capture host-network pods/);
});
test('unknown membership is not reported, unless the pod itself asks for a sidecar', async () => {
    assert.equal((await findingsFor(rule, daemonSet('somewhere', 'true'))).length, 0);
    const f = await findingsFor(rule, daemonSet('somewhere', 'true', '{app: agent, sidecar.istio.io/inject: "true"}'));
    assert.equal(f.length, 1);
    assert.match(f[0].message, /its pods ask for a sidecar \(label sidecar\.istio\.io\/inject="true"\)/);
    assert.equal(f[0].evidence[0].role, 'inject-setting');
});
test('system namespaces, namespaces outside the mesh and pods that opt out are not reported', async () => {
    assert.equal((await findingsFor(rule, namespace('istio-system', '{istio-injection: enabled}') + daemonSet('istio-system', 'true'))).length, 0);
    assert.equal((await findingsFor(rule, namespace('legacy', '{}') + daemonSet('legacy', 'true'))).length, 0);
    for (const v of ['"false"', '"no"', '"Off"']) {
        const yaml = namespace('shop', '{istio-injection: enabled}') + daemonSet('shop', 'true', `{sidecar.istio.io/inject: ${v}}`);
        assert.equal((await findingsFor(rule, yaml)).length, 0, v);
    }
});
test('hostNetwork false, absent or of the wrong type passes', async () => {
    const ns = namespace('shop', '{istio-injection: enabled}');
    for (const v of ['false', 'null', '"true"', '[true]'])
        assert.equal((await findingsFor(rule, ns + daemonSet('shop', v))).length, 0, v);
    const bare = await findingsFor(rule, ns + daemonSet('shop', 'true'));
    assert.equal(bare.length, 1, 'the same workload with hostNetwork: true is reported');
});
