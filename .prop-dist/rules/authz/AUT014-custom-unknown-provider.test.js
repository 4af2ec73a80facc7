import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT014-custom-unknown-provider.js';
import { findingsFor } from '../../testing/kit.js';
import { authz, docs, meshConfig } from './fixtures.js';
const custom = (name) => authz('shop', 'ext', { action: 'CUSTOM', provider: { name }, rules: [{ to: [{ operation: { paths: ['/api/*'] } }] }] });
const providers = meshConfig('extensionProviders:\n- name: oauth2-proxy\n  envoyExtAuthzHttp: {service: oauth2.auth.svc.cluster.local, port: 4180}\n');
test('a provider the mesh config does not define: medium, on provider.name', async () => {
    const f = await findingsFor(rule, docs(providers, custom('opa')));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].location?.path, 'spec.provider.name');
    assert.equal(f[0].message, 'CUSTOM policy shop/ext delegates to provider "opa", but the mesh config defines "oauth2-proxy": the external authorizer is never called and istiod denies the matching requests instead.');
    assert.equal(f[0].evidence[0].resource?.kind, 'ConfigMap');
});
test('without a mesh config in the input the finding is low and says defaults were assumed', async () => {
    const f = await findingsFor(rule, docs(custom('opa')));
    assert.equal(f[0].severity, 'low');
    assert.match(f[0].message, /no mesh config is in the input, and Istio's defaults define no provider/);
});
test('negatives: a defined provider, non-CUSTOM policies, CUSTOM without a provider (rejected by Istio)', async () => {
    assert.deepEqual(await findingsFor(rule, docs(providers, custom('oauth2-proxy'))), []);
    assert.deepEqual(await findingsFor(rule, docs(providers, authz('shop', 'a', { provider: { name: 'opa' }, rules: [{}] }))), []);
    assert.deepEqual(await findingsFor(rule, docs(providers, authz('shop', 'c', { action: 'CUSTOM', rules: [{}] }))), []);
    assert.deepEqual(await findingsFor(rule, docs(meshConfig('extensionProviders: oops\n'), custom('oauth2-proxy'))).then((f) => f.length), 1);
});
