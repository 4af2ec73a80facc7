import { test } from 'node:test';
import assert from 'node:assert/strict';
import rule from './AUT025-policy-not-accepted.js';
import { findingsFor } from '../../testing/kit.js';
import { doc, docs } from './fixtures.js';
const ap = (action, conditions) => doc({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'deny-admin', namespace: 'analytics' }, spec: { action, rules: [{ to: [{ operation: { paths: ['/admin'] } }] }] }, status: { conditions } });
test('ZtunnelAccepted False on a DENY: medium, on the condition status, reason and message quoted', async () => {
    const f = await findingsFor(rule, docs(ap('DENY', [{ type: 'ZtunnelAccepted', status: 'False', reason: 'UnsupportedValue', message: 'ztunnel does not support HTTP attributes (found: paths).' }])));
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'medium');
    assert.equal(f[0].location?.path, 'status.conditions[0].status');
    assert.equal(f[0].message, 'DENY policy analytics/deny-admin has status ZtunnelAccepted False (reason "UnsupportedValue": "ztunnel does not support HTTP attributes (found: paths)."): ztunnel does not enforce it, so requests it was written to refuse can get through.');
});
test('WaypointAccepted PartiallyInvalid counts even when True; AUDIT is low', async () => {
    const f = await findingsFor(rule, docs(ap('AUDIT', [{ type: 'WaypointAccepted', status: 'True', reason: 'PartiallyInvalid', message: 'x' }])));
    assert.equal(f[0].severity, 'low');
    assert.equal(f[0].location?.path, 'status.conditions[0].reason');
    assert.match(f[0].message, /the waypoint enforces only part of it/);
});
test('negatives: accepted conditions, other condition types, hostile status', async () => {
    assert.deepEqual(await findingsFor(rule, docs(ap('DENY', [{ type: 'ZtunnelAccepted', status: 'True' }, { type: 'WaypointAccepted', status: 'True', reason: 'Accepted' }]))), []);
    assert.deepEqual(await findingsFor(rule, docs(ap('DENY', [{ type: 'Ready', status: 'False' }, { type: '__proto__', status: 'False' }, { type: 'constructor', status: 'False' }, 'x', null]))), []);
    assert.deepEqual(await findingsFor(rule, docs(ap('DENY', 'broken'))), []);
    // A control character in the message is escaped, not printed.
    const f = await findingsFor(rule, docs(ap('ALLOW', [{ type: 'ZtunnelAccepted', status: 'False', message: 'a\u001b[31mb' }])));
    assert.ok(!f[0].message.includes('\u001b'));
});
