/**
 * Replica leases on a real PostgreSQL (src/testing/postgres.ts), two "replicas" each with their own
 * connections: take, renew, expiry, release, one winner among concurrent takers, and fencing (a
 * replica that lost a lease cannot write results; a take waits for a fenced write in flight).
 * Expiry is made by moving the row's expires_at into the past, never by sleeping.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../testing/postgres.js';
import { openPostgresStore, type PostgresStore } from './postgres.js';
import { checkFence, LeaseLostError, PostgresLeases } from './leases-postgres.js';
import { finding, T0 } from './store-suite-data.js';
import { FLEET_CLUSTER } from './types.js';
import { fencedStore } from '../server/replicas/fence.js';
import { decodeNotice, encodeNotice, MAX_PAYLOAD_BYTES } from '../server/replicas/notify.js';

let server: TestPostgres;

before(async () => {
  server = await startPostgres();
});

after(async () => {
  await server?.stop();
});

interface Rig {
  url: string;
  a: PostgresLeases;
  b: PostgresLeases;
  storeA: PostgresStore;
  storeB: PostgresStore;
  sql: pg.Client;
  expire(name: string): Promise<void>;
  done(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const url = await server.createDatabase('leases');
  const storeA = await openPostgresStore({ connectionString: url });
  const storeB = await openPostgresStore({ connectionString: url });
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  const a = new PostgresLeases(url);
  const b = new PostgresLeases(url);
  return {
    url,
    a,
    b,
    storeA,
    storeB,
    sql,
    async expire(name) {
      await sql.query(`UPDATE replica_leases SET expires_at = now() - interval '1 second' WHERE name = $1`, [name]);
    },
    async done() {
      await Promise.all([a.close(), b.close(), storeA.close(), storeB.close(), sql.end()]);
    },
  };
}

test('take: a free lease goes to its first taker at generation 1; a held one to nobody else', async () => {
  const r = await rig();
  try {
    const got = await r.a.take(['east', 'west'], 'replica-a', 15_000);
    assert.deepEqual(got.map((l) => [l.name, l.holder, l.generation]).sort(), [['east', 'replica-a', 1], ['west', 'replica-a', 1]]);
    assert.ok(got.every((l) => l.remainingMs > 14_000 && l.remainingMs <= 15_000));
    assert.deepEqual(await r.b.take(['east', 'west'], 'replica-b', 15_000), []);
    // Not even its own holder takes it again while it runs (that is renew's job; a take would move the generation).
    assert.deepEqual(await r.a.take(['east'], 'replica-a', 15_000), []);
    assert.deepEqual((await r.b.list()).map((l) => [l.name, l.holder, l.generation]), [['east', 'replica-a', 1], ['west', 'replica-a', 1]]);
  } finally {
    await r.done();
  }
});

test('renew: only the holder at its generation extends a lease; after expiry and a take, the old holder renews nothing', async () => {
  const r = await rig();
  try {
    await r.a.take(['east'], 'replica-a', 5_000);
    const renewed = await r.a.renew('replica-a', [{ name: 'east', generation: 1 }], 60_000);
    assert.equal(renewed.length, 1);
    assert.ok(renewed[0]!.remainingMs > 50_000, 'renew extends to the new period');
    assert.deepEqual(await r.b.renew('replica-b', [{ name: 'east', generation: 1 }], 60_000), [], 'another replica cannot renew it');
    assert.deepEqual(await r.a.renew('replica-a', [{ name: 'east', generation: 7 }], 60_000), [], 'a wrong generation renews nothing');

    await r.expire('east');
    const taken = await r.b.take(['east'], 'replica-b', 15_000);
    assert.deepEqual(taken.map((l) => [l.holder, l.generation]), [['replica-b', 2]], 'an expired lease is taken at the next generation');
    assert.deepEqual(await r.a.renew('replica-a', [{ name: 'east', generation: 1 }], 15_000), [], 'the old holder has lost it');
  } finally {
    await r.done();
  }
});

test('an expired lease nobody took is still its holder\'s to renew (its generation is still the newest)', async () => {
  const r = await rig();
  try {
    await r.a.take(['east'], 'replica-a', 5_000);
    await r.expire('east');
    const renewed = await r.a.renew('replica-a', [{ name: 'east', generation: 1 }], 5_000);
    assert.deepEqual(renewed.map((l) => l.generation), [1]);
    assert.ok(renewed[0]!.remainingMs > 0);
  } finally {
    await r.done();
  }
});

test('release hands a lease over at once; generations only grow', async () => {
  const r = await rig();
  try {
    await r.a.take(['east'], 'replica-a', 60_000);
    assert.equal(await r.b.release('replica-b', [{ name: 'east', generation: 1 }]), 0, 'only the holder releases');
    assert.equal(await r.a.release('replica-a', [{ name: 'east', generation: 1 }]), 1);
    assert.deepEqual((await r.b.take(['east'], 'replica-b', 60_000)).map((l) => l.generation), [2]);
    await r.b.release('replica-b', [{ name: 'east', generation: 2 }]);
    assert.deepEqual((await r.a.take(['east'], 'replica-a', 60_000)).map((l) => l.generation), [3], 'the first holder comes back at a newer generation');
  } finally {
    await r.done();
  }
});

test('concurrent takers of one free lease: exactly one wins', async () => {
  const r = await rig();
  const many = Array.from({ length: 8 }, () => new PostgresLeases(r.url, 1));
  try {
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(many.map((l, i) => l.take(['contested'], `replica-${i}`, 60_000)));
      const winners = results.filter((x) => x.length === 1);
      assert.equal(winners.length, 1, `round ${round}: one winner`);
      assert.equal(winners[0]![0]!.generation, round + 1);
      await r.expire('contested');
    }
  } finally {
    await Promise.all(many.map((l) => l.close()));
    await r.done();
  }
});

test('fencing: a replica that lost the lease cannot write findings or the analysed position; the new holder can', async () => {
  const r = await rig();
  try {
    await r.storeA.createCluster('east', T0);
    await r.a.take(['east'], 'replica-a', 60_000);
    const fenceA = { lease: 'east', holder: 'replica-a', generation: 1 };
    const first = await fencedStore(r.storeA, fenceA).recordAnalysis('east', [finding('fp-old', 'high')], T0);
    assert.equal(first.opened, 1, 'the holder writes');

    await r.expire('east');
    const [l] = await r.b.take(['east'], 'replica-b', 60_000);
    const fenceB = { lease: 'east', holder: 'replica-b', generation: l!.generation };
    await fencedStore(r.storeB, fenceB).recordAnalysis('east', [finding('fp-new', 'low')], new Date(T0.getTime() + 1000));

    // Replica A wakes up with results from before: refused, nothing changed.
    await assert.rejects(fencedStore(r.storeA, fenceA).recordAnalysis('east', [finding('fp-stale', 'critical')], new Date(T0.getTime() + 2000)), LeaseLostError);
    await assert.rejects(r.storeA.markAnalysed('east', 99, 'epoch', new Date(T0.getTime() + 2000), fenceA), LeaseLostError);
    const open = (await r.storeB.findings({ cluster: ['east'] })).items.map((f) => f.fingerprint);
    assert.deepEqual(open, ['fp-new'], 'the new holder\'s results stand');
    assert.equal((await r.storeB.finding('east', 'fp-stale')), null);
    assert.equal((await r.storeB.getCluster('east'))!.analysisBacklog, 0);

    // A fence is for one lease: a write for another cluster through it is refused before it reaches the store.
    assert.throws(() => fencedStore(r.storeB, fenceB).recordAnalysis('west', [], T0), /fence of lease/);
    // Without a fence (a single server) writes go through as before.
    await r.storeA.recordAnalysis('solo', [finding('fp-solo', 'low')], T0);
    assert.ok(await r.storeA.finding('solo', 'fp-solo'));
  } finally {
    await r.done();
  }
});

test('fencing: a take waits for a fenced write in flight, and then the write has happened before the new generation', async () => {
  const r = await rig();
  const writer = new pg.Client({ connectionString: r.url });
  await writer.connect();
  try {
    await r.a.take(['east'], 'replica-a', 60_000);
    await r.expire('east');
    await writer.query('BEGIN');
    await checkFence(writer, { lease: 'east', holder: 'replica-a', generation: 1 });
    let settled = false;
    const take = r.b.take(['east'], 'replica-b', 60_000).then((x) => ((settled = true), x));
    // Wait until the take is blocked on the writer's share lock (observed in pg_locks, not by time).
    for (;;) {
      const w = await r.sql.query(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted`);
      if (w.rows[0].n > 0) break;
      await new Promise((res) => setImmediate(res));
    }
    assert.equal(settled, false, 'the take waits while the fenced write is open');
    await writer.query('COMMIT');
    const got = await take;
    assert.deepEqual(got.map((l) => [l.holder, l.generation]), [['replica-b', 2]]);
  } finally {
    await writer.end();
    await r.done();
  }
});

test('membership: heartbeats count live replicas; one that leaves or stops heartbeating is not counted', async () => {
  const r = await rig();
  try {
    assert.deepEqual(await r.a.heartbeat('replica-a', 60_000), ['replica-a']);
    assert.deepEqual(await r.b.heartbeat('replica-b', 60_000), ['replica-a', 'replica-b']);
    await r.sql.query(`UPDATE replica_members SET expires_at = now() - interval '1 second' WHERE holder = 'replica-a'`);
    assert.deepEqual(await r.b.heartbeat('replica-b', 60_000), ['replica-b']);
    await r.b.leave('replica-b');
    assert.deepEqual(await r.a.heartbeat('replica-a', 60_000), ['replica-a']);
  } finally {
    await r.done();
  }
});

test('fleet result: written only under the fleet lease, read by any replica', async () => {
  const r = await rig();
  try {
    await r.a.take([FLEET_CLUSTER], 'replica-a', 60_000);
    await r.a.saveFleetResult({ lease: FLEET_CLUSTER, holder: 'replica-a', generation: 1 }, T0, '{"clusters":[]}');
    assert.deepEqual(await r.b.loadFleetResult(), { at: T0.toISOString(), body: '{"clusters":[]}' });
    await assert.rejects(r.b.saveFleetResult({ lease: FLEET_CLUSTER, holder: 'replica-b', generation: 1 }, T0, '{}'), LeaseLostError);
  } finally {
    await r.done();
  }
});

test('notifications: bounded, escaped, and parsed as untrusted', async () => {
  const keys = Array.from({ length: 3 }, (_, i) => ({ kind: 'Service', namespace: 'ns\u0000"', name: `svc-${i}` }));
  const small = encodeNotice('replica-a', 'east', { epoch: 'e1', seq: 4, type: 'delta', last: false, changes: 3, keys })!;
  assert.ok(!small.includes('\u0000'), 'NUL is escaped (PostgreSQL text cannot hold it)');
  assert.deepEqual(decodeNotice(small), { replica: 'replica-a', cluster: 'east', epoch: 'e1', seq: 4, type: 'delta', last: false, keys });
  // Too many keys to fit: announced without them (the holder reloads the cluster).
  const many = Array.from({ length: 2000 }, (_, i) => ({ kind: 'Service', namespace: 'default', name: `svc-${i}` }));
  const big = encodeNotice('replica-a', 'east', { epoch: 'e1', seq: 5, type: 'delta', last: false, changes: many.length, keys: many })!;
  assert.ok(Buffer.byteLength(big) <= MAX_PAYLOAD_BYTES);
  assert.equal(decodeNotice(big)!.keys, undefined);
  // An epoch too long to fit: announced without it.
  const longEpoch = decodeNotice(encodeNotice('replica-a', 'east', { epoch: 'e'.repeat(20_000), seq: 1, type: 'snapshot', last: true, changes: 0 })!);
  assert.equal(longEpoch!.epoch, null);
  for (const bad of ['', 'not json', '{"v":2}', '{"v":1,"r":"a","c":"NOT A NAME","e":"x","s":1,"t":"delta"}', '{"v":1,"r":"a","c":"east","e":"x","s":-1,"t":"delta"}', '{"v":1,"r":"a","c":"east","e":"x","s":1,"t":"delta","k":[["a","b"]]}', '{"v":1,"r":"a","c":"__proto__","e":"x","s":1,"t":"delta"}']) {
    assert.equal(decodeNotice(bad), null, bad);
  }
});
