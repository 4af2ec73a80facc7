import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP015-injection-webhook-missing-service.js';
import { findingsFor } from '../../testing/kit.js';
import { injectorWebhookConfig, service } from './webhook-fixtures.js';
const CANARY = (failurePolicy = 'Fail') => injectorWebhookConfig({ name: 'istio-sidecar-injector-canary', rev: 'canary', service: 'istiod-canary', failurePolicy });
test('a webhook calling a Service missing from a namespace whose Services are in the input is reported at the name', async () => {
    const f = await findingsFor(rule, `${CANARY()}---\n${service('istiod')}`);
    assert.equal(f.length, 2); // both entries of the revision
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].location?.path, 'webhooks[0].clientConfig.service.name');
    assert.match(f[0].message, /^webhook "rev\.namespace\.sidecar-injector\.istio\.io" of MutatingWebhookConfiguration istio-sidecar-injector-canary calls Service "istio-system\/istiod-canary", which is not in the input although 1 other Service of namespace "istio-system" is: the injector cannot be reached, and pods in the namespaces it selects cannot be created/);
});
test('failurePolicy Ignore is high: pods are created without a sidecar', async () => {
    const f = await findingsFor(rule, `${CANARY('Ignore')}---\n${service('istiod')}`);
    assert.equal(f.length, 2);
    assert.equal(f[0].severity, 'high');
    assert.match(f[0].message, /created without a sidecar, silently/);
});
test('a Service without the called port is reported, with the Service as evidence', async () => {
    const f = await findingsFor(rule, `${CANARY()}---\n${service('istiod-canary', 'istio-system', 15017)}`);
    assert.equal(f.length, 2);
    assert.match(f[0].message, /calls port 443 of Service istio-system\/istiod-canary, which does not serve that port/);
    assert.equal(f[0].evidence[0].resource?.kind, 'Service');
});
test('present Service, or no Service of that namespace in the input (partial input): nothing reported', async () => {
    assert.deepEqual(await findingsFor(rule, `${CANARY()}---\n${service('istiod-canary')}`), []);
    assert.deepEqual(await findingsFor(rule, CANARY()), []);
    assert.deepEqual(await findingsFor(rule, `${CANARY()}---\n${service('istiod', 'other-ns')}`), []);
});
test('URL webhooks and hostile clientConfigs are skipped without throwing', async () => {
    const hostile = `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: weird}
webhooks:
- {name: a.sidecar-injector.istio.io, clientConfig: {url: "https://istiod.example.com/inject"}}
- {name: b.sidecar-injector.istio.io, clientConfig: {service: {name: {x: 1}, namespace: istio-system}}}
- {name: c.sidecar-injector.istio.io, clientConfig: {service: "istiod"}}
- {name: d.sidecar-injector.istio.io, clientConfig: {service: {name: istiod, namespace: istio-system, port: "443"}}}
`;
    assert.deepEqual(await findingsFor(rule, `${hostile}---\n${service('istiod')}`), []);
});
test('a hostile service namespace and name are escaped in the message', async () => {
    const hook = `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: x}
webhooks:
- {name: a.sidecar-injector.istio.io, clientConfig: {service: {name: "istiod\\u001b[2J", namespace: istio-system}}}
`;
    const f = await findingsFor(rule, `${hook}---\n${service('istiod')}`);
    assert.equal(f.length, 1);
    assert.doesNotMatch(f[0].message, /\u001b/);
    assert.match(f[0].message, /Service "istio-system\/istiod\\u001b\[2J"/);
});
