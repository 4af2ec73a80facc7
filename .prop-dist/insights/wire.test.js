import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { edge, facts } from '../testing/insights.js';
import { RELAY_LIMITS } from '../relay/protocol.js';
import { edgesFromWire, factsFromStored, reportFromFacts, TelemetryRefusal, validateTelemetryReport } from './wire.js';
const at = new Date('2026-12-04T01:00:00Z');
const report = (f = facts([{ from: 'shop/api', to: 'shop/web', requests: 50 }])) => reportFromFacts(f, { cluster: 'east', agentVersion: 'test/1', sentAt: at });
const refusal = (v, status, pattern) => assert.throws(() => validateTelemetryReport(v), (e) => e instanceof TelemetryRefusal && e.status === status && pattern.test(e.message));
test('a report round-trips to the same edges the rules read', () => {
    const f = facts([
        { from: 'shop/api', to: 'shop/web', requests: 50, codes: { '200': 45, '403': 5 } },
        { from: 'unknown', to: 'shop/web', security: 'none', requests: 7, port: 8080 },
        { from: 'shop/db-client', to: 'shop/db', connections: 3 },
    ]);
    const r = validateTelemetryReport(JSON.parse(JSON.stringify(report(f))));
    assert.equal(r.edges.length, 3);
    const back = edgesFromWire(r.edges);
    const key = (e) => `${e.source.workload}>${e.destination.workload}`;
    assert.deepEqual(back.map((e) => [key(e), e.requests, [...e.responses], e.connectionsOpened, e.security, e.destinationPort]).sort(), f.edges.map((e) => [key(e), e.requests, [...e.responses], e.connectionsOpened, e.security, e.destinationPort]).sort());
    const stored = factsFromStored({ via: 'agent', cluster: 'east', sourceName: r.sourceName, windowSeconds: r.windowSeconds, end: r.end, edges: r.edges, notes: r.notes });
    assert.equal(stored.into('shop', 'web').length, 2);
    assert.equal(stored.source.kind, 'relay');
    assert.match(stored.source.name, /via the agent of cluster east/);
});
test('the agent keeps the busiest edges up to the bound and says how many it left out', () => {
    const edges = Array.from({ length: 30 }, (_, i) => edge({ from: `shop/c${i}`, to: 'shop/web', requests: i + 1 }));
    const r = reportFromFacts(facts(edges), { cluster: 'east', agentVersion: 't', sentAt: at, maxEdges: 10 });
    assert.equal(r.edges.length, 10);
    assert.deepEqual(r.edges.map((e) => e.requests), [30, 29, 28, 27, 26, 25, 24, 23, 22, 21]);
    assert.ok(r.notes.some((n) => /20 of the quietest edge\(s\) left out by the agent to stay within 10 edges/.test(n)));
});
test('labels: control characters made visible, over-long ones left out, __proto__ is data, canaries escaped not lost', () => {
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    const f = facts([
        edge({ from: `shop/\u001b[31m${canary}\u0007`, to: 'shop/web', requests: 9, codes: JSON.parse('{"__proto__":4,"200":5}') }),
        edge({ from: `shop/${'x'.repeat(RELAY_LIMITS.maxTelemetryLabel + 1)}`, to: 'shop/web', requests: 1 }),
        edge({ from: '__proto__/constructor', to: 'shop/web', requests: 2 }),
    ]);
    const r = report(f);
    assert.equal(r.edges.length, 2);
    const json = JSON.stringify(r);
    assert.ok(!/[\u0000-\u001f]/.test(r.edges[0].source.workload));
    assert.equal(r.edges[0].source.workload, `\\u001b[31m${canary}\\u0007`);
    assert.ok(json.includes(canary));
    assert.ok(r.notes.some((n) => /1 edge\(s\) with a label over 1024 characters/.test(n)));
    const back = edgesFromWire(validateTelemetryReport(JSON.parse(json)).edges);
    assert.equal(back[1].source.namespace, '__proto__');
    assert.equal(Object.getPrototypeOf(back[0].responses), Map.prototype);
    assert.equal(back[0].responses.get('__proto__'), 4);
    assert.equal({}.polluted, undefined);
});
test('the server refuses any shape it does not expect, and too many edges with 413', () => {
    const good = JSON.parse(JSON.stringify(report()));
    refusal(null, 400, /a JSON object/);
    refusal({ ...good, v: 2 }, 400, /protocol version 1/);
    refusal({ ...good, cluster: 'Not_A_Name' }, 400, /cluster name/);
    refusal({ ...good, windowSeconds: -1 }, 400, /windowSeconds/);
    refusal({ ...good, sentAt: 'yesterday' }, 400, /sentAt/);
    refusal({ ...good, edges: {} }, 400, /edges/);
    refusal({ ...good, edges: Array.from({ length: RELAY_LIMITS.maxTelemetryEdges + 1 }, () => good.edges[0]) }, 413, /at most 20000 edges/);
    refusal({ ...good, edges: [{ ...good.edges[0], requests: Infinity }] }, 400, /edges\[0\]\.requests/);
    refusal({ ...good, edges: [{ ...good.edges[0], requests: '5' }] }, 400, /edges\[0\]\.requests/);
    refusal({ ...good, edges: [{ ...good.edges[0], security: 'maybe' }] }, 400, /security/);
    refusal({ ...good, edges: [{ ...good.edges[0], source: { workload: 'x'.repeat(2000), namespace: 'a', principal: 'b' } }] }, 400, /source\.workload/);
    refusal({ ...good, edges: [{ ...good.edges[0], responses: { '200': 1 } }] }, 400, /responses/);
    refusal({ ...good, edges: [{ ...good.edges[0], destinationPort: 70000 }] }, 400, /destinationPort/);
    refusal({ ...good, notes: ['n'.repeat(RELAY_LIMITS.maxTelemetryNoteLength + 1)] }, 400, /notes\[0\]/);
    // A hostile agent's raw control characters are escaped, unknown fields dropped.
    const raw = { ...good, extra: 'dropped', edges: [{ ...good.edges[0], destinationService: 'a\u001bb', smuggled: true }] };
    const v = validateTelemetryReport(raw);
    assert.equal(v.edges[0].destinationService, 'a\\u001bb');
    assert.ok(!('extra' in v) && !('smuggled' in v.edges[0]));
});
