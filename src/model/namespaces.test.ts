import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namespaceMode } from './namespaces.js';
import { scanYaml } from '../testing/kit.js';

test('istio-injection with any value wins over istio.io/rev (the revision webhooks require it absent)', () => {
  assert.equal(namespaceMode({ 'istio-injection': 'enabled', 'istio.io/rev': 'canary' }).mode, 'sidecar');
  assert.equal(namespaceMode({ 'istio-injection': 'enabled', 'istio.io/rev': 'canary' }).revision, null);
  assert.equal(namespaceMode({ 'istio-injection': 'yes', 'istio.io/rev': 'canary' }).mode, 'none');
  assert.equal(namespaceMode({ 'istio-injection': 'disabled', 'istio.io/dataplane-mode': 'ambient' }).mode, 'ambient');
});

test('enableNamespacesByDefault injects only namespaces with no injection label at all', () => {
  assert.deepEqual(namespaceMode({}, true), { mode: 'sidecar', revision: null, injectedByDefault: true });
  assert.deepEqual(namespaceMode({}, false), { mode: 'none', revision: null, injectedByDefault: false });
  assert.equal(namespaceMode({ 'istio-injection': 'disabled' }, true).mode, 'none');
  assert.equal(namespaceMode({ 'istio.io/dataplane-mode': 'ambient' }, true).mode, 'ambient');
  assert.equal(namespaceMode({ 'istio.io/rev': '' }, true).mode, 'none', 'an empty istio.io/rev label still exists, so the default-on selector skips it');
});

const NS = `apiVersion: v1
kind: Namespace
metadata: {name: legacy}
---
`;

function injectorConfigMap(name: string, values: unknown): string {
  return `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: istio-system}
data:
  values: '${JSON.stringify(values)}'
---
`;
}

test('the model reads enableNamespacesByDefault from the default injector ConfigMap', async () => {
  const on = await scanYaml(NS + injectorConfigMap('istio-sidecar-injector', { global: { hub: 'docker.io/istio', tag: '1.24.2' }, sidecarInjectorWebhook: { enableNamespacesByDefault: true }, revision: '' }));
  assert.equal(on.model.namespace('legacy').mode, 'sidecar');
  assert.equal(on.model.namespace('legacy').injectedByDefault, true);
  assert.equal(on.model.injectors.get('')?.proxyImage, 'docker.io/istio/proxyv2:1.24.2');

  const off = await scanYaml(NS + injectorConfigMap('istio-sidecar-injector', { sidecarInjectorWebhook: { enableNamespacesByDefault: false } }));
  assert.equal(off.model.namespace('legacy').mode, 'none');

  // A revision's injector never selects unlabelled namespaces.
  const rev = await scanYaml(NS + injectorConfigMap('istio-sidecar-injector-canary', { sidecarInjectorWebhook: { enableNamespacesByDefault: true }, revision: 'canary' }));
  assert.equal(rev.model.namespace('legacy').mode, 'none');
  assert.equal(rev.model.injectors.get('canary')?.enableNamespacesByDefault, true);
});

test('the model reads enableNamespacesByDefault and the proxy image from an IstioOperator', async () => {
  const iop = `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: installed-state, namespace: istio-system}
spec:
  hub: registry.istio.io/release
  tag: "1.30.0"
  values:
    global: {variant: distroless}
    sidecarInjectorWebhook: {enableNamespacesByDefault: true}
`;
  const { model } = await scanYaml(NS + iop);
  assert.equal(model.namespace('legacy').mode, 'sidecar');
  assert.equal(model.injectors.get('')?.proxyImage, 'registry.istio.io/release/proxyv2:1.30.0-distroless');
});

test('hostile injector values are ignored, never thrown on', async () => {
  for (const values of ['not json', '[1,2]', '{"__proto__": {"enableNamespacesByDefault": true}}', '{"sidecarInjectorWebhook": {"enableNamespacesByDefault": "true"}}', '{"global": {"hub": 7, "tag": {"a": 1}}}']) {
    const text = `${NS}apiVersion: v1
kind: ConfigMap
metadata: {name: istio-sidecar-injector, namespace: istio-system}
data:
  values: ${JSON.stringify(values)}
`;
    const { model } = await scanYaml(text);
    assert.equal(model.namespace('legacy').mode, 'none', values);
    assert.equal(model.injectors.get('')?.proxyImage ?? null, null, values);
  }
});
