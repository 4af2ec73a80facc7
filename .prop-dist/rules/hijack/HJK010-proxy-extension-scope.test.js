import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK010-proxy-extension-scope.js';
import { findingsFor } from '../../testing/kit.js';
const ef = (ns, spec) => `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: f, namespace: ${ns}}
spec:
${spec}
  configPatches: []
`;
const wasm = (ns, spec) => `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: w, namespace: ${ns}}
spec:
${spec}
  url: oci://registry.example.com/plugin:1
`;
test('EnvoyFilter and WasmPlugin in tenant namespaces are high', async () => {
    const f = await findingsFor(rule, ef('shop', '  workloadSelector: {labels: {app: web}}'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.match(f[0].message, /EnvoyFilter shop\/f is in tenant namespace shop/);
    const w = await findingsFor(rule, wasm('shop', '  selector: {matchLabels: {app: web}}'));
    assert.match(w[0].message, /configuration and code/);
});
test('root namespace: mesh-wide is medium, targeted is fine', async () => {
    const f = await findingsFor(rule, ef('istio-system', '  priority: 1'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].location?.path, 'spec');
    assert.equal((await findingsFor(rule, ef('istio-system', '  workloadSelector: {labels: {istio: ingressgateway}}'))).length, 0);
    assert.equal((await findingsFor(rule, wasm('istio-system', '  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: public}]'))).length, 0);
    assert.equal((await findingsFor(rule, wasm('istio-system', '  selector: {matchLabels: {}}'))).length, 1);
});
