import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT029-peerauthentication-rejected.js';
import { findingsFor } from '../../testing/kit.js';
import { deployment, docs, namespace, peerAuth } from './fixtures.js';
test('namespace-wide STRICT with a port exception is refused ("portLevelMtls requires selector"): medium, on portLevelMtls', async () => {
    const f = await findingsFor(rule, docs(namespace('shop'), peerAuth('shop', 'default', { mtls: { mode: 'STRICT' }, portLevelMtls: { '8080': { mode: 'PERMISSIVE' } } }), deployment('shop', 'web', { ports: [8080] })));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].location?.path, 'spec.portLevelMtls');
    assert.match(f[0].message, /^PeerAuthentication shop\/default is refused by Istio's validation: portLevelMtls needs a selector with matchLabels/);
    assert.match(f[0].message, /the STRICT it asks for does not apply/);
});
test('a selector without labels counts as none; an empty portLevelMtls; a bad mode; several problems are counted', async () => {
    const f = await findingsFor(rule, docs(namespace('shop'), peerAuth('shop', 'empty-selector', { selector: { matchLabels: {} }, portLevelMtls: { '9090': { mode: 'DISABLE' } } }), peerAuth('shop', 'empty-ports', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'STRICT' }, portLevelMtls: {} }), peerAuth('shop', 'bad-mode', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'STRICTEST' }, portLevelMtls: { '0': { mode: 'STRICT' } } })));
    const by = Object.fromEntries(f.map((x) => [x.resource.name, x]));
    assert.equal(by['empty-selector'].severity, 'low');
    assert.match(by['empty-selector'].message, /none of its modes applies/);
    assert.equal(by['empty-ports'].location?.path, 'spec.portLevelMtls');
    assert.match(by['empty-ports'].message, /must have at least one element/);
    assert.equal(by['bad-mode'].location?.path, 'spec.mtls.mode');
    assert.match(by['bad-mode'].message, /"STRICTEST" is not STRICT.*\(and 1 more problem\)/);
    assert.equal(by['bad-mode'].severity, 'low');
});
test('negatives: valid policies of every scope, port exceptions on a workload policy, hostile names', async () => {
    assert.deepEqual(await findingsFor(rule, docs(namespace('shop'), peerAuth('istio-system', 'default', { mtls: { mode: 'STRICT' } }), peerAuth('shop', 'default', { mtls: { mode: 'PERMISSIVE' } }), peerAuth('shop', 'web', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'UNSET' }, portLevelMtls: { '8080': { mode: 'DISABLE' } } }), peerAuth('shop', '__proto__', { selector: { matchLabels: { constructor: 'x' } }, portLevelMtls: { '9090': { mode: 'STRICT' } } }), peerAuth('shop', 'no-spec', {}))), []);
});
