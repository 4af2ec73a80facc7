/**
 * The relay end to end: agent (informer cache over the stand-in API server) → mTLS → ingest → SQLite.
 * Each test starts its own rig on 127.0.0.1 with OS ports and stops it; waits are on acks and cache
 * changes, never on sleeps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { startRelayRig } from '../testing/relay-rig.js';
import { AgentFatalError } from './agent.js';
const ns = (name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'istio-injection': 'enabled' } } });
const svc = (namespace, name, extra = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { namespace, name, ...extra }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80 }] } });
const base = (n = 20) => [ns('shop'), ns('istio-system'), ...Array.from({ length: n }, (_, i) => svc('shop', `svc-${i}`))];
function svcResource(rig) {
    return rig.standIn.cluster(rig.cluster).objects.resourceForKind('', 'Service');
}
test('snapshot, then deltas (create, update, delete) reach the store; canaries never cross the wire nor reach the store', async (t) => {
    const canary = (what) => `CANARY${what}${randomBytes(9).toString('hex')}`;
    const c = { caKey: canary('cakey'), argo: canary('argo'), env: canary('env'), cm: canary('cm'), mesh: canary('mesh'), annotation: canary('lastapplied') };
    const objects = [
        ...base(5),
        { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'istio-system', name: 'cacerts' }, type: 'Opaque', data: { 'ca-key.pem': Buffer.from(c.caKey).toString('base64') } },
        { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'argocd', name: 'prod', labels: { 'argocd.argoproj.io/secret-type': 'cluster' } }, stringData: { server: 'https://prod', config: JSON.stringify({ bearerToken: c.argo }) } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'shop', name: 'app-config' }, data: { password: c.cm } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'istio-system', name: 'istio' }, data: { mesh: 'trustDomain: cluster.local\n', other: c.mesh } },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'shop', name: 'web', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': c.annotation } }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1', env: [{ name: 'DB_PASSWORD', value: c.env }, { name: 'PILOT_SCOPE_GATEWAY_TO_NAMESPACE', value: 'true' }] }] } } } },
        ns('argocd'),
    ];
    const rig = await startRelayRig({ objects });
    t.after(() => rig.stop());
    await rig.converged();
    const cacerts = await rig.store.object(rig.cluster, { kind: 'Secret', namespace: 'istio-system', name: 'cacerts' });
    assert.ok(cacerts, `cacerts stored; cache has ${[...rig.cache.ofKind('Secret')].map((r) => r.name)}`);
    assert.ok(cacerts.object.secretFacts, 'the Secret arrives as facts');
    assert.equal(rig.agent.stats.resyncs, 1);
    const objs = rig.standIn.cluster(rig.cluster).objects;
    const r = svcResource(rig);
    objs.create(svc('shop', 'new-one'), null);
    objs.update(r, 'shop', 'svc-1', svc('shop', 'svc-1', { labels: { changed: 'yes' } }));
    objs.delete(r, 'shop', 'svc-2');
    await rig.cacheSees((c) => !c.get('Service', 'shop', 'svc-2') && !!c.get('Service', 'shop', 'new-one') && c.get('Service', 'shop', 'svc-1')?.labels.changed === 'yes');
    await rig.converged();
    assert.ok(await rig.store.object(rig.cluster, { kind: 'Service', namespace: 'shop', name: 'new-one' }));
    assert.equal(await rig.store.object(rig.cluster, { kind: 'Service', namespace: 'shop', name: 'svc-2' }), null);
    const upd = await rig.store.object(rig.cluster, { kind: 'Service', namespace: 'shop', name: 'svc-1' });
    assert.deepEqual(upd.object.obj.metadata.labels, { changed: 'yes' });
    assert.equal(rig.agent.stats.resyncs, 1, 'deltas, not a resync');
    const cursor = await rig.store.cursor(rig.cluster);
    assert.ok(cursor.seq >= 2 && cursor.snapshotComplete);
    // Canaries: on the wire (every request body, decompressed) and in the store (every stored object).
    const wire = rig.bodies.map((b) => gunzipSync(b).toString('utf8')).join('\n');
    const stored = [];
    for await (const s of rig.store.objects(rig.cluster))
        stored.push(JSON.stringify(s));
    const all = stored.join('\n');
    assert.ok(wire.includes('PILOT_SCOPE_GATEWAY_TO_NAMESPACE') && all.includes('"value":"true"'), 'allowlisted env values do travel');
    for (const [what, v] of Object.entries(c)) {
        assert.ok(!wire.includes(v), `${what} canary on the wire`);
        assert.ok(!all.includes(v), `${what} canary in the store`);
    }
});
test('a network cut mid-snapshot: the agent resumes after the last acknowledged part, no resync', async (t) => {
    const rig = await startRelayRig({ objects: base(60), agent: { maxBatchChanges: 5 } });
    t.after(() => rig.stop());
    let cuts = 0;
    const off = rig.agent.onAck((s) => {
        // Mid-snapshot: parts 1 to 3 of more than 10 acknowledged; the keep-alive connection is cut under the agent.
        if (s.acked === 3 && cuts === 0 && !s.snapshotComplete)
            cuts = rig.proxy.cut();
    });
    await rig.converged();
    off();
    assert.ok(cuts > 0, 'a connection was open and was cut');
    assert.equal(rig.agent.stats.resyncs, 1, 'resumed within the epoch');
    const cursor = await rig.store.cursor(rig.cluster);
    assert.ok(cursor.seq > 10, `the snapshot came in parts (seq ${cursor.seq})`);
});
test('the server down, changes meanwhile, the server back: the agent backs off, then catches up', async (t) => {
    const rig = await startRelayRig({ objects: base(10) });
    t.after(() => rig.stop());
    await rig.converged();
    rig.proxy.down(true);
    const objs = rig.standIn.cluster(rig.cluster).objects;
    for (let i = 0; i < 15; i++)
        objs.create(svc('shop', `while-down-${i}`), null);
    objs.delete(svcResource(rig), 'shop', 'svc-0');
    await rig.cacheSees((c) => !c.get('Service', 'shop', 'svc-0') && !!c.get('Service', 'shop', 'while-down-14'));
    // Wait until the agent has tried and failed twice (it backs off between tries).
    const reasons = [];
    await new Promise((resolve) => {
        const off = rig.agent.onRetry((why) => {
            reasons.push(why);
            if (reasons.length >= 2) {
                off();
                resolve();
            }
        });
    });
    assert.equal((await rig.consistent()).ok, false, 'the store is behind while the server is down');
    rig.proxy.down(false);
    await rig.converged();
    assert.equal(rig.agent.stats.resyncs, 1);
});
test('the queue past its bound: dropped, then a resync (new epoch) that leaves the store consistent', async (t) => {
    const rig = await startRelayRig({ objects: base(5), agent: { queueBounds: { maxObjects: 5, maxBytes: 1024 * 1024 } } });
    t.after(() => rig.stop());
    await rig.converged();
    const firstEpoch = rig.agent.stats.epoch;
    rig.proxy.down(true);
    const objs = rig.standIn.cluster(rig.cluster).objects;
    const overflowed = new Promise((resolve) => {
        const unsub = rig.cache.subscribe(() => {
            if (rig.cache.ofKind('Service') && [...rig.cache.ofKind('Service')].length >= 5 + 12) {
                unsub();
                resolve();
            }
        });
    });
    for (let i = 0; i < 12; i++)
        objs.create(svc('shop', `burst-${i}`), null);
    await overflowed;
    rig.proxy.down(false);
    await rig.converged();
    assert.ok(rig.agent.stats.resyncs >= 2, `resynced (${rig.agent.stats.resyncs})`);
    assert.notEqual(rig.agent.stats.epoch, firstEpoch);
    assert.equal((await rig.store.cursor(rig.cluster)).epoch, rig.agent.stats.epoch);
});
test('410 Gone in the cluster: the informer relists, and the store ends consistent with the API', async (t) => {
    const rig = await startRelayRig({ objects: base(10) });
    t.after(() => rig.stop());
    await rig.converged();
    const h = rig.standIn.cluster(rig.cluster);
    // The watch goes down and stays down while the cluster changes and compacts: only a relist can see the changes.
    await h.waitForRequest((r) => r.resource === 'services' && r.verb === 'watch');
    h.setFaults([{ kind: 'services', verb: 'watch', status: 500 }]);
    assert.ok(h.dropWatches() >= 1);
    await h.waitForRequest((r) => r.resource === 'services' && r.verb === 'watch' && r.status === 500);
    h.objects.create(svc('shop', 'after-compact'), null);
    h.objects.delete(svcResource(rig), 'shop', 'svc-3');
    h.objects.compact();
    h.setFaults([]);
    const relisted = new Promise((resolve) => {
        const check = () => {
            if (rig.cache.status().kinds.find((k) => k.kind === 'Service').relists >= 1 && rig.cache.get('Service', 'shop', 'after-compact')) {
                unsub();
                resolve();
            }
        };
        const unsub = rig.cache.subscribe(check);
        check();
    });
    await relisted;
    await rig.converged();
    assert.ok(await rig.store.object(rig.cluster, { kind: 'Service', namespace: 'shop', name: 'after-compact' }));
    assert.equal(await rig.store.object(rig.cluster, { kind: 'Service', namespace: 'shop', name: 'svc-3' }), null);
});
test('an agent clock far off is harmless: stored in order, the skew recorded', async (t) => {
    const skewMs = 3 * 24 * 3600_000;
    const rig = await startRelayRig({ objects: base(5), agent: { now: () => new Date(Date.now() + skewMs) } });
    t.after(() => rig.stop());
    await rig.converged();
    rig.standIn.cluster(rig.cluster).objects.create(svc('shop', 'later'), null);
    await rig.cacheSees((c) => !!c.get('Service', 'shop', 'later'));
    await rig.converged();
    assert.ok(await rig.store.object(rig.cluster, { kind: 'Service', namespace: 'shop', name: 'later' }));
    const rec = await rig.store.getCluster(rig.cluster);
    assert.ok(rec && rec.clockSkewMs !== null && Math.abs(rec.clockSkewMs - skewMs) < 60_000, `skew ${rec?.clockSkewMs}`);
});
test('a revoked cluster: the agent stops with a clear error', async (t) => {
    const rig = await startRelayRig({ objects: base(3) });
    t.after(() => rig.stop());
    await rig.converged();
    await rig.identity.revokeCluster(rig.cluster);
    rig.standIn.cluster(rig.cluster).objects.create(svc('shop', 'after-revoke'), null);
    await assert.rejects(rig.running, (err) => err instanceof AgentFatalError && /revoked/.test(err.message) && /register-cluster/.test(err.message));
    assert.equal(await rig.store.object(rig.cluster, { kind: 'Service', namespace: 'shop', name: 'after-revoke' }), null);
});
