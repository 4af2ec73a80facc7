import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT009-deny-paths-weak-normalization.js';
import { findingsFor } from '../../testing/kit.js';
import { authz, docs, meshConfig } from './fixtures.js';
const deny = authz('shop', 'block-admin', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'], paths: ['/admin*', '/debug'] } }] }] });
test("DENY on paths with Istio's default normalization (BASE): high, on the paths, mesh config as evidence", async () => {
    const f = await findingsFor(rule, docs(meshConfig('rootNamespace: istio-system\n'), deny));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.rules[0].to[0].operation.paths');
    assert.equal(f[0].message, "DENY policy shop/block-admin matches paths [/admin*, /debug] (rules[0]) while path normalization is not set, so Istio's default BASE applies: a request for //admin is not denied, and many applications still route it to /admin.");
    assert.equal(f[0].evidence[0].role, 'mesh-config');
    assert.equal(f[0].evidence[0].resource?.kind, 'ConfigMap');
});
test('explicit NONE or BASE, and CUSTOM policies (the authorizer is skipped)', async () => {
    const none = await findingsFor(rule, docs(meshConfig('pathNormalization:\n  normalization: NONE\n'), deny));
    assert.match(none[0].message, /path normalization is NONE: a request for \/\/admin/);
    const custom = authz('shop', 'ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{ to: [{ operation: { paths: ['/api/*'] } }] }] });
    const f = await findingsFor(rule, docs(meshConfig('pathNormalization: {normalization: BASE}\n'), custom));
    assert.match(f[0].message, /^CUSTOM policy shop\/ext .* a request for \/\/api\/ skips the external authorizer/);
});
test('no mesh config in the input: BASE is assumed and said so', async () => {
    const f = await findingsFor(rule, docs(deny));
    assert.match(f[0].message, /\(no mesh config in the input\)/);
});
test('negatives: MERGE_SLASHES or stronger, ALLOW with paths, DENY without paths', async () => {
    assert.deepEqual(await findingsFor(rule, docs(meshConfig('pathNormalization: {normalization: MERGE_SLASHES}\n'), deny)), []);
    assert.deepEqual(await findingsFor(rule, docs(meshConfig('pathNormalization: {normalization: DECODE_AND_MERGE_SLASHES}\n'), deny)), []);
    assert.deepEqual(await findingsFor(rule, docs(authz('shop', 'a', { rules: [{ to: [{ operation: { paths: ['/x'] } }] }] }))), []);
    assert.deepEqual(await findingsFor(rule, docs(authz('shop', 'd', { action: 'DENY', rules: [{ to: [{ operation: { notPaths: ['/x'] } }] }] }))), []);
});
test('regression: DENY/CUSTOM on paths that match everything (*, /*) cannot be bypassed by normalization', async () => {
    for (const paths of [['/*'], ['*'], ['/admin', '/*']]) {
        const deny = authz('shop', 'deny-all-paths', { action: 'DENY', rules: [{ from: [{ source: { notNamespaces: ['shop'] } }], to: [{ operation: { paths } }] }] });
        assert.deepEqual(await findingsFor(rule, docs(deny)), [], `paths ${JSON.stringify(paths)}`);
        const custom = authz('shop', 'ext-all', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{ to: [{ operation: { paths } }] }] });
        assert.deepEqual(await findingsFor(rule, docs(custom)), [], `CUSTOM paths ${JSON.stringify(paths)}`);
    }
    // A prefix narrower than `/` still can be escaped.
    const narrow = authz('shop', 'deny-api', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/api/*'] } }] }] });
    assert.equal((await findingsFor(rule, docs(narrow))).length, 1);
});
