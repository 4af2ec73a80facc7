import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT010-hosts-without-port-twin.js';
import { findingsFor } from '../../testing/kit.js';
import { authz, docs } from './fixtures.js';
const op = (action, field, values) => docs(authz('istio-system', 'p', { action, ...(action === 'CUSTOM' ? { provider: { name: 'x' } } : {}), rules: [{ to: [{ operation: { [field]: values } }] }] }));
test('DENY on a host without its :* twin fails open: high', async () => {
    const f = await findingsFor(rule, op('DENY', 'hosts', ['internal.example.com']));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'high');
    assert.equal(f[0].location?.path, 'spec.rules[0].to[0].operation.hosts');
    assert.equal(f[0].message, 'DENY policy istio-system/p matches hosts [internal.example.com] without internal.example.com:* (rules[0]): host matching is exact, so a request whose Host header carries (or drops) the port is not denied.');
});
test('the :* form alone misses the bare host; ALLOW with notHosts and CUSTOM with hosts fail open too', async () => {
    const bare = await findingsFor(rule, op('DENY', 'hosts', ['internal.example.com:*']));
    assert.match(bare[0].message, /without internal.example.com \(rules/);
    const notHosts = await findingsFor(rule, op('ALLOW', 'notHosts', ['admin.example.com']));
    assert.equal(notHosts[0].severity, 'high');
    assert.match(notHosts[0].message, /escapes the exception and is allowed/);
    const custom = await findingsFor(rule, op('CUSTOM', 'hosts', ['a.example.com']));
    assert.match(custom[0].message, /skips the external authorizer/);
});
test('ALLOW with hosts and DENY with notHosts only cause 403s: low; AUDIT info', async () => {
    assert.equal((await findingsFor(rule, op('ALLOW', 'hosts', ['shop.example.com'])))[0].severity, 'low');
    assert.equal((await findingsFor(rule, op('DENY', 'notHosts', ['shop.example.com'])))[0].severity, 'low');
    assert.equal((await findingsFor(rule, op('AUDIT', 'hosts', ['shop.example.com'])))[0].severity, 'info');
});
test('negatives: both forms (any case), explicit ports, wildcards, IPv6 literals', async () => {
    assert.deepEqual(await findingsFor(rule, op('DENY', 'hosts', ['Internal.example.com', 'internal.EXAMPLE.com:*'])), []);
    assert.deepEqual(await findingsFor(rule, op('DENY', 'hosts', ['internal.example.com:8443'])), []);
    assert.deepEqual(await findingsFor(rule, op('DENY', 'hosts', ['*'])), []);
    assert.deepEqual(await findingsFor(rule, op('DENY', 'hosts', ['[::1]:80'])), []);
});
