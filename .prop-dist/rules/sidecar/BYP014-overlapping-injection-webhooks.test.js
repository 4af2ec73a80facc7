import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP014-overlapping-injection-webhooks.js';
import { findingsFor } from '../../testing/kit.js';
import { injectorWebhookConfig } from './webhook-fixtures.js';
const DEFAULT = injectorWebhookConfig({ name: 'istio-sidecar-injector', rev: null, service: 'istiod' });
const CANARY = injectorWebhookConfig({ name: 'istio-sidecar-injector-canary', rev: 'canary', service: 'istiod-canary' });
test("Istio's own webhooks do not overlap: default revision, a canary revision, and a tag with the default deactivated", async () => {
    assert.deepEqual(await findingsFor(rule, DEFAULT), []);
    assert.deepEqual(await findingsFor(rule, `${DEFAULT}---\n${CANARY}`), []);
    const deactivated = injectorWebhookConfig({ name: 'istio-sidecar-injector', rev: null, service: 'istiod', deactivated: true });
    const tag = injectorWebhookConfig({ name: 'istio-revision-tag-default', rev: null, service: 'istiod-canary' });
    assert.deepEqual(await findingsFor(rule, `${deactivated}---\n${CANARY}---\n${tag}`), []);
});
test('a revision tag installed without deactivating the default injector overlaps it, webhook by webhook', async () => {
    const tag = injectorWebhookConfig({ name: 'istio-revision-tag-default', rev: null, service: 'istiod-canary' });
    const f = await findingsFor(rule, `${DEFAULT}---\n${tag}`);
    assert.equal(f.length, 4, f.map((x) => x.message).join('\n'));
    const ns = f.find((x) => x.message.startsWith('webhook "namespace.sidecar-injector.istio.io" of MutatingWebhookConfiguration istio-revision-tag-default'));
    assert.ok(ns);
    assert.equal(ns.severity, 'medium');
    assert.equal(ns.resource.name, 'istio-revision-tag-default');
    assert.equal(ns.location?.path, 'webhooks[2].namespaceSelector');
    assert.match(ns.message, /and webhook "namespace\.sidecar-injector\.istio\.io" of MutatingWebhookConfiguration istio-sidecar-injector both inject sidecars into the same pods, for example pods without injection labels in a namespace labelled istio-injection=enabled/);
    assert.equal(ns.evidence[0].resource?.name, 'istio-sidecar-injector');
});
test('a hand-made webhook on istio-injection=enabled overlaps the default one; without a selector it overlaps everything', async () => {
    const custom = (selector) => `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: team-injector}
webhooks:
- name: inject.team.example.com
  clientConfig:
    url: https://injector.team.example.com:9443/inject/cluster/c1/net/n1
${selector}`;
    const f = await findingsFor(rule, `${DEFAULT}---\n${custom('  namespaceSelector:\n    matchLabels: {istio-injection: enabled}\n')}`);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /^webhook "inject\.team\.example\.com" of MutatingWebhookConfiguration team-injector and webhook "namespace\.sidecar-injector\.istio\.io"/);
    const all = await findingsFor(rule, `${DEFAULT}---\n${custom('')}`);
    assert.equal(all.length, 4);
    assert.equal(all[0].location?.path, 'webhooks[0]');
});
test('webhooks that do not inject sidecars are ignored; hostile webhooks lists do not throw', async () => {
    const other = `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: cert-manager-webhook}
webhooks:
- name: webhook.cert-manager.io
  clientConfig: {service: {name: cert-manager-webhook, namespace: cert-manager, path: /mutate}}
`;
    assert.deepEqual(await findingsFor(rule, `${DEFAULT}---\n${other}`), []);
    const hostile = `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: weird}
webhooks: [null, 7, {name: {a: 1}}, {name: x.sidecar-injector.istio.io, namespaceSelector: [1], objectSelector: {matchExpressions: [null]}, clientConfig: {url: "::not a url"}}]
`;
    assert.deepEqual(await findingsFor(rule, `${DEFAULT}---\n${hostile}`).then((f) => f.filter((x) => x.resource.name === 'weird' && /matchExpressions/.test(x.message))), []);
});
