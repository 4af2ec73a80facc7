/**
 * The replica coordinator in-process, two replicas on one real PostgreSQL with recording analysis
 * hooks: shares, notifications between replicas (with the changed keys), the polling fallback for a
 * lost notification, fences only for held leases, and hand-over at shutdown. Waits on conditions,
 * never on fixed sleeps.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { pino } from 'pino';
import { startPostgres, type TestPostgres } from '../../testing/postgres.js';
import { openPostgresStore } from '../../store/postgres.js';
import { FLEET_CLUSTER } from '../../store/types.js';
import { ReplicaCoordinator, type ReplicaAnalysisHooks } from './coordinator.js';
import type { StoredInfo } from './notify.js';
import { until } from '../../testing/until.js';

let server: TestPostgres;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

const log = pino({ level: 'silent' });

class Recorder implements ReplicaAnalysisHooks {
  stored: Array<{ cluster: string; info?: StoredInfo }> = [];
  parts: string[] = [];
  fleet = 0;
  snapshotPartStored(cluster: string): void {
    this.parts.push(cluster);
  }
  onStored(cluster: string, info?: StoredInfo): void {
    this.stored.push({ cluster, info });
  }
  scheduleFleet(): void {
    this.fleet++;
  }
}

/** How long and how often this file's waits check (its own pace, kept from before the shared helper). */
const WAIT = { timeoutMs: 20_000, everyMs: 20 };

test('two replicas: shares, notifications, the polling fallback, fences, hand-over', { timeout: 120_000 }, async () => {
  const url = await server.createDatabase('coord');
  const store = await openPostgresStore({ connectionString: url });
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  const clusters = ['c1', 'c2', 'c3', 'c4'];
  for (const c of clusters) await store.createCluster(c, new Date());
  const a = new ReplicaCoordinator({ connectionString: url, replicaId: 'replica-a', leaseMs: 1500, log });
  const b = new ReplicaCoordinator({ connectionString: url, replicaId: 'replica-b', leaseMs: 1500, log });
  const ra = new Recorder();
  const rb = new Recorder();
  a.attach(ra);
  b.attach(rb);
  try {
    await a.start();
    assert.deepEqual(a.heldClusters(), clusters, 'alone, a replica takes every cluster');
    assert.ok(a.holds(FLEET_CLUSTER));
    assert.deepEqual(ra.stored.map((s) => s.cluster).sort(), clusters, 'each taken cluster is scheduled for analysis');
    await b.start();
    // A hands back what is beyond its share; B takes it.
    await until('two clusters each', () => a.heldClusters().length === 2 && b.heldClusters().length === 2, WAIT);
    const [ofA, ofB] = [a.heldClusters(), b.heldClusters()];
    assert.deepEqual([...ofA, ...ofB].sort(), clusters, 'every cluster held by exactly one replica');
    assert.equal(a.fence(ofB[0]!), null, 'no fence for a lease held elsewhere');
    assert.equal(b.fence(ofB[0]!)?.holder, 'replica-b');
    assert.ok(a.holds(FLEET_CLUSTER) !== b.holds(FLEET_CLUSTER), 'one fleet pass holder');

    // A batch stored on B for a cluster A holds: A hears of it with the keys (an incremental analysis).
    const target = ofA[0]!;
    const keys = [{ kind: 'Service', namespace: 'shop', name: 'web' }];
    ra.stored = [];
    await sql.query('UPDATE clusters SET epoch = $2, seq = 1 WHERE name = $1', [target, 'e1']);
    b.onLocalStored(target, { epoch: 'e1', seq: 1, type: 'delta', last: false, changes: 1, keys });
    const heard = await until('A notified', () => ra.stored.find((s) => s.cluster === target), WAIT);
    assert.deepEqual(heard.info, { epoch: 'e1', seq: 1, type: 'delta', last: false, changes: 1, keys });
    assert.equal(rb.stored.filter((s) => s.cluster === target).length, 0, 'B does not analyse what it does not hold');

    // A batch whose notification was lost (stored, never announced): the holder's poll finds it.
    ra.stored = [];
    await sql.query('UPDATE clusters SET seq = 2 WHERE name = $1', [target]);
    const polled = await until('the lost batch found by polling', () => ra.stored.find((s) => s.cluster === target), WAIT);
    assert.equal(polled.info, undefined, 'analysed from the store (nothing says which keys changed)');
    assert.ok(a.stats.polled >= 1);

    // A snapshot part stored on B: both replicas hear of it, whoever holds the cluster (a snapshot flood
    // is fleet-wide: first analyses wait for it to end, src/server/analysis.ts SNAPSHOT_QUIET_MS).
    ra.parts = [];
    rb.parts = [];
    b.onLocalStored(target, { epoch: 'e2', seq: 1, type: 'snapshot', last: false, changes: 5000 });
    assert.deepEqual(rb.parts, [target], 'the storing replica notes the part though it does not hold the cluster');
    await until('A hears of the part', () => ra.parts.includes(target), WAIT);
    // A delta is no part of a flood.
    b.onLocalStored(target, { epoch: 'e2', seq: 2, type: 'delta', last: false, changes: 1, keys });
    await until('A notified of the delta', () => ra.stored.some((s) => s.info?.epoch === 'e2' && s.info.seq === 2), WAIT);
    assert.deepEqual([ra.parts, rb.parts], [[target], [target]]);

    // A hostile payload on the channel is ignored.
    await sql.query(`SELECT pg_notify('meshward_changes', $1)`, ['{"v":1,"r":"x","c":"__proto__","e":"e","s":1,"t":"delta"}']);
    await sql.query(`SELECT pg_notify('meshward_changes', $1)`, ['not json']);

    // A stops: its leases are handed back and B takes them without waiting for expiry.
    const closed = performance.now();
    await a.close();
    await until('B holds everything', () => b.heldClusters().length === 4 && b.holds(FLEET_CLUSTER), WAIT);
    assert.ok(performance.now() - closed < 1500, 'taken before the leases would have expired');
    assert.ok(rb.stored.some((s) => ofA.includes(s.cluster)), 'B analyses what it took');
  } finally {
    await a.close();
    await b.close();
    await sql.end();
    await store.close();
  }
});
