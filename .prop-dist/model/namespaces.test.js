import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namespaceMode, podDataplane, podOptIn } from './namespaces.js';
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
function injectorConfigMap(name, values) {
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
// Istio's object webhooks (object.sidecar-injector.istio.io, rev.object.sidecar-injector.istio.io)
// inject pods that opt in themselves, but only in namespaces with neither istio-injection nor istio.io/rev.
test('a pod label opts a pod into the mesh in a namespace without injection labels, as the object webhooks do', () => {
    const unlabelled = { mode: 'none', labels: {} };
    assert.equal(podDataplane(unlabelled, { 'sidecar.istio.io/inject': 'true' }, {}), 'sidecar');
    assert.equal(podDataplane(unlabelled, { 'istio.io/rev': 'canary' }, {}), 'sidecar', 'rev.object webhook');
    assert.equal(podDataplane(unlabelled, { 'istio.io/dataplane-mode': 'ambient' }, {}), 'ambient', 'pod-level ambient enrolment');
    assert.equal(podDataplane({ mode: 'ambient', labels: { 'istio.io/dataplane-mode': 'ambient' } }, { 'sidecar.istio.io/inject': 'true' }, {}), 'sidecar');
    assert.deepEqual(podOptIn({}, { 'sidecar.istio.io/inject': 'true' }), { mode: 'sidecar', label: 'sidecar.istio.io/inject', value: 'true' });
});
test('what the object webhooks do not select stays outside the mesh', () => {
    const unlabelled = { mode: 'none', labels: {} };
    assert.equal(podDataplane(unlabelled, {}, { 'sidecar.istio.io/inject': 'true' }), 'none', 'annotations are not matched by objectSelector');
    assert.equal(podDataplane(unlabelled, { 'sidecar.istio.io/inject': 'yes' }, {}), 'none', 'the objectSelector wants exactly "true"');
    assert.equal(podDataplane(unlabelled, { 'istio.io/rev': 'canary', 'sidecar.istio.io/inject': 'false' }, {}), 'none');
    assert.equal(podDataplane(unlabelled, { 'istio.io/rev': '' }, {}), 'none');
    assert.equal(podDataplane(unlabelled, {}, {}), 'none');
    const disabled = { mode: 'none', labels: { 'istio-injection': 'disabled' } };
    assert.equal(podDataplane(disabled, { 'sidecar.istio.io/inject': 'true' }, {}), 'none', 'istio-injection must not exist');
    assert.equal(podDataplane(disabled, { 'istio.io/rev': 'canary' }, {}), 'none');
    assert.equal(podDataplane({ mode: 'ambient', labels: { 'istio-injection': 'disabled', 'istio.io/dataplane-mode': 'ambient' } }, { 'sidecar.istio.io/inject': 'true' }, {}), 'ambient');
    assert.equal(podOptIn({ 'istio.io/rev': '' }, { 'sidecar.istio.io/inject': 'true' }), null, 'an empty istio.io/rev label still exists');
    assert.equal(podOptIn({}, { ['__proto__']: 'x', constructor: 'true' }), null);
});
test('the model counts a pod-level opt-in once, for every reader', async () => {
    const { model } = await scanYaml(`apiVersion: v1
kind: Namespace
metadata: {name: travel}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: opted, namespace: travel}
spec:
  template:
    metadata:
      labels: {app: opted, sidecar.istio.io/inject: "true"}
    spec:
      containers: [{name: app, image: example/app:1}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: plain, namespace: travel}
spec:
  template:
    metadata:
      labels: {app: plain}
    spec:
      containers: [{name: app, image: example/app:1}]
`);
    assert.equal(model.namespace('travel').mode, 'none');
    const byName = new Map(model.workloadsIn('travel').map((w) => [w.resource.name, model.dataplaneOf(w)]));
    assert.equal(byName.get('opted'), 'sidecar');
    assert.equal(byName.get('plain'), 'none');
});
