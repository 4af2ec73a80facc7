/**
 * The agent's telemetry end to end: the relay rig (agent over the stand-in API server → mTLS →
 * ingest + /v1/telemetry → SQLite) and a real Prometheus (src/testing/prometheus.ts). The object
 * stream and the traffic aggregates share one client; canaries from the cluster's objects never
 * reach the wire, canary label values arrive escaped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { startRelayRig } from '../testing/relay-rig.js';
import { bookinfoTraffic, edgeLabels, openMetricsFor, startPrometheus } from '../testing/prometheus.js';
import { TelemetryPusher } from './telemetry.js';
const END = Math.floor(Date.now() / 60_000) * 60 - 600;
test('objects and traffic aggregates from one agent reach the store; secrets never on the wire, labels escaped', async (t) => {
    const secret = `SECRET${randomBytes(9).toString('hex')}`;
    const label = `LABEL${randomBytes(9).toString('hex')}`;
    const prom = await startPrometheus(openMetricsFor([
        ...bookinfoTraffic(),
        { metric: 'istio_requests_total', labels: edgeLabels({ from: { workload: `\u001b[2J${label}`, namespace: 'bookinfo' }, to: { workload: 'ratings-v1', namespace: 'bookinfo' }, service: 'ratings.bookinfo.svc.cluster.local', code: '200', mtls: false }), total: 30 },
    ], { endSeconds: END, windowSeconds: 3600 }));
    t.after(() => prom.stop());
    const rig = await startRelayRig({
        telemetry: true,
        objects: [
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bookinfo', labels: { 'istio-injection': 'enabled' } } },
            { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'bookinfo', name: 'db' }, type: 'Opaque', data: { password: Buffer.from(secret).toString('base64') } },
        ],
    });
    t.after(() => rig.stop());
    await rig.converged();
    const warnings = [];
    const log = { info() { }, warn: (_o, m) => void warnings.push(m), error: (_o, m) => void warnings.push(m) };
    const pusher = new TelemetryPusher({ cluster: rig.cluster, agentVersion: 'test', client: rig.client, log, url: prom.url, windowSeconds: 3600, intervalMs: 60_000, now: () => new Date(END * 1000) });
    await pusher.once();
    assert.equal(pusher.stats.sent, 1, `${pusher.stats.lastError}; ${warnings.join('; ')}`);
    const rec = await rig.store.getTelemetry(rig.cluster);
    assert.ok(rec && rec.via === 'agent' && rec.edges.length >= 10);
    assert.ok(rec.edges.some((e) => e.source.workload === `\\u001b[2J${label}`));
    // The objects still flow after the telemetry: a change reaches the store.
    const objs = rig.standIn.cluster(rig.cluster).objects;
    objs.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'after-telemetry' } }, null);
    await rig.cacheSees((c) => !!c.get('Namespace', '', 'after-telemetry'));
    await rig.converged();
    const wire = rig.bodies.map((b) => gunzipSync(b).toString('utf8')).join('\n');
    assert.ok(wire.includes('"windowSeconds":3600'), 'the telemetry report went over the wire');
    assert.ok(!wire.includes(secret), 'the Secret value never on the wire');
    assert.ok(wire.includes(label) && !wire.includes('\u001b'), 'the label crossed escaped');
});
