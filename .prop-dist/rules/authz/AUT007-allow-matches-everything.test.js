import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT007-allow-matches-everything.js';
import { findingsFor } from '../../testing/kit.js';
import { DENY_ALL, authz, deployment, docs, namespace } from './fixtures.js';
const SHOP = [namespace('shop'), deployment('shop', 'web'), deployment('shop', 'api')];
test('rules: [{}] punching through a default-deny: high, on the rule', async () => {
    const yaml = `${docs(...SHOP, DENY_ALL)}---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-all, namespace: shop}
spec:
  rules:
  - {}
`;
    const f = await findingsFor(rule, yaml);
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.rules[0]');
    assert.equal(f[0].location?.line, yaml.split('\n').length - 1);
    assert.equal(f[0].message, 'AuthorizationPolicy shop/allow-all has an ALLOW rule with no from, to or when (rules[0]): it allows every request, from any source, to every workload in namespace shop, cancelling the default-deny (istio-system/allow-nothing) of 2 workloads (Deployment shop/web, Deployment shop/api).');
});
test('without a default-deny it is medium; the scope is named', async () => {
    const sel = await findingsFor(rule, docs(...SHOP, authz('shop', 'web-all', { selector: { matchLabels: { app: 'web' } }, action: 'ALLOW', rules: [{ from: [{ source: { namespaces: ['a'] } }] }, { from: [] }] })));
    assert.equal(sel.length, 1);
    assert.equal(sel[0].severity, 'medium');
    assert.equal(sel[0].location?.path, 'spec.rules[1]');
    assert.match(sel[0].message, /to the workload it selects \(Deployment shop\/web\)\.$/);
    const mesh = await findingsFor(rule, docs(...SHOP, authz('istio-system', 'open', { rules: [{}] })));
    assert.match(mesh[0].message, /to every workload in the mesh\.$/);
});
test('negatives: rules with any match, allow-nothing, DENY/AUDIT with empty rules, malformed rules', async () => {
    const cases = [
        authz('shop', 'p', { rules: [{ to: [{ operation: { methods: ['GET'] } }] }] }),
        authz('shop', 'p', {}),
        authz('shop', 'p', { action: 'DENY', rules: [{}] }),
        authz('shop', 'p', { action: 'AUDIT', rules: [{}] }),
        authz('shop', 'p', { rules: [null, 'x', { from: 'x' }] }),
    ];
    for (const c of cases)
        assert.deepEqual(await findingsFor(rule, docs(...SHOP, c)), []);
});
