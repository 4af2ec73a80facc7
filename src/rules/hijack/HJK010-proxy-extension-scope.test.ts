import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK010-proxy-extension-scope.js';
import { findingsFor } from '../../testing/kit.js';

const ef = (ns: string, spec: string) => `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: f, namespace: ${ns}}
spec:
${spec}
  configPatches: []
`;
const wasm = (ns: string, spec: string) => `apiVersion: extensions.istio.io/v1alpha1
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

test('a mesh-wide EnvoyFilter names the proxies its patch contexts reach: gateways, sidecars or every proxy', async () => {
  const patches = (...contexts: Array<string | null>) => `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: f, namespace: istio-system}
spec:
  configPatches:
${contexts.map((c) => `  - applyTo: HTTP_FILTER\n${c === null ? '' : `    match: {context: ${c}}\n`}    patch: {operation: INSERT_BEFORE, value: {name: envoy.filters.http.lua}}`).join('\n')}
`;
  const message = async (...contexts: Array<string | null>) => {
    const f = await findingsFor(rule, patches(...contexts));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    return f[0].message;
  };
  // A patch applies only where match.context equals the context being built (listener_patch.go patchContextMatch).
  assert.equal(await message('GATEWAY', 'GATEWAY'), 'EnvoyFilter istio-system/f in the root namespace has no selector or targetRefs, so every gateway proxy in the mesh runs it.');
  assert.match(await message('SIDECAR_INBOUND', 'SIDECAR_OUTBOUND'), /, so every sidecar in the mesh runs it\.$/);
  assert.match(await message('GATEWAY', 'SIDECAR_INBOUND'), /, so every proxy in the mesh runs it\.$/);
  assert.match(await message('GATEWAY', 'ANY'), /, so every proxy in the mesh runs it\.$/);
  assert.match(await message('GATEWAY', null), /, so every proxy in the mesh runs it\.$/);
});
