import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT031-wasm-auth-fail-open.js';
import { findingsFor } from '../../testing/kit.js';

const SHA = '1ef0c9a92b0420cf25f7fe5d481b231464bc88f486ca3b9c83ed5cc21d2f6210';
const wasm = (spec: string, ns = 'istio-system') => `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: openid, namespace: ${ns}}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
${spec}
`;

test('AUTHN or AUTHZ with FAIL_OPEN: medium, on failStrategy, saying how the check is turned off', async () => {
  const f = await findingsFor(rule, wasm(`  url: oci://ghcr.io/acme/openid@sha256:${SHA}\n  phase: AUTHN\n  failStrategy: FAIL_OPEN`));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'medium');
  assert.equal(f[0].location?.path, 'spec.failStrategy');
  assert.equal(
    f[0].message,
    'WasmPlugin istio-system/openid runs in the AUTHN phase with failStrategy FAIL_OPEN: when its module cannot be fetched from ghcr.io or the plugin fails at run time, the proxies of the pods labelled istio=ingressgateway in every namespace skip it and pass requests on unchecked: if it authenticates, authorizes or filters requests, that check is off until it loads again.',
  );
  const authz = await findingsFor(rule, wasm('  url: https://plugins.example.com/acl.wasm\n  phase: AUTHZ\n  failStrategy: FAIL_OPEN', 'shop'));
  assert.match(authz[0].message, /AUTHZ phase .* fetched from plugins\.example\.com .* labelled istio=ingressgateway in shop skip it/);
});

test('a module in the proxy image cannot fail to download: only run-time failure is named', async () => {
  const f = await findingsFor(rule, wasm('  url: file:///opt/filters/openid.wasm\n  phase: AUTHN\n  failStrategy: FAIL_OPEN'));
  assert.match(f[0].message, /FAIL_OPEN: when the plugin fails at run time, /);
  // Without a selector: every proxy of the namespace, and the verb agrees.
  const wide = `apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: openid, namespace: shop}\nspec:\n  url: oci://ghcr.io/acme/openid:v1\n  phase: AUTHZ\n  failStrategy: FAIL_OPEN\n`;
  assert.match((await findingsFor(rule, wide))[0].message, /, every proxy in namespace shop skips it and passes requests on unchecked: /);
});

test('negatives: fail closed, FAIL_RELOAD, other phases', async () => {
  for (const spec of [
    '  url: oci://ghcr.io/acme/openid:v1\n  phase: AUTHN',
    '  url: oci://ghcr.io/acme/openid:v1\n  phase: AUTHN\n  failStrategy: FAIL_CLOSE',
    '  url: oci://ghcr.io/acme/openid:v1\n  phase: AUTHZ\n  failStrategy: FAIL_RELOAD',
    '  url: oci://ghcr.io/acme/stats:v1\n  phase: STATS\n  failStrategy: FAIL_OPEN',
    '  url: oci://ghcr.io/acme/headers:v1\n  failStrategy: FAIL_OPEN',
  ]) {
    assert.deepEqual(await findingsFor(rule, wasm(spec)), [], spec);
  }
});
