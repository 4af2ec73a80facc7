import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT027-policy-names-unknown-namespace.js';
import { findingsFor } from '../../testing/kit.js';
import { authz, docs, namespace } from './fixtures.js';
const NS = [namespace('payments'), namespace('sandbox'), namespace('frontend')];
const policy = (action, source) => authz('payments', 'p', { action, rules: [{ from: [{ source }] }] });
test('a DENY on a mistyped namespace fails open: high, on the value, with a suggestion', async () => {
    const f = await findingsFor(rule, docs(...NS, policy('DENY', { namespaces: ['frontend', 'sandbx'] })));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.rules[0].from[0].source.namespaces[1]');
    assert.equal(f[0].message, 'DENY policy payments/p names namespace "sandbx" in namespaces (rules[0]), which does not exist in the input (did you mean sandbox?): the DENY matches no caller from it, so the namespace it was meant to block is let through (it fails open).');
});
test('graded by action and field: ALLOW notNamespaces medium, ALLOW namespaces low, DENY notNamespaces low, AUDIT info', async () => {
    const grade = async (action, field) => (await findingsFor(rule, docs(...NS, policy(action, { [field]: ['ghost-ns'] }))))[0]?.severity;
    assert.equal(await grade('ALLOW', 'notNamespaces'), 'medium');
    assert.equal(await grade('ALLOW', 'namespaces'), 'low');
    assert.equal(await grade('DENY', 'notNamespaces'), 'low');
    assert.equal(await grade('AUDIT', 'namespaces'), 'info');
    assert.equal(await grade('CUSTOM', 'namespaces'), undefined, 'CUSTOM without a provider is rejected by Istio; nothing to say');
});
test('negatives: existing, system and object-holding namespaces, matching patterns, no Namespace objects in the input', async () => {
    assert.deepEqual(await findingsFor(rule, docs(...NS, policy('DENY', { namespaces: ['sandbox', 'istio-system', 'kube-system', 'default', 'sand*', '*end', '*'] }))), []);
    assert.deepEqual(await findingsFor(rule, docs(...NS, authz('orders', 'x', {}), policy('DENY', { namespaces: ['orders'] }))), []);
    assert.deepEqual(await findingsFor(rule, docs(policy('DENY', { namespaces: ['anything'] }))), []);
    // A pattern that matches nothing is reported, without a suggestion.
    const f = await findingsFor(rule, docs(...NS, policy('DENY', { namespaces: ['tenant-*'] })));
    assert.equal(f.length, 1);
    assert.doesNotMatch(f[0].message, /did you mean/);
    assert.deepEqual(await findingsFor(rule, docs(...NS, policy('DENY', { namespaces: 'x' }))), []);
});
