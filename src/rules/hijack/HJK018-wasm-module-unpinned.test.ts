import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './HJK018-wasm-module-unpinned.js';
import { findingsFor } from '../../testing/kit.js';

const SHA = '1ef0c9a92b0420cf25f7fe5d481b231464bc88f486ca3b9c83ed5cc21d2f6210';
const wasm = (ns: string, spec: string, name = 'w') => `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: ${name}, namespace: ${ns}}
spec:
${spec}
`;
const one = async (ns: string, spec: string) => {
  const f = await findingsFor(rule, wasm(ns, spec));
  assert.equal(f.length, 1, spec);
  assert.equal(f[0].location?.path, 'spec.url');
  return f[0];
};

test('plain http without sha256: high, naming the server and the proxies that run it', async () => {
  const f = await one('istio-system', '  selector: {matchLabels: {istio: ingressgateway}}\n  url: http://plugins.example.com/openid.wasm');
  assert.equal(f.severity, 'high');
  assert.equal(
    f.message,
    'WasmPlugin istio-system/w loads http://plugins.example.com/openid.wasm over plain HTTP with no sha256: anyone on the network path between the pods and plugins.example.com can serve other code, and the proxies of the pods labelled istio=ingressgateway in every namespace run it on every request.',
  );
});

test('https and OCI latest without a pin: medium; another OCI tag: low; with the tag (latest when none is written) and the registry', async () => {
  const https = await one('shop', '  url: https://plugins.example.com/filter.wasm');
  assert.equal(https.severity, 'medium');
  assert.match(https.message, /whoever can change the file on plugins\.example\.com changes the code every proxy in namespace shop runs on every request/);
  const tagged = await one('shop', '  selector: {matchLabels: {app: web}}\n  url: oci://registry.example.com:5000/team/filter:1.2');
  assert.equal(tagged.severity, 'low');
  assert.match(tagged.message, /by tag "1\.2" with no sha256 or digest: whoever can push that tag to registry\.example\.com:5000 changes the code the proxies of the pods labelled app=web in shop run/);
  // No scheme is an OCI image; no tag is latest; a bare repository is Docker Hub's.
  const latest = await one('shop', '  url: acme/filter');
  assert.equal(latest.severity, 'medium');
  assert.match(latest.message, /by tag "latest" .* to docker\.io .*, and "latest" is pulled again whenever the plugin changes\.$/);
  assert.equal((await one('shop', '  url: oci://ghcr.io/acme/filter:latest')).severity, 'medium');
  assert.match((await one('shop', '  url: ghcr.io/acme/filter')).message, /by tag "latest" .* to ghcr\.io /);
  // A root-namespace plugin with neither selector nor targetRefs reaches the whole mesh; targetRefs are named.
  assert.match((await one('istio-system', '  url: oci://ghcr.io/acme/filter:v1')).message, /every proxy in the mesh runs on every request the next time it pulls it/);
  assert.match((await one('shop', '  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: public}]\n  url: oci://ghcr.io/acme/filter:v1')).message, /the proxies of Gateway public run/);
});

test('pinned, local or unusable sources: nothing', async () => {
  for (const spec of [
    `  url: http://plugins.example.com/openid.wasm\n  sha256: ${SHA}`,
    `  url: https://plugins.example.com/openid.wasm\n  sha256: ${SHA}`,
    `  url: oci://ghcr.io/acme/filter:v1\n  sha256: ${SHA}`,
    `  url: oci://ghcr.io/acme/filter@sha256:${SHA}`,
    `  url: ghcr.io/acme/filter@sha256:${SHA}`,
    '  url: file:///opt/filters/openid.wasm',
    '  url: ftp://example.com/x.wasm',
    '  url: ""',
    '  phase: AUTHN',
  ]) {
    assert.deepEqual(await findingsFor(rule, wasm('shop', spec)), [], spec);
  }
  // A sha256 that is not 64 hex digits checks nothing (Istio's CRD refuses it; this input still loads).
  assert.equal((await findingsFor(rule, wasm('shop', '  url: https://plugins.example.com/x.wasm\n  sha256: abc'))).length, 1);
});

test('credentials and query tokens in the url never reach the message', async () => {
  const f = await one('shop', '  url: "https://deploy:hunter2-canary@plugins.example.com/x.wasm?token=canary-token-9"');
  assert.doesNotMatch(f.message, /hunter2-canary|canary-token-9/);
  assert.match(f.message, /plugins\.example\.com/);
  const g = await one('shop', '  url: "http://deploy:hunter2-canary@plugins.example.com/x.wasm"');
  assert.doesNotMatch(g.message, /hunter2-canary/);
  assert.match(g.message, /between the pods and plugins\.example\.com can serve/);
});
