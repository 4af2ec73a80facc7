import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT023-duplicate-namespace-peerauthentication.js';
import { findingsFor } from '../../testing/kit.js';
import { docs, namespace, peerAuth } from './fixtures.js';
const at = (t) => ({ creationTimestamp: t });
test('a newer, stricter namespace-wide policy is ignored: high, on its name, the applied one as evidence', async () => {
    const f = await findingsFor(rule, docs(namespace('shop'), peerAuth('shop', 'strict', { mtls: { mode: 'STRICT' } }, at('2025-03-01T00:00:00Z')), peerAuth('shop', 'default', { mtls: { mode: 'PERMISSIVE' } }, at('2024-01-01T00:00:00Z'))));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].resource.name, 'strict');
    assert.equal(f[0].location?.path, 'metadata.name');
    assert.equal(f[0].message, 'PeerAuthentication shop/strict is a second namespace-wide (shop) policy: Istio applies only the oldest, shop/default (PERMISSIVE), and ignores this one (STRICT) because it is newer.');
    assert.equal(f[0].evidence[0].resource?.name, 'default');
});
test('mesh-wide duplicates; without creation times: medium, the order is said to decide', async () => {
    const f = await findingsFor(rule, docs(peerAuth('istio-system', 'default', { mtls: { mode: 'STRICT' } }), peerAuth('istio-system', 'mesh-2', { mtls: { mode: 'STRICT' } })));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.match(f[0].message, /^PeerAuthentication istio-system\/mesh-2 is a second mesh-wide policy: .* because the input has no creationTimestamp, so the winner is whichever was applied first/);
    // A weaker ignored one, with times: low.
    const g = await findingsFor(rule, docs(peerAuth('shop', 'a', { mtls: { mode: 'STRICT' } }, at('2024-01-01T00:00:00Z')), peerAuth('shop', 'b', { mtls: { mode: 'PERMISSIVE' } }, at('2024-02-01T00:00:00Z'))));
    assert.equal(g[0].severity, 'low');
});
test('negatives: one policy per namespace, selector policies, policies in different namespaces, rejected policies', async () => {
    assert.deepEqual(await findingsFor(rule, docs(peerAuth('shop', 'default', { mtls: { mode: 'STRICT' } }), peerAuth('shop', 'web', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'PERMISSIVE' } }))), []);
    assert.deepEqual(await findingsFor(rule, docs(peerAuth('shop', 'default', { mtls: { mode: 'STRICT' } }), peerAuth('pay', 'default', { mtls: { mode: 'STRICT' } }))), []);
    assert.deepEqual(await findingsFor(rule, docs(peerAuth('shop', 'default', { mtls: { mode: 'STRICT' } }), peerAuth('shop', 'bad', { mtls: { mode: 'BOGUS' } }))), []);
});
