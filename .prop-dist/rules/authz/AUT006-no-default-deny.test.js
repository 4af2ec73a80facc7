import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT006-no-default-deny.js';
import { findingsFor } from '../../testing/kit.js';
import { authz, deployment, docs, namespace } from './fixtures.js';
const SHOP = [namespace('shop'), deployment('shop', 'web'), deployment('shop', 'api')];
const allowWeb = authz('shop', 'web', { selector: { matchLabels: { app: 'web' } }, rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] });
test('no allow-nothing anywhere: medium on the Namespace, listing the workloads without any ALLOW policy', async () => {
    const f = await findingsFor(rule, docs(...SHOP, allowWeb));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.deepEqual([f[0].resource.kind, f[0].resource.name], ['Namespace', 'shop']);
    assert.equal(f[0].location?.path, 'metadata.name');
    assert.equal(f[0].message, 'Namespace shop (sidecar mode) has no default-deny AuthorizationPolicy (ALLOW with no rules), and neither has the root namespace istio-system: 1 workload without any ALLOW policy accepts every request from any mesh client (Deployment shop/api).');
    assert.deepEqual(f[0].evidence.map((e) => e.description), ['Deployment shop/api has no ALLOW policy']);
});
test('low when every workload has ALLOW policies, or when there are none in the input', async () => {
    const allowApi = authz('shop', 'api', { selector: { matchLabels: { app: 'api' } }, rules: [{ to: [{ operation: { methods: ['GET'] } }] }] });
    const covered = await findingsFor(rule, docs(...SHOP, allowWeb, allowApi));
    assert.equal(covered[0].severity, 'low');
    assert.match(covered[0].message, /its workloads have ALLOW policies today, but any new workload, or one whose policy is mistyped, starts open/);
    const empty = await findingsFor(rule, docs(namespace('analytics', 'ambient')));
    assert.equal(empty[0].severity, 'low');
    assert.match(empty[0].message, /Namespace analytics \(ambient mode\).*any workload deployed there starts open/);
});
test('a default-deny in the root namespace, the namespace, or on every workload satisfies it', async () => {
    assert.deepEqual(await findingsFor(rule, docs(...SHOP, authz('istio-system', 'allow-nothing', {}))), []);
    assert.deepEqual(await findingsFor(rule, docs(...SHOP, authz('shop', 'deny-by-default', { action: 'ALLOW' }))), []);
    const perWorkload = docs(...SHOP, authz('shop', 'a', { selector: { matchLabels: { app: 'web' } } }), authz('shop', 'b', { selector: { matchLabels: { app: 'api' } } }));
    assert.deepEqual(await findingsFor(rule, perWorkload), []);
});
test('policies that are not allow-nothing do not count: allow-all, rejected ones, dry-run, other namespaces', async () => {
    const dryRun = authz('shop', 'x', {}, { annotations: { 'istio.io/dry-run': 'true' } });
    for (const p of [authz('shop', 'x', { rules: [{}] }), authz('shop', 'x', { action: 'DENY' }), dryRun, authz('payments', 'x', {}), authz('istio-system', 'x', { selector: { matchLabels: { app: 'other' } } })]) {
        assert.equal((await findingsFor(rule, docs(...SHOP, p))).length, 1);
    }
});
test('negatives: namespaces outside the mesh, system namespaces, namespaces without a Namespace object', async () => {
    assert.deepEqual(await findingsFor(rule, docs(namespace('legacy', 'none'), deployment('legacy', 'old'))), []);
    assert.deepEqual(await findingsFor(rule, docs(namespace('istio-system', 'sidecar'), namespace('kube-system', 'sidecar'))), []);
    assert.deepEqual(await findingsFor(rule, docs(deployment('shop', 'web'))), [], 'plain Kubernetes input (no mesh at all) stays quiet');
});
test('nobody uses default-deny: one finding on the root namespace listing the namespaces', async () => {
    const mesh = docs(namespace('istio-system', 'none'), ...SHOP, allowWeb, namespace('payments'), deployment('payments', 'ledger'), namespace('analytics', 'ambient'));
    const f = await findingsFor(rule, mesh);
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.deepEqual([f[0].resource.kind, f[0].resource.name], ['Namespace', 'istio-system']);
    assert.equal(f[0].message, 'No default-deny AuthorizationPolicy (ALLOW with no rules) in the root namespace istio-system or in any of the 3 mesh namespaces (shop, payments, analytics): 2 workloads without any ALLOW policy accept every request from any mesh client (Deployment shop/api, Deployment payments/ledger).');
    assert.deepEqual(f[0].evidence.map((e) => e.description), ['shop (sidecar): 1 workload without any ALLOW policy', 'payments (sidecar): 1 workload without any ALLOW policy', 'analytics (ambient): no workloads in the input']);
    // Once one namespace has its own default-deny, the others are reported one by one.
    const per = await findingsFor(rule, `${mesh}---\n${authz('analytics', 'deny', {})}\n`);
    assert.deepEqual(per.map((x) => x.resource.name).sort(), ['payments', 'shop']);
});
test('a namespace without a Namespace object but with workloads is assumed in the mesh (as posture does): low, on its first workload', async () => {
    const strict = '{"apiVersion":"security.istio.io/v1","kind":"PeerAuthentication","metadata":{"name":"default","namespace":"istio-system"},"spec":{"mtls":{"mode":"STRICT"}}}';
    const f = await findingsFor(rule, docs(strict, deployment('orders', 'api')));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'low');
    assert.equal(f[0].resource.kind, 'Deployment');
    assert.equal(f[0].location?.path, 'spec.template.metadata');
    assert.match(f[0].message, /^Namespace orders \(no Namespace object in the input; assumed in the mesh\) has no default-deny AuthorizationPolicy/);
    // A namespace holding only configuration stays quiet, and a default-deny covers it as any other.
    assert.deepEqual(await findingsFor(rule, docs(strict, authz('orders', 'x', { rules: [{}] }))), []);
    assert.deepEqual(await findingsFor(rule, docs(strict, deployment('orders', 'api'), authz('orders', 'deny-all', {}))), []);
});
