import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './BYP009-pod-security-not-enforced.js';
import { findingsFor } from '../../testing/kit.js';
const ns = (name, labels) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
${labels === undefined ? '' : `  labels:\n${labels}`}`;
test('a missing enforce label is medium, at the labels', async () => {
    const f = await findingsFor(rule, ns('shop', '    istio-injection: enabled\n'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].location?.path, 'metadata.labels');
    assert.equal(f[0].location?.line, 5);
    assert.match(f[0].message, /^Namespace shop has no pod-security\.kubernetes\.io\/enforce label, so Pod Security enforces only the cluster default/);
    const bare = await findingsFor(rule, ns('shop'));
    assert.equal(bare.length, 1);
    assert.equal(bare[0].location?.path, 'metadata');
});
test('"privileged" is high, at the label', async () => {
    const f = await findingsFor(rule, ns('payments', '    istio.io/rev: stable\n    pod-security.kubernetes.io/enforce: privileged\n'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'metadata.labels["pod-security.kubernetes.io/enforce"]');
    assert.equal(f[0].location?.line, 7);
    assert.match(f[0].message, /^Namespace payments enforces Pod Security level "privileged", which allows everything/);
});
test('baseline and restricted pass; audit or warn labels alone do not', async () => {
    assert.equal((await findingsFor(rule, ns('analytics', '    pod-security.kubernetes.io/enforce: baseline\n'))).length, 0);
    assert.equal((await findingsFor(rule, ns('analytics', '    pod-security.kubernetes.io/enforce: restricted\n'))).length, 0);
    const warnOnly = await findingsFor(rule, ns('analytics', '    pod-security.kubernetes.io/warn: restricted\n    pod-security.kubernetes.io/audit: restricted\n'));
    assert.equal(warnOnly.length, 1);
    assert.equal(warnOnly[0].severity, 'medium');
});
test('a value that is not a level is low (Kubernetes evaluates it as restricted)', async () => {
    const f = await findingsFor(rule, ns('analytics', '    pod-security.kubernetes.io/enforce: Restricted\n'));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'low');
    assert.match(f[0].message, /enforce="Restricted", which is not a Pod Security level/);
});
test('system namespaces and namespaces only implied by other objects are not judged', async () => {
    assert.equal((await findingsFor(rule, ns('istio-system', '    pod-security.kubernetes.io/enforce: privileged\n'))).length, 0);
    assert.equal((await findingsFor(rule, ns('kube-system'))).length, 0);
    const implied = `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: tenant}
spec:
  containers: [{name: app, image: example/app:1}]
`;
    assert.equal((await findingsFor(rule, implied)).length, 0);
});
