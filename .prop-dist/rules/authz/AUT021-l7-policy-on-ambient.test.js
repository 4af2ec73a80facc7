import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT021-l7-policy-on-ambient.js';
import { findingsFor } from '../../testing/kit.js';
import { authz, deployment, doc, docs, namespace, service } from './fixtures.js';
const AMBIENT = [namespace('analytics', 'ambient'), deployment('analytics', 'reports'), service('analytics', 'reports', { app: 'reports' })];
const waypoint = doc({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'waypoint', namespace: 'analytics' }, spec: { gatewayClassName: 'istio-waypoint' } });
const sel = { selector: { matchLabels: { app: 'reports' } } };
test('ALLOW with HTTP fields enforced by ztunnel fails closed: low, on the first HTTP field', async () => {
    const f = await findingsFor(rule, docs(...AMBIENT, authz('analytics', 'get-only', { ...sel, rules: [{ from: [{ source: { namespaces: ['shop'] } }], to: [{ operation: { methods: ['GET'] } }] }] })));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'low');
    assert.equal(f[0].location?.path, 'spec.rules[0].to[0].operation.methods');
    assert.equal(f[0].message, 'ALLOW policy analytics/get-only applies to 1 ambient workload (Deployment analytics/reports), but ztunnel cannot evaluate methods, so the rules using them never match and that traffic is denied.');
    assert.deepEqual(f[0].evidence.map((e) => [e.description, e.resource?.kind ?? null]), [
        ['namespace analytics is in ambient mode', 'Namespace'],
        ['Deployment analytics/reports is in ambient mode, without a waypoint', null],
    ]);
});
test('CUSTOM is ignored by ztunnel (fails open): high; DENY with HTTP fields low; AUDIT low', async () => {
    const custom = await findingsFor(rule, docs(...AMBIENT, authz('analytics', 'ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] })));
    assert.equal(custom[0].severity, 'high');
    assert.equal(custom[0].location?.path, 'spec.action');
    assert.match(custom[0].message, /ztunnel does not support CUSTOM, so the external authorizer is never consulted/);
    const deny = await findingsFor(rule, docs(...AMBIENT, authz('analytics', 'no-export', { ...sel, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/export'] } }] }] })));
    assert.equal(deny[0].severity, 'low');
    assert.match(deny[0].message, /enforces the DENY rules without them, denying more than written/);
    assert.equal((await findingsFor(rule, docs(...AMBIENT, authz('analytics', 'audit', { action: 'AUDIT', rules: [{}] }))))[0].severity, 'low');
});
test('a waypoint does not help a selector policy: the message says to use targetRefs', async () => {
    const withWp = [namespace('analytics', 'ambient', { 'istio.io/use-waypoint': 'waypoint' }), deployment('analytics', 'reports'), waypoint];
    const f = await findingsFor(rule, docs(...withWp, authz('analytics', 'get-only', { ...sel, rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })));
    assert.match(f[0].message, /its waypoint analytics\/waypoint applies only targetRefs policies/);
    assert.match(f[0].evidence[1].description, /with waypoint waypoint/);
});
test('targetRefs to a Service no waypoint serves: enforced nowhere, high, on the targetRef', async () => {
    const f = await findingsFor(rule, docs(...AMBIENT, authz('analytics', 'svc', { targetRefs: [{ kind: 'Service', group: '', name: 'reports' }], action: 'DENY', rules: [{ to: [{ operation: { paths: ['/x'] } }] }] })));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.targetRefs[0]');
    assert.match(f[0].message, /attached to Service reports with targetRefs, which only a waypoint applies, and no waypoint serves it, so nothing enforces it/);
});
test('negatives: L4-only selector policies, targetRefs with a waypoint, sidecar workloads', async () => {
    assert.deepEqual(await findingsFor(rule, docs(...AMBIENT, authz('analytics', 'l4', { ...sel, rules: [{ from: [{ source: { principals: ['x'] } }], to: [{ operation: { ports: ['8080'] } }], when: [{ key: 'source.ip', values: ['10.0.0.0/8'] }] }] }))), []);
    const labelled = [namespace('analytics', 'ambient'), deployment('analytics', 'reports'), service('analytics', 'reports', { app: 'reports' }, undefined, {}, { 'istio.io/use-waypoint': 'waypoint' }), waypoint];
    assert.deepEqual(await findingsFor(rule, docs(...labelled, authz('analytics', 'svc', { targetRefs: [{ kind: 'Service', group: '', name: 'reports' }], rules: [{ to: [{ operation: { methods: ['GET'] } }] }] }))), []);
    assert.deepEqual(await findingsFor(rule, docs(namespace('shop'), deployment('shop', 'web'), authz('shop', 'get', { rules: [{ to: [{ operation: { methods: ['GET'] } }] }] }))), []);
});
