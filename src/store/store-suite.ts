/**
 * The behaviour every Store must have, as one node:test suite that sqlite.test.ts and
 * postgres.test.ts run against their engine. A change of behaviour is a change here, for both.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SEVERITIES, type Severity } from '../engine/finding.js';
import type { Change, Cursor, WireObject, WireTrafficEdge } from '../relay/protocol.js';
import { MAX_KEY_BYTES, StoreInputError, StoreRevokedClusterError, wireObjectJson, wireObjectKey } from './common.js';
import type { StoreSpec } from './index.js';
import { batch, finding, HOSTILE_STRINGS, HUGE_STRING, T0, upsert, wireObject } from './store-suite-data.js';
import { FLEET_CLUSTER, StoreConflictError, type FindingInput, type FindingRecord, type Store, type StoredObject, type TelemetryRecord } from './types.js';

export interface SuiteStore {
  store: Store;
  /** How a separate process (or a second replica) opens the same store. */
  spec: StoreSpec;
  /** Another Store on the same data, as a second server replica would have. */
  replica(): Promise<Store>;
  dispose(): Promise<void>;
}

export interface StoreSuiteTarget {
  engine: 'sqlite' | 'postgres';
  /** A fresh, empty, migrated store. */
  fresh(): Promise<SuiteStore>;
}

const at = (ms: number) => new Date(T0.getTime() + ms);
const DAY = 86_400_000;
const MAX = { maxObjects: 1000 };

async function all(store: Store, cluster: string): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  for await (const o of store.objects(cluster)) out.push(o);
  return out;
}

async function names(store: Store, cluster: string): Promise<string[]> {
  return (await all(store, cluster)).map((o) => o.key.name);
}

function order(f: FindingRecord): [number, string, string, string] {
  return [SEVERITIES.indexOf(f.severity), f.cluster, f.ruleId, f.fingerprint];
}

function cmp(a: FindingRecord, b: FindingRecord): number {
  const x = order(a);
  const y = order(b);
  for (let i = 0; i < 4; i++) {
    if (x[i]! < y[i]!) return -1;
    if (x[i]! > y[i]!) return 1;
  }
  return 0;
}

export function runStoreSuite(target: StoreSuiteTarget): void {
  const withStore = (name: string, fn: (s: SuiteStore) => Promise<void>, opts: { timeout?: number } = {}) =>
    test(name, { timeout: opts.timeout ?? 120_000 }, async () => {
      const s = await target.fresh();
      try {
        await fn(s);
      } finally {
        await s.dispose();
      }
    });

  describe(`Store (${target.engine})`, () => {
    withStore('migrate is idempotent and the engine says what it is', async ({ store }) => {
      assert.equal(store.engine, target.engine);
      await store.migrate();
      await store.migrate();
      assert.deepEqual(await store.listClusters(), []);
    });

    withStore('migrations run by several replicas at once apply once', async ({ store, replica }) => {
      const others = await Promise.all([replica(), replica(), replica()]);
      try {
        await Promise.all(others.map((o) => o.migrate()));
        await store.createCluster('after-migrate', T0);
        assert.equal((await others[0]!.getCluster('after-migrate'))?.name, 'after-migrate');
      } finally {
        await Promise.all(others.map((o) => o.close()));
      }
    });

    describe('telemetry', () => {
      const edge = (workload: string, requests: number): WireTrafficEdge => ({
        source: { workload, namespace: '__proto__', principal: 'unknown' },
        destination: { workload: 'ratings', namespace: 'bookinfo', principal: 'spiffe://cluster.local/ns/bookinfo/sa/ratings' },
        destinationService: 'ratings.bookinfo.svc.cluster.local',
        reporter: 'destination',
        protocol: 'http',
        security: 'none',
        requests,
        responses: [['__proto__', 1], ['200', requests - 1]],
        connectionsOpened: 0,
        bytes: 0,
      });
      const record = (cluster: string, via: 'agent' | 'server', edges: WireTrafficEdge[], ms: number): TelemetryRecord => ({
        cluster,
        via,
        receivedAt: at(ms).toISOString(),
        sourceName: 'http://prometheus:9090',
        windowSeconds: 3600,
        end: at(ms - 1000).toISOString(),
        edges,
        notes: ['a note'],
      });

      withStore('put, get and freshness: one document per cluster, the newest replaces the last; hostile labels are data', async ({ store, replica }) => {
        assert.equal(await store.getTelemetry('east'), null);
        assert.deepEqual(await store.telemetryFreshness(), []);
        const hostile = HOSTILE_STRINGS.map((h, i) => edge(h, 10 + i));
        await store.putTelemetry(record('east', 'agent', hostile, 1000));
        await store.putTelemetry(record('west', 'server', [edge('a', 5)], 2000));
        const got = await store.getTelemetry('east');
        assert.deepEqual(got, record('east', 'agent', hostile, 1000));
        assert.deepEqual(Object.keys(got!.edges[0]!.source), ['workload', 'namespace', 'principal']);
        await store.putTelemetry(record('east', 'server', [edge('b', 7)], 3000));
        const other = await replica();
        try {
          assert.deepEqual((await other.getTelemetry('east'))?.edges.map((e) => e.source.workload), ['b']);
          assert.deepEqual(await other.telemetryFreshness(), [
            { cluster: 'east', via: 'server', receivedAt: at(3000).toISOString(), sourceName: 'http://prometheus:9090', windowSeconds: 3600, end: at(2000).toISOString(), edgeCount: 1, intervalSeconds: null },
            { cluster: 'west', via: 'server', receivedAt: at(2000).toISOString(), sourceName: 'http://prometheus:9090', windowSeconds: 3600, end: at(1000).toISOString(), edgeCount: 1, intervalSeconds: null },
          ]);
        } finally {
          await other.close();
        }
      });

      withStore('refuses a record whose columns are not what they say', async ({ store }) => {
        await assert.rejects(store.putTelemetry({ ...record('east', 'agent', [], 0), cluster: 'Not A Name' }), StoreInputError);
        await assert.rejects(store.putTelemetry({ ...record('east', 'agent', [], 0), via: 'elsewhere' as 'agent' }), StoreInputError);
        await assert.rejects(store.putTelemetry({ ...record('east', 'agent', [], 0), receivedAt: 'yesterday' }), StoreInputError);
        assert.equal(await store.getTelemetry('east'), null);
      });

      withStore('the report interval round-trips (absent stays absent) and is bounded', async ({ store }) => {
        await store.putTelemetry({ ...record('east', 'agent', [], 0), intervalSeconds: 300 });
        assert.equal((await store.getTelemetry('east'))?.intervalSeconds, 300);
        assert.equal((await store.telemetryFreshness())[0]?.intervalSeconds, 300);
        await store.putTelemetry(record('east', 'agent', [], 1000));
        assert.equal('intervalSeconds' in (await store.getTelemetry('east'))!, false, 'a report without an interval clears the old one');
        assert.equal((await store.telemetryFreshness())[0]?.intervalSeconds, null);
        for (const bad of [0, 59, 86_401, 1.5, Number.NaN]) {
          await assert.rejects(store.putTelemetry({ ...record('east', 'agent', [], 2000), intervalSeconds: bad }), StoreInputError, `interval ${bad}`);
        }
      });

      withStore('revoking a cluster deletes its telemetry and refuses every later report, on every replica; other clusters keep theirs', async ({ store, replica }) => {
        await store.createCluster('east', T0);
        await store.createCluster('west', T0);
        await store.putTelemetry(record('east', 'agent', [edge('a', 5)], 1000));
        await store.putTelemetry(record('west', 'agent', [edge('b', 5)], 1000));
        assert.equal(await store.revokeCluster('east', at(2000)), true);
        assert.equal(await store.getTelemetry('east'), null);
        assert.deepEqual((await store.telemetryFreshness()).map((f) => f.cluster), ['west']);
        await assert.rejects(store.putTelemetry(record('east', 'agent', [edge('c', 5)], 3000)), StoreRevokedClusterError);
        await assert.rejects(store.putTelemetry(record('east', 'server', [edge('c', 5)], 3000)), StoreRevokedClusterError, 'the server\'s own queries are refused too');
        const other = await replica();
        try {
          await assert.rejects(other.putTelemetry(record('east', 'agent', [edge('c', 5)], 4000)), StoreRevokedClusterError);
        } finally {
          await other.close();
        }
        assert.equal(await store.getTelemetry('east'), null);
        assert.equal((await store.getTelemetry('west'))?.edges.length, 1);
        // Revoking again (or an unknown cluster) changes nothing and says so.
        assert.equal(await store.revokeCluster('east', at(5000)), true);
        assert.equal(await store.revokeCluster('nowhere', at(5000)), false);
        // A cluster not registered (yet) is not refused: the server may poll it before its agent enrols.
        await store.putTelemetry(record('north', 'server', [], 6000));
        assert.ok(await store.getTelemetry('north'));
      });
    });

    describe('clusters and identity', () => {
      withStore('create, get, list; a second registration of the name conflicts, revoked or not', async ({ store }) => {
        const c = await store.createCluster('east', T0);
        assert.equal(c.name, 'east');
        assert.equal(c.createdAt, T0.toISOString());
        assert.equal(c.revokedAt, null);
        assert.deepEqual(c.cursor, { cluster: 'east', epoch: null, seq: 0, snapshotComplete: false });
        assert.equal(c.objects, 0);
        assert.deepEqual(c.kinds, []);
        assert.equal(c.analysisBacklog, 0);
        await store.createCluster('west', T0);
        assert.deepEqual((await store.listClusters()).map((x) => x.name), ['east', 'west']);
        await assert.rejects(store.createCluster('east', at(1)), StoreConflictError);
        assert.equal(await store.getCluster('north'), null);
        assert.equal(await store.revokeCluster('east', at(5)), true);
        assert.equal((await store.getCluster('east'))?.revokedAt, at(5).toISOString());
        assert.equal(await store.revokeCluster('north', at(5)), false);
        await assert.rejects(store.createCluster('east', at(6)), StoreConflictError);
      });

      withStore('touchCluster notes last seen, agent version and skew', async ({ store }) => {
        await store.createCluster('east', T0);
        await store.touchCluster('east', at(1000), '1.2.3', -250);
        const c = (await store.getCluster('east'))!;
        assert.equal(c.lastSeenAt, at(1000).toISOString());
        assert.equal(c.agentVersion, '1.2.3');
        assert.equal(c.clockSkewMs, -250);
        await store.touchCluster('unknown', at(1), 'x', null); // no-op, no throw
      });

      withStore('a bootstrap token is used once; unknown, used, expired and revoked-cluster tokens give null', async ({ store }) => {
        await store.createCluster('east', T0);
        await store.createCluster('gone', T0);
        await store.addBootstrapToken('east', 'hash-a', at(60_000));
        await store.addBootstrapToken('east', 'hash-expired', at(10));
        await store.addBootstrapToken('gone', 'hash-gone', at(60_000));
        await assert.rejects(store.addBootstrapToken('nope', 'hash-x', at(60_000)));
        assert.equal(await store.consumeBootstrapToken('hash-unknown', at(1)), null);
        assert.equal(await store.consumeBootstrapToken('hash-expired', at(10)), null, 'expiry is exclusive');
        assert.equal(await store.consumeBootstrapToken('hash-a', at(1)), 'east');
        assert.equal(await store.consumeBootstrapToken('hash-a', at(2)), null);
        await store.revokeCluster('gone', at(3));
        assert.equal(await store.consumeBootstrapToken('hash-gone', at(4)), null);
      });

      withStore('a bootstrap token spent for a key is good again for that key alone, until it expires', async ({ store }) => {
        await store.createCluster('east', T0);
        await store.addBootstrapToken('east', 'hash-k', at(60_000));
        assert.equal(await store.consumeBootstrapToken('hash-k', at(1), 'key-1'), 'east');
        // The agent whose answer was lost asks again with the same CSR.
        assert.equal(await store.consumeBootstrapToken('hash-k', at(2), 'key-1'), 'east');
        assert.equal(await store.consumeBootstrapToken('hash-k', at(3), 'key-2'), null, 'another key');
        assert.equal(await store.consumeBootstrapToken('hash-k', at(4)), null, 'no key');
        assert.equal(await store.consumeBootstrapToken('hash-k', at(60_000), 'key-1'), null, 'expired');
        // Spent without a key (an older server): never again, whatever key is offered.
        await store.addBootstrapToken('east', 'hash-nokey', at(60_000));
        assert.equal(await store.consumeBootstrapToken('hash-nokey', at(1)), 'east');
        assert.equal(await store.consumeBootstrapToken('hash-nokey', at(2), 'key-1'), null);
        // A revoked cluster's token is refused even for its key.
        await store.addBootstrapToken('east', 'hash-r', at(60_000));
        assert.equal(await store.consumeBootstrapToken('hash-r', at(1), 'key-1'), 'east');
        await store.revokeCluster('east', at(2));
        assert.equal(await store.consumeBootstrapToken('hash-r', at(3), 'key-1'), null);
      });

      withStore('concurrent consumers (two replicas) get a token exactly once', async ({ store, replica }) => {
        const other = await replica();
        try {
          await store.createCluster('east', T0);
          for (let round = 0; round < 5; round++) {
            await store.addBootstrapToken('east', `hash-${round}`, at(60_000));
            const results = await Promise.all(
              Array.from({ length: 16 }, (_, i) => (i % 2 ? other : store).consumeBootstrapToken(`hash-${round}`, at(1))),
            );
            assert.equal(results.filter((r) => r === 'east').length, 1, `round ${round}: ${JSON.stringify(results)}`);
            assert.equal(results.filter((r) => r === null).length, 15);
            // Sixteen callers with sixteen keys: one key wins, and only that key can use it again.
            await store.addBootstrapToken('east', `hash-keyed-${round}`, at(60_000));
            const keyed = await Promise.all(
              Array.from({ length: 16 }, (_, i) => (i % 2 ? other : store).consumeBootstrapToken(`hash-keyed-${round}`, at(1), `key-${i}`)),
            );
            const winners = keyed.flatMap((r, i) => (r === 'east' ? [i] : []));
            assert.equal(winners.length, 1, `round ${round}: ${JSON.stringify(keyed)}`);
            assert.equal(await other.consumeBootstrapToken(`hash-keyed-${round}`, at(2), `key-${winners[0]}`), 'east');
            assert.equal(await other.consumeBootstrapToken(`hash-keyed-${round}`, at(2), `key-${(winners[0] + 1) % 16}`), null);
          }
        } finally {
          await other.close();
        }
      });

      withStore('certificates: recorded, listed per cluster, a serial is unique', async ({ store }) => {
        await store.createCluster('east', T0);
        await store.createCluster('west', T0);
        await store.recordCertificate({ cluster: 'east', serial: '0a', issuedAt: at(0).toISOString(), notAfter: at(DAY).toISOString() });
        await store.recordCertificate({ cluster: 'east', serial: '0b', issuedAt: at(10).toISOString(), notAfter: at(DAY).toISOString() });
        await store.recordCertificate({ cluster: 'west', serial: '0c', issuedAt: at(0).toISOString(), notAfter: at(DAY).toISOString() });
        await assert.rejects(
          store.recordCertificate({ cluster: 'west', serial: '0a', issuedAt: at(0).toISOString(), notAfter: at(DAY).toISOString() }),
          StoreConflictError,
        );
        await assert.rejects(store.recordCertificate({ cluster: 'nope', serial: '0d', issuedAt: at(0).toISOString(), notAfter: at(DAY).toISOString() }));
        assert.deepEqual((await store.listCertificates('east')).map((c) => c.serial), ['0a', '0b']);
        assert.deepEqual(await store.listCertificates('west'), [
          { cluster: 'west', serial: '0c', issuedAt: at(0).toISOString(), notAfter: at(DAY).toISOString() },
        ]);
        assert.deepEqual(await store.listCertificates('nope'), []);
      });
    });

    describe('applyBatch', () => {
      withStore('snapshot parts are staged and swapped in on the last part; the cursor follows', async ({ store }) => {
        await store.createCluster('east', T0);
        assert.deepEqual(await store.cursor('east'), { cluster: 'east', epoch: null, seq: 0, snapshotComplete: false });
        const kinds = [{ kind: 'Service', served: true, synced: true, objects: 3, error: null }];
        let r = await store.applyBatch('east', batch('e1', 1, 'snapshot', [upsert(wireObject('Service', 'a', 's1'))]), at(1), MAX);
        assert.deepEqual(r, { status: 'stored', cursor: { cluster: 'east', epoch: 'e1', seq: 1, snapshotComplete: false } });
        assert.deepEqual(await names(store, 'east'), [], 'staged parts are not visible');
        r = await store.applyBatch('east', batch('e1', 2, 'snapshot', [upsert(wireObject('Service', 'a', 's2'))]), at(2), MAX);
        assert.equal(r.status, 'stored');
        r = await store.applyBatch('east', batch('e1', 3, 'snapshot', [upsert(wireObject('Service', 'b', 's3'))], true, { kinds }), at(3), MAX);
        assert.deepEqual(r, { status: 'stored', cursor: { cluster: 'east', epoch: 'e1', seq: 3, snapshotComplete: true } });
        assert.deepEqual(await names(store, 'east'), ['s1', 's2', 's3']);
        const c = (await store.getCluster('east'))!;
        assert.equal(c.objects, 3);
        assert.deepEqual(c.kinds, kinds);
        assert.equal(c.lastIngestAt, at(3).toISOString());
        assert.equal(c.analysisBacklog, 3);
        await store.markAnalysed('east', 3, 'e1', at(4));
        const c2 = (await store.getCluster('east'))!;
        assert.equal(c2.analysisBacklog, 0);
        assert.equal(c2.lastAnalysisAt, at(4).toISOString());
      });

      withStore('seen: the agent is noted as seen in the batch transaction, for a stored batch and a refused one alike', async ({ store }) => {
        await store.createCluster('east', T0);
        const seen = (v: string, skew: number | null) => ({ ...MAX, seen: { agentVersion: v, clockSkewMs: skew } });
        await store.applyBatch('east', batch('e1', 1, 'snapshot', [upsert(wireObject('Service', 'a', 's1'))], true), at(10), seen('1.0.0', 12.6));
        let c = (await store.getCluster('east'))!;
        assert.deepEqual([c.lastSeenAt, c.agentVersion, c.clockSkewMs], [at(10).toISOString(), '1.0.0', 13]);
        // Out of order: nothing stored, but the agent was there.
        const r = await store.applyBatch('east', batch('e1', 5, 'delta', [upsert(wireObject('Service', 'a', 's2'))]), at(20), seen('1.0.1', null));
        assert.equal(r.status, 'out-of-order');
        c = (await store.getCluster('east'))!;
        assert.deepEqual([c.lastSeenAt, c.agentVersion, c.clockSkewMs], [at(20).toISOString(), '1.0.1', null]);
        // Over the object bound the transaction rolls back whole: neither the objects nor the note land.
        const over = await store.applyBatch('east', batch('e1', 2, 'delta', [upsert(wireObject('Service', 'a', 's2')), upsert(wireObject('Service', 'a', 's3'))]), at(30), { maxObjects: 2, seen: { agentVersion: '9', clockSkewMs: 1 } });
        assert.equal(over.status, 'too-many-objects');
        c = (await store.getCluster('east'))!;
        assert.deepEqual([c.lastSeenAt, c.agentVersion, c.objects], [at(20).toISOString(), '1.0.1', 1]);
        // Without `seen`, applyBatch leaves last seen alone.
        await store.applyBatch('east', batch('e1', 2, 'delta', [upsert(wireObject('Service', 'a', 's2'))]), at(40), MAX);
        assert.equal((await store.getCluster('east'))!.lastSeenAt, at(20).toISOString());
      });

      withStore('deltas upsert and delete; deleting a missing key is fine; duplicates and gaps change nothing', async ({ store }) => {
        await store.createCluster('east', T0);
        await store.applyBatch('east', batch('e1', 1, 'snapshot', [upsert(wireObject('Service', 'a', 's1')), upsert(wireObject('Service', 'a', 's2'))], true), at(1), MAX);
        let r = await store.applyBatch('east', batch('e1', 2, 'delta', [
          upsert(wireObject('Service', 'a', 's3')),
          upsert(wireObject('Service', 'a', 's1', { spec: { v: 2 } })),
          { op: 'delete', key: { kind: 'Service', namespace: 'a', name: 's2' } },
          { op: 'delete', key: { kind: 'Service', namespace: 'a', name: 'never-there' } },
        ]), at(2), MAX);
        assert.deepEqual(r, { status: 'stored', cursor: { cluster: 'east', epoch: 'e1', seq: 2, snapshotComplete: true } });
        assert.deepEqual(await names(store, 'east'), ['s1', 's3']);
        const s1 = await store.object('east', { kind: 'Service', namespace: 'a', name: 's1' });
        assert.deepEqual(s1?.object.obj['spec'], { v: 2 });
        assert.equal(s1?.storedAt, at(2).toISOString());
        assert.equal((await store.getCluster('east'))!.objects, 2);
        // A retry of an acknowledged batch: duplicate, nothing changes even if its content differs.
        r = await store.applyBatch('east', batch('e1', 2, 'delta', [upsert(wireObject('Service', 'a', 'dup'))]), at(3), MAX);
        assert.deepEqual(r, { status: 'duplicate', cursor: { cluster: 'east', epoch: 'e1', seq: 2, snapshotComplete: true } });
        r = await store.applyBatch('east', batch('e1', 1, 'snapshot', [], true), at(3), MAX);
        assert.equal(r.status, 'duplicate');
        // A gap.
        r = await store.applyBatch('east', batch('e1', 4, 'delta', [upsert(wireObject('Service', 'a', 'gap'))]), at(3), MAX);
        assert.deepEqual(r, { status: 'out-of-order', cursor: { cluster: 'east', epoch: 'e1', seq: 2, snapshotComplete: true } });
        // An unknown epoch's delta.
        r = await store.applyBatch('east', batch('e9', 1, 'delta', [upsert(wireObject('Service', 'a', 'x'))]), at(3), MAX);
        assert.equal(r.status, 'out-of-order');
        // An unknown epoch's snapshot part other than the first.
        r = await store.applyBatch('east', batch('e9', 2, 'snapshot', [upsert(wireObject('Service', 'a', 'x'))]), at(3), MAX);
        assert.equal(r.status, 'out-of-order');
        // A snapshot part after the snapshot completed.
        r = await store.applyBatch('east', batch('e1', 3, 'snapshot', [upsert(wireObject('Service', 'a', 'x'))]), at(3), MAX);
        assert.equal(r.status, 'out-of-order');
        assert.deepEqual(await names(store, 'east'), ['s1', 's3']);
        assert.equal((await store.cursor('east')).seq, 2);
      });

      withStore('a delta before the snapshot\'s last part is out of order', async ({ store }) => {
        await store.createCluster('east', T0);
        await store.applyBatch('east', batch('e1', 1, 'snapshot', [upsert(wireObject('Service', 'a', 's1'))]), at(1), MAX);
        const r = await store.applyBatch('east', batch('e1', 2, 'delta', [upsert(wireObject('Service', 'a', 's2'))]), at(2), MAX);
        assert.deepEqual(r, { status: 'out-of-order', cursor: { cluster: 'east', epoch: 'e1', seq: 1, snapshotComplete: false } });
      });

      withStore('a new epoch keeps the complete objects until its own last part, and discards another epoch\'s staged parts', async ({ store }) => {
        await store.createCluster('east', T0);
        await store.applyBatch('east', batch('e1', 1, 'snapshot', [upsert(wireObject('Service', 'a', 'old'))], true), at(1), MAX);
        await store.applyBatch('east', batch('e2', 1, 'snapshot', [upsert(wireObject('Service', 'a', 'from-e2'))]), at(2), MAX);
        assert.deepEqual(await names(store, 'east'), ['old'], 'the complete epoch stays visible while e2 is staged');
        // The agent restarts and starts e3: e2's staged parts go.
        let r = await store.applyBatch('east', batch('e3', 1, 'snapshot', [upsert(wireObject('Service', 'a', 'from-e3'))]), at(3), MAX);
        assert.deepEqual(r, { status: 'stored', cursor: { cluster: 'east', epoch: 'e3', seq: 1, snapshotComplete: false } });
        // Going back to the complete epoch or the abandoned one is refused.
        assert.equal((await store.applyBatch('east', batch('e2', 2, 'snapshot', [], true), at(4), MAX)).status, 'out-of-order');
        assert.equal((await store.applyBatch('east', batch('e1', 1, 'snapshot', [], true), at(4), MAX)).status, 'out-of-order');
        r = await store.applyBatch('east', batch('e3', 2, 'snapshot', [upsert(wireObject('Service', 'b', 'from-e3-2'))], true), at(4), MAX);
        assert.equal(r.status, 'stored');
        assert.deepEqual(await names(store, 'east'), ['from-e3', 'from-e3-2']);
        assert.equal((await store.getCluster('east'))!.objects, 2);
      });

      withStore('maxObjects: a snapshot or delta that would exceed it changes nothing', async ({ store }) => {
        await store.createCluster('east', T0);
        const three = ['a', 'b', 'c'].map((n) => upsert(wireObject('Service', 'ns', n)));
        let r = await store.applyBatch('east', batch('e1', 1, 'snapshot', three, true), at(1), { maxObjects: 2 });
        assert.deepEqual(r, { status: 'too-many-objects', cursor: { cluster: 'east', epoch: null, seq: 0, snapshotComplete: false } });
        r = await store.applyBatch('east', batch('e1', 1, 'snapshot', three.slice(0, 2), true), at(1), { maxObjects: 2 });
        assert.equal(r.status, 'stored');
        // Updating an existing object does not count twice.
        r = await store.applyBatch('east', batch('e1', 2, 'delta', [upsert(wireObject('Service', 'ns', 'a', { spec: 1 }))]), at(2), { maxObjects: 2 });
        assert.equal(r.status, 'stored');
        r = await store.applyBatch('east', batch('e1', 3, 'delta', [upsert(wireObject('Service', 'ns', 'c'))]), at(3), { maxObjects: 2 });
        assert.deepEqual(r, { status: 'too-many-objects', cursor: { cluster: 'east', epoch: 'e1', seq: 2, snapshotComplete: true } });
        // A delete and an insert in one batch stay within it.
        r = await store.applyBatch('east', batch('e1', 3, 'delta', [{ op: 'delete', key: { kind: 'Service', namespace: 'ns', name: 'b' } }, upsert(wireObject('Service', 'ns', 'c'))]), at(3), { maxObjects: 2 });
        assert.equal(r.status, 'stored');
        assert.deepEqual(await names(store, 'east'), ['a', 'c']);
        // Snapshot parts count together.
        await store.applyBatch('east', batch('e2', 1, 'snapshot', three.slice(0, 2)), at(4), { maxObjects: 2 });
        r = await store.applyBatch('east', batch('e2', 2, 'snapshot', three.slice(2), true), at(5), { maxObjects: 2 });
        assert.equal(r.status, 'too-many-objects');
        assert.deepEqual(await names(store, 'east'), ['a', 'c']);
      });

      withStore('an unknown cluster and a malformed batch are refused with an error, not stored', async ({ store }) => {
        await assert.rejects(store.applyBatch('nope', batch('e1', 1, 'snapshot', [], true), at(1), MAX));
        await store.createCluster('east', T0);
        await assert.rejects(store.applyBatch('east', batch('e1', 0, 'snapshot', [], true), at(1), MAX), StoreInputError);
        await assert.rejects(store.applyBatch('east', { ...batch('e1', 1, 'snapshot', [], true), changes: 'x' as unknown as Change[] }, at(1), MAX), StoreInputError);
        await assert.rejects(store.applyBatch('east', batch('e1', 1, 'snapshot', [], true), at(1), { maxObjects: Number.NaN }), StoreInputError);
        assert.deepEqual(await store.cursor('nope'), { cluster: 'nope', epoch: null, seq: 0, snapshotComplete: false });
        assert.deepEqual(await store.cursor('east'), { cluster: 'east', epoch: null, seq: 0, snapshotComplete: false });
        // A revocation between authentication and the write: the store refuses too.
        await store.applyBatch('east', batch('e1', 1, 'snapshot', [upsert(wireObject('Service', 'a', 'before'))], true), at(1), MAX);
        await store.revokeCluster('east', at(2));
        await assert.rejects(store.applyBatch('east', batch('e1', 2, 'delta', [upsert(wireObject('Service', 'a', 'after'))]), at(3), MAX), StoreRevokedClusterError);
        assert.deepEqual(await names(store, 'east'), ['before']);
        assert.equal((await store.cursor('east')).seq, 1);
      });

      withStore('serialized upserts (the ingest decoder\'s) are stored as the same objects as the wire\'s, keys checked, last change per key wins', async ({ store }) => {
        await store.createCluster('east', T0);
        await store.createCluster('west', T0);
        const objs = [wireObject('Service', 'a', 's1', { spec: { ports: [{ port: 80 }] } }), wireObject('ConfigMap', 'b', 'c1', { data: { k: 'v' } }), wireObject('Service', 'a', 's2')];
        const serialized = (o: WireObject) => ({ op: 'upsert-json' as const, key: wireObjectKey(o), body: wireObjectJson(o) });
        await store.applyBatch('east', batch('e1', 1, 'snapshot', objs.map(upsert), true), at(1), MAX);
        const sb = { ...batch('e1', 1, 'snapshot', [], true), changes: [...objs.map(serialized), { op: 'delete' as const, key: wireObjectKey(objs[2]) }, serialized(objs[2])] };
        assert.deepEqual(await store.applyBatch('west', sb, at(1), MAX), { status: 'stored', cursor: { cluster: 'west', epoch: 'e1', seq: 1, snapshotComplete: true } });
        const strip = (xs: StoredObject[]) => xs.map((x) => ({ key: x.key, object: x.object }));
        assert.deepEqual(strip(await all(store, 'west')), strip(await all(store, 'east')));
        assert.equal((await store.getCluster('west'))?.objects, 3);
        // A serialized upsert with a key over the bound, or without a body, is refused with its batch.
        const long = 'k'.repeat(MAX_KEY_BYTES + 1);
        await assert.rejects(store.applyBatch('west', { ...batch('e1', 2, 'delta', []), changes: [{ op: 'upsert-json', key: { kind: 'Service', namespace: 'a', name: long }, body: '{}' }] }, at(2), MAX), StoreInputError);
        await assert.rejects(store.applyBatch('west', { ...batch('e1', 2, 'delta', []), changes: [{ op: 'upsert-json', key: { kind: 'Service', namespace: 'a', name: 'x' }, body: null as unknown as string }] }, at(2), MAX), StoreInputError);
        assert.equal((await store.cursor('west')).seq, 1);
      });

      withStore('every key and body of a many-object batch comes back as sent (lists with and without newlines, one or many cluster-scoped objects)', async ({ store }) => {
        await store.createCluster('east', T0);
        const strip = (xs: StoredObject[]) => xs.map((x) => ({ key: x.key, object: x.object })).sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));
        const expected = (objs: WireObject[]) => strip(objs.map((o) => ({ key: wireObjectKey(o), object: JSON.parse(JSON.stringify(o)) as WireObject, storedAt: '' })));
        // Keys without a newline (PostgreSQL joins such a list into one parameter), quotes, backslashes,
        // commas and braces (an array literal's metacharacters) among them; two cluster-scoped objects.
        const plain = HOSTILE_STRINGS.filter((h) => !h.includes('\n')).flatMap((h, i) => [wireObject('Service', `ns-${i}`, `${h},{x}"\\${i}`, { data: `${h}\\n"{,}"` }), wireObject('Namespace', '', `cluster-${i}-${h}`)]);
        await store.applyBatch('east', batch('e1', 1, 'snapshot', plain.map(upsert), true), at(1), MAX);
        assert.deepEqual(strip(await all(store, 'east')), expected(plain));
        // Every hostile key in one batch (some hold a newline: that list goes as an array), and one cluster-scoped object alone.
        const hostile = HOSTILE_STRINGS.map((h) => wireObject('ConfigMap', h, h, { data: { [h]: h } }));
        await store.applyBatch('east', batch('e2', 1, 'snapshot', hostile.map(upsert), false), at(2), MAX);
        const alone = wireObject('Namespace', '', 'alone');
        await store.applyBatch('east', batch('e2', 2, 'snapshot', [upsert(alone)], true), at(3), MAX);
        assert.deepEqual(strip(await all(store, 'east')), expected([...hostile, alone]));
        // A serialized body holding a raw newline (JSON whitespace) is stored as the same object; deletes by those keys.
        const spaced = wireObject('Service', 'a', 'spaced', { spec: { ports: [80] } });
        const body = JSON.stringify(spaced, null, 1);
        assert.ok(body.includes('\n'));
        const changes = [{ op: 'upsert-json' as const, key: wireObjectKey(spaced), body }, ...hostile.slice(0, 3).map((o) => ({ op: 'delete' as const, key: wireObjectKey(o) }))];
        assert.equal((await store.applyBatch('east', { ...batch('e2', 3, 'delta', []), changes }, at(4), MAX)).status, 'stored');
        assert.deepEqual(strip(await all(store, 'east')), expected([...hostile.slice(3), alone, spaced]));
        assert.equal((await store.getCluster('east'))?.objects, hostile.length - 3 + 2);
      });

      withStore('clusters are separate: one cluster\'s batches never touch another\'s objects', async ({ store }) => {
        await store.createCluster('east', T0);
        await store.createCluster('west', T0);
        await store.applyBatch('east', batch('e', 1, 'snapshot', [upsert(wireObject('Service', 'a', 'east-1'))], true), at(1), MAX);
        await store.applyBatch('west', batch('e', 1, 'snapshot', [upsert(wireObject('Service', 'a', 'west-1'))], true), at(1), MAX);
        await store.applyBatch('west', batch('e2', 1, 'snapshot', [upsert(wireObject('Service', 'a', 'west-2'))], true), at(2), MAX);
        assert.deepEqual(await names(store, 'east'), ['east-1']);
        assert.deepEqual(await names(store, 'west'), ['west-2']);
      });

      withStore('two replicas applying one cluster\'s batches at once never interleave: each batch is stored exactly once', async ({ store, replica }) => {
        const other = await replica();
        try {
          await store.createCluster('east', T0);
          await store.applyBatch('east', batch('e1', 1, 'snapshot', [upsert(wireObject('Service', 'a', 's0'))], true), at(1), MAX);
          const last = 21;
          const stored = new Map<number, number>();
          // Two "agents" (a retrying agent reaching two replicas) each push every delta until it lands.
          const push = async (s: Store) => {
            for (let seq = 2; seq <= last; seq++) {
              for (let attempt = 0; ; attempt++) {
                assert.ok(attempt < 10_000, `delta ${seq} never landed`);
                const r = await s.applyBatch('east', batch('e1', seq, 'delta', [upsert(wireObject('Service', 'a', `d${seq}`, { spec: { seq } }))]), at(seq), MAX);
                if (r.status === 'stored') stored.set(seq, (stored.get(seq) ?? 0) + 1);
                if (r.status === 'stored' || r.status === 'duplicate') break;
                assert.equal(r.status, 'out-of-order');
                assert.ok(r.cursor.seq < seq);
                await new Promise((resolve) => setImmediate(resolve));
              }
            }
          };
          await Promise.all([push(store), push(other)]);
          for (let seq = 2; seq <= last; seq++) assert.equal(stored.get(seq), 1, `delta ${seq} stored ${stored.get(seq) ?? 0} times`);
          assert.deepEqual(await store.cursor('east'), { cluster: 'east', epoch: 'e1', seq: last, snapshotComplete: true });
          assert.equal((await other.getCluster('east'))!.objects, last);
        } finally {
          await other.close();
        }
      });

      withStore('objects stream in key order across many pages from one consistent state', async ({ store }) => {
        await store.createCluster('east', T0);
        const n = 2500;
        const changes: Change[] = [];
        for (let i = 0; i < n; i++) changes.push(upsert(wireObject(i % 2 ? 'networking.istio.io/VirtualService' : 'Service', `ns${i % 7}`, `o${String(i).padStart(5, '0')}`)));
        await store.applyBatch('east', batch('e1', 1, 'snapshot', changes, true), at(1), { maxObjects: 10_000 });
        const seen: StoredObject[] = [];
        let swapped = false;
        for await (const o of store.objects('east')) {
          seen.push(o);
          if (!swapped && seen.length === 10) {
            // A new snapshot lands mid-iteration: the iteration keeps seeing the state it started on.
            swapped = true;
            const r = await store.applyBatch('east', batch('e2', 1, 'snapshot', [upsert(wireObject('Service', 'x', 'only'))], true), at(2), MAX);
            assert.equal(r.status, 'stored');
          }
        }
        assert.equal(seen.length, n);
        const keys = seen.map((o) => [o.key.kind, o.key.namespace, o.key.name].join('\u0000'));
        const sorted = [...keys].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
        assert.deepEqual(keys, sorted);
        assert.deepEqual(await names(store, 'east'), ['only']);
        assert.deepEqual(wireObjectKey(seen[0]!.object), seen[0]!.key);
      });

      withStore('objects(cluster, { kinds }) reads only those kinds, in key order, across pages, from the complete epoch', async ({ store }) => {
        await store.createCluster('east', T0);
        const kinds = ['Secret', 'Service', 'rbac.authorization.k8s.io/Role', 'networking.istio.io/VirtualService', 'ConfigMap'];
        const changes: Change[] = [];
        // More Secrets than one page, so the filtered read pages within a kind too.
        for (let i = 0; i < 5200; i++) changes.push(upsert(wireObject(kinds[i % kinds.length]!, `ns${i % 3}`, `o${String(i).padStart(5, '0')}`)));
        await store.applyBatch('east', batch('e1', 1, 'snapshot', changes, true), at(1), { maxObjects: 10_000 });
        // A staged snapshot of another epoch is not the complete one: never read.
        await store.applyBatch('east', batch('e2', 1, 'snapshot', [upsert(wireObject('Secret', 'ns0', 'staged'))]), at(2), MAX);
        const read = async (ks: Iterable<string>) => {
          const out: StoredObject[] = [];
          for await (const o of store.objects('east', { kinds: ks })) out.push(o);
          return out;
        };
        const everything = await all(store, 'east');
        const wanted = new Set(['Secret', 'rbac.authorization.k8s.io/Role', 'ConfigMap', 'NotStored']);
        // A Set, in no particular order: the result is still in key order, and equals the unfiltered read filtered.
        const some = await read(wanted);
        assert.deepEqual(some, everything.filter((o) => wanted.has(o.key.kind)));
        assert.equal(some.length, 3 * (5200 / 5));
        assert.ok(!some.some((o) => o.key.name === 'staged'));
        assert.deepEqual(await read(['Service', 'Service']), everything.filter((o) => o.key.kind === 'Service'));
        assert.deepEqual(await read([]), []);
        assert.deepEqual(await read(['__proto__']), []);
        const none: StoredObject[] = [];
        for await (const o of store.objects('west', { kinds: ['Secret'] })) none.push(o);
        assert.deepEqual(none, []);
        // The old call, without options, is unchanged.
        assert.equal(everything.length, 5200);
        assert.throws(() => store.objects('east', { kinds: [42 as unknown as string] }), /every kind must be a string/);
        assert.throws(() => store.objects('east', { kinds: Array.from({ length: 501 }, (_, i) => `K${i}`) }), /at most 500 kinds/);
      });

      withStore('object(key) finds the current version only', async ({ store }) => {
        await store.createCluster('east', T0);
        const o = wireObject('networking.istio.io/Gateway', 'ns', 'gw', { spec: { servers: [] } });
        await store.applyBatch('east', batch('e1', 1, 'snapshot', [upsert(o)], true), at(1), MAX);
        await store.applyBatch('east', batch('e2', 1, 'snapshot', [upsert(wireObject('Service', 'ns', 'staged'))]), at(2), MAX);
        const got = await store.object('east', { kind: 'networking.istio.io/Gateway', namespace: 'ns', name: 'gw' });
        assert.deepEqual(got, { key: { kind: 'networking.istio.io/Gateway', namespace: 'ns', name: 'gw' }, object: o, storedAt: at(1).toISOString() });
        assert.equal(await store.object('east', { kind: 'Service', namespace: 'ns', name: 'staged' }), null);
        assert.equal(await store.object('west', { kind: 'Service', namespace: 'ns', name: 'gw' }), null);
      });
    });

    describe('findings', () => {
      withStore('recordAnalysis: an open finding found again stores its new text, rule and namespace; unchanged ones stay as they are', async ({ store }) => {
        await store.createCluster('east', T0);
        await store.recordAnalysis('east', [finding('f1', 'high'), finding('f2', 'low'), finding('f3', 'low')], at(0));
        const moved = { ...finding('f1', 'high', { message: 'a new message', ruleId: 'MW-TEST-002' }), resource: { ...finding('f1', 'high').resource, namespace: 'other' } };
        const reworded = finding('f3', 'low', { message: 'only the text changed' });
        const out = await store.recordAnalysis('east', [moved, finding('f2', 'low'), reworded], at(1000));
        assert.deepEqual(out, { opened: 0, resolved: 0, reopened: 0, open: 3 });
        assert.equal((await store.finding('east', 'f3'))!.message, 'only the text changed');
        const f1 = (await store.finding('east', 'f1'))!;
        assert.equal(f1.message, 'a new message');
        assert.equal(f1.ruleId, 'MW-TEST-002');
        assert.equal(f1.namespace, 'other');
        assert.equal(f1.firstSeenAt, at(0).toISOString());
        const f2 = (await store.finding('east', 'f2'))!;
        assert.equal(f2.message, 'message f2');
        assert.equal(f2.lastSeenAt, at(1000).toISOString()); // seen by the latest analysis, without a rewrite
        // No event for a changed text at the same severity.
        assert.deepEqual((await store.findingEvents('east', 'f1')).map((e) => e.type), ['opened']);
      });

      withStore('recordAnalysis with a scope compares only the scoped rules\' findings, and only while the analysis it builds on is the last recorded', async ({ store }) => {
        await store.createCluster('east', T0);
        const r1 = (fp: string, extra: Partial<FindingInput> = {}) => finding(fp, 'high', { ruleId: 'R1', ...extra });
        const r2 = (fp: string, extra: Partial<FindingInput> = {}) => finding(fp, 'low', { ruleId: 'R2', ...extra });
        await store.recordAnalysis('east', [r1('a1'), r1('a2'), r2('b1'), r2('b2')], at(0));
        // R1 re-ran: a1 reworded, a2 gone, a3 new. R2 did not: its findings are passed as they were, and
        // b1's text here differs from the stored one only to show the store did not compare it.
        let out = await store.recordAnalysis('east', [r1('a1', { message: 'reworded' }), r1('a3'), r2('b1', { message: 'not compared' }), r2('b2')], at(1000), undefined, { since: at(0), rules: ['R1'] });
        assert.deepEqual(out, { opened: 1, resolved: 1, reopened: 0, open: 4 });
        assert.equal((await store.finding('east', 'a1'))!.message, 'reworded');
        assert.equal((await store.finding('east', 'a2'))!.state, 'resolved');
        assert.equal((await store.finding('east', 'b1'))!.message, 'message b1');
        const counts = new Map((await store.findingCounts()).filter((c) => c.cluster === 'east').map((c) => [c.ruleId, c.open]));
        assert.deepEqual(Object.fromEntries(counts), { R1: 2, R2: 2 });
        // A scope built on an analysis that is no longer the last recorded one (another replica wrote
        // meanwhile, or a write failed) is ignored: every finding is compared, so b2 resolves and b1 is rewritten.
        out = await store.recordAnalysis('east', [r1('a1', { message: 'reworded' }), r1('a3'), r2('b1', { message: 'now compared' })], at(2000), undefined, { since: at(0), rules: ['R1'] });
        assert.deepEqual(out, { opened: 0, resolved: 1, reopened: 0, open: 3 });
        assert.equal((await store.finding('east', 'b2'))!.state, 'resolved');
        assert.equal((await store.finding('east', 'b1'))!.message, 'now compared');
        // A scope on the right analysis that names no rule writes nothing but the analysis time.
        out = await store.recordAnalysis('east', [r1('a1'), r1('a3'), r2('b1')], at(3000), undefined, { since: at(2000), rules: [] });
        assert.deepEqual(out, { opened: 0, resolved: 0, reopened: 0, open: 3 });
        assert.equal((await store.finding('east', 'a1'))!.message, 'reworded');
        assert.equal((await store.finding('east', 'a1'))!.lastSeenAt, at(3000).toISOString());
        await assert.rejects(store.recordAnalysis('east', [], at(4000), undefined, { since: new Date(NaN), rules: [] }), StoreInputError);
        await assert.rejects(store.recordAnalysis('east', [], at(4000), undefined, { since: at(3000), rules: [7 as unknown as string] }), StoreInputError);
      });

      withStore('recordAnalysis: open, severity change, resolve, reopen, with events', async ({ store }) => {
        let out = await store.recordAnalysis('east', [finding('f1', 'high'), finding('f2', 'low')], at(0));
        assert.deepEqual(out, { opened: 2, resolved: 0, reopened: 0, open: 2 });
        out = await store.recordAnalysis('east', [finding('f1', 'critical'), finding('f2', 'low')], at(1000));
        assert.deepEqual(out, { opened: 0, resolved: 0, reopened: 0, open: 2 });
        out = await store.recordAnalysis('east', [finding('f1', 'critical')], at(2000));
        assert.deepEqual(out, { opened: 0, resolved: 1, reopened: 0, open: 1 });
        const f2 = (await store.finding('east', 'f2'))!;
        assert.equal(f2.state, 'resolved');
        assert.equal(f2.resolvedAt, at(2000).toISOString());
        out = await store.recordAnalysis('east', [finding('f1', 'critical'), finding('f2', 'medium')], at(3000));
        assert.deepEqual(out, { opened: 0, resolved: 0, reopened: 1, open: 2 });
        const f2b = (await store.finding('east', 'f2'))!;
        assert.equal(f2b.state, 'open');
        assert.equal(f2b.resolvedAt, null);
        assert.equal(f2b.reopened, 1);
        assert.equal(f2b.severity, 'medium');
        assert.equal(f2b.firstSeenAt, at(0).toISOString());
        assert.equal(f2b.lastSeenAt, at(3000).toISOString());
        const f1 = (await store.finding('east', 'f1'))!;
        assert.equal(f1.severity, 'critical');
        assert.equal(f1.cluster, 'east');
        assert.equal(f1.namespace, 'ns');
        assert.deepEqual(f1.resource, finding('f1', 'critical').resource);
        assert.deepEqual(f1.evidence, finding('f1', 'critical').evidence);
        assert.deepEqual((await store.findingEvents('east', 'f1')).map((e) => [e.type, e.severity, e.at]), [
          ['opened', 'high', at(0).toISOString()],
          ['severity-changed', 'critical', at(1000).toISOString()],
        ]);
        assert.deepEqual((await store.findingEvents('east', 'f2')).map((e) => [e.type, e.severity]), [
          ['opened', 'low'],
          ['resolved', 'low'],
          ['reopened', 'medium'],
        ]);
        assert.equal((await store.findingEvents('east', 'f2'))[0]!.ruleId, 'MW-TEST-001');
        // Another cluster, and the fleet, are separate.
        await store.recordAnalysis(FLEET_CLUSTER, [finding('f1', 'info')], at(4000));
        assert.equal((await store.finding('east', 'f1'))!.severity, 'critical');
        assert.equal((await store.finding(FLEET_CLUSTER, 'f1'))!.severity, 'info');
        // An empty analysis resolves everything.
        out = await store.recordAnalysis('east', [], at(5000));
        assert.deepEqual(out, { opened: 0, resolved: 2, reopened: 0, open: 0 });
        assert.equal(await store.finding('east', 'nope'), null);
        assert.deepEqual(await store.findingEvents('east', 'nope'), []);
      });

      withStore('concurrent analyses of one cluster on two replicas leave one consistent result', async ({ store, replica }) => {
        const other = await replica();
        try {
          const runs = Array.from({ length: 8 }, (_, i) => Array.from({ length: 20 }, (_, j) => finding(`fp-${(i + j) % 30}`, SEVERITIES[(i + j) % 5]!)));
          await Promise.all(runs.map((fs, i) => (i % 2 ? other : store).recordAnalysis('east', fs, at(i))));
          const open = (await store.findings({ cluster: ['east'], limit: 1000 })).items;
          assert.equal(open.length, 20, 'exactly one analysis\'s findings are open');
          const events = (await Promise.all(Array.from({ length: 30 }, (_, k) => store.findingEvents('east', `fp-${k}`)))).flat();
          // Every open finding's last event opens it; every other finding's last event (if any) resolves it.
          for (let k = 0; k < 30; k++) {
            const fp = `fp-${k}`;
            const mine = events.filter((e) => e.fingerprint === fp);
            const isOpen = open.some((f) => f.fingerprint === fp);
            if (isOpen) assert.notEqual(mine[mine.length - 1]?.type, 'resolved', fp);
            else if (mine.length) assert.equal(mine[mine.length - 1]!.type, 'resolved', fp);
          }
        } finally {
          await other.close();
        }
      });

      withStore('findings: filters, and cursor pages that are stable across ties', async ({ store }) => {
        const sevs: Severity[] = ['high', 'high', 'high', 'medium', 'critical', 'low', 'info'];
        for (const cluster of ['b-east', 'a-west']) {
          const fs: FindingInput[] = [];
          for (let i = 0; i < 60; i++) {
            fs.push(finding(`fp-${String(i).padStart(3, '0')}`, sevs[i % sevs.length]!, {
              ruleId: `MW-R-00${i % 3}`,
              resource: { cluster, apiVersion: 'v1', kind: 'Service', namespace: i % 2 ? 'odd' : 'even', name: `s${i}` },
            }));
          }
          await store.recordAnalysis(cluster, fs, at(0));
        }
        await store.recordAnalysis('b-east', (await store.findings({ cluster: ['b-east'], limit: 1000 })).items.filter((f) => f.fingerprint !== 'fp-000'), at(10));
        const everything = (await store.findings({ limit: 1000 })).items;
        assert.equal(everything.length, 119);
        assert.deepEqual(everything, [...everything].sort(cmp));
        assert.equal(everything[0]!.severity, 'critical');
        // Pages of 7: many boundaries fall inside a run of equal severity.
        for (const limit of [1, 7, 50]) {
          const paged: FindingRecord[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const p = await store.findings({ limit, cursor });
            assert.ok(p.items.length <= limit);
            paged.push(...p.items);
            cursor = p.next ?? undefined;
            pages++;
            assert.ok(pages < 500);
          } while (cursor);
          assert.deepEqual(paged.map((f) => `${f.cluster}/${f.fingerprint}`), everything.map((f) => `${f.cluster}/${f.fingerprint}`), `limit ${limit}`);
        }
        const lastPage = await store.findings({ limit: 119 });
        assert.equal(lastPage.next, null);
        // A new finding inserted between pages does not shift or repeat what was already read.
        const p1 = await store.findings({ limit: 10 });
        await store.recordAnalysis('0-first', [finding('zzz', 'critical')], at(20));
        const p2 = await store.findings({ limit: 10, cursor: p1.next! });
        assert.ok(cmp(p1.items[9]!, p2.items[0]!) < 0);
        assert.ok(!p2.items.some((f) => f.cluster === '0-first'));

        const only = async (q: Parameters<Store['findings']>[0]) => (await store.findings({ limit: 1000, ...q })).items;
        assert.ok((await only({ cluster: ['a-west'] })).every((f) => f.cluster === 'a-west'));
        assert.equal((await only({ cluster: ['a-west'] })).length, 60);
        assert.equal((await only({ namespace: ['odd'], cluster: ['a-west'] })).length, 30);
        assert.ok((await only({ severity: ['high', 'critical'] })).every((f) => f.severity === 'high' || f.severity === 'critical'));
        assert.equal((await only({ severity: ['critical'], cluster: ['a-west'] })).length, 8); // i % 7 === 4 below 60
        // By i % 7 below 60: high 27 (0, 1, 2), medium 9 (3), critical 8, low 8, info 8.
        assert.equal((await only({ severity: ['critical', 'high'], cluster: ['a-west'] })).length, 8 + 27);
        assert.equal((await only({ severity: ['low', 'critical'], cluster: ['a-west'] })).length, 8 + 8);
        assert.ok((await only({ severity: ['low', 'critical'] })).every((f) => f.severity === 'low' || f.severity === 'critical'));
        assert.equal((await only({ severity: ['info', 'medium', 'low'], cluster: ['a-west'] })).length, 8 + 9 + 8);
        assert.deepEqual(await only({ severity: [] }), []);
        assert.equal((await only({ ruleId: ['MW-R-001'], cluster: ['a-west'] })).length, 20);
        assert.deepEqual((await only({ state: ['resolved'] })).map((f) => f.fingerprint), ['fp-000']);
        assert.equal((await only({ state: ['open', 'resolved'] })).length, 121);
        assert.deepEqual(await only({ cluster: [] }), []);
        assert.deepEqual(await only({ cluster: ['nope'] }), []);
        await assert.rejects(store.findings({ cursor: 'not-a-cursor' }), StoreInputError);
        await assert.rejects(store.findings({ cursor: Buffer.from('{"__proto__":1}').toString('base64url') }), StoreInputError);
        await assert.rejects(store.findings({ limit: 0 }), StoreInputError);
        await assert.rejects(store.findings({ limit: 1001 }), StoreInputError);
        await assert.rejects(store.findings({ severity: ['worst' as Severity] }), StoreInputError);
        assert.equal((await store.findings({})).items.length, 100);
      });

      withStore('findingCounts: open findings by cluster, severity and rule', async ({ store }) => {
        await store.recordAnalysis('east', [finding('a', 'high', { ruleId: 'R1' }), finding('b', 'high', { ruleId: 'R1' }), finding('c', 'low', { ruleId: 'R2' })], at(0));
        await store.recordAnalysis('west', [finding('a', 'high', { ruleId: 'R1' })], at(0));
        await store.recordAnalysis('west', [], at(1));
        assert.deepEqual(await store.findingCounts(), [
          { cluster: 'east', severity: 'high', ruleId: 'R1', open: 2 },
          { cluster: 'east', severity: 'low', ruleId: 'R2', open: 1 },
        ]);
      });

      withStore('trend: open findings at the end of each UTC day, carried across days without analysis', async ({ store }) => {
        const d0 = new Date('2026-03-01T08:00:00Z');
        await store.recordAnalysis('east', [finding('a', 'high'), finding('b', 'low')], d0);
        await store.recordAnalysis('east', [finding('a', 'high'), finding('b', 'low'), finding('c', 'critical')], new Date(d0.getTime() + 3600_000));
        await store.recordAnalysis('west', [finding('w', 'medium')], new Date(d0.getTime() + DAY));
        await store.recordAnalysis('east', [finding('c', 'critical')], new Date(d0.getTime() + 3 * DAY));
        const points = await store.trend({ days: 5, until: new Date('2026-03-05T23:00:00Z') });
        assert.deepEqual(points.map((p) => p.day), ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05']);
        assert.deepEqual(points.map((p) => p.open), [
          { critical: 1, high: 1, medium: 0, low: 1, info: 0 },
          { critical: 1, high: 1, medium: 1, low: 1, info: 0 },
          { critical: 1, high: 1, medium: 1, low: 1, info: 0 },
          { critical: 1, high: 0, medium: 1, low: 0, info: 0 },
          { critical: 1, high: 0, medium: 1, low: 0, info: 0 },
        ]);
        const east = await store.trend({ cluster: 'east', days: 2, until: new Date('2026-03-03T00:00:00Z') });
        assert.deepEqual(east, [
          { day: '2026-03-02', open: { critical: 1, high: 1, medium: 0, low: 1, info: 0 } },
          { day: '2026-03-03', open: { critical: 1, high: 1, medium: 0, low: 1, info: 0 } },
        ]);
        assert.equal((await store.trend({ until: new Date('2026-03-05T00:00:00Z') })).length, 30);
        await assert.rejects(store.trend({ days: 367 }), StoreInputError);
        await assert.rejects(store.trend({ days: 0 }), StoreInputError);
      });

      withStore('prune: old resolved findings with their events, and old events, go; open ones stay', async ({ store }) => {
        await store.recordAnalysis('east', [finding('old', 'high'), finding('keep', 'high'), finding('recent', 'low')], at(0));
        await store.recordAnalysis('east', [finding('keep', 'high'), finding('recent', 'low')], at(10 * DAY));
        await store.recordAnalysis('east', [finding('keep', 'high')], at(20 * DAY));
        const n = await store.prune({ resolvedBefore: at(15 * DAY), eventsBefore: at(5 * DAY) });
        // 'old': its row and 2 events; 'keep' and 'recent': their opened events (older than 5 days).
        assert.equal(n, 5);
        assert.equal(await store.finding('east', 'old'), null);
        assert.deepEqual(await store.findingEvents('east', 'old'), []);
        assert.equal((await store.finding('east', 'keep'))!.state, 'open');
        assert.equal((await store.finding('east', 'recent'))!.state, 'resolved');
        assert.deepEqual((await store.findingEvents('east', 'recent')).map((e) => e.type), ['resolved']);
        assert.equal(await store.prune({ resolvedBefore: at(15 * DAY), eventsBefore: at(5 * DAY) }), 0);
      });
    });

    describe('suppressions', () => {
      withStore('added, listed while active, expire, and revoke once', async ({ store }) => {
        const s1 = await store.addSuppression({ fingerprint: 'fp1', ruleId: null, cluster: 'east', namespace: null, reason: 'accepted risk', createdBy: 'alice', expiresAt: at(DAY).toISOString() }, at(0));
        assert.equal(typeof s1.id, 'string');
        assert.equal(s1.createdAt, at(0).toISOString());
        assert.equal(s1.expiresAt, at(DAY).toISOString());
        assert.equal(s1.revokedAt, null);
        const s2 = await store.addSuppression({ fingerprint: null, ruleId: 'MW-X-001', cluster: null, namespace: 'ns', reason: 'r', createdBy: 'bob', expiresAt: at(2 * DAY).toISOString() }, at(1));
        assert.notEqual(s1.id, s2.id);
        assert.deepEqual((await store.listSuppressions(at(10))).map((s) => s.id), [s1.id, s2.id]);
        assert.deepEqual((await store.listSuppressions(at(DAY))).map((s) => s.id), [s2.id], 'expiry is exclusive');
        assert.equal(await store.revokeSuppression(s2.id, 'carol', at(20)), true);
        assert.equal(await store.revokeSuppression(s2.id, 'carol', at(21)), false);
        assert.equal(await store.revokeSuppression('unknown', 'carol', at(21)), false);
        assert.deepEqual((await store.listSuppressions(at(30))).map((s) => s.id), [s1.id]);
        const everything = await store.listSuppressions(at(30), true);
        assert.equal(everything.length, 2);
        const revoked = everything.find((s) => s.id === s2.id)!;
        assert.equal(revoked.revokedBy, 'carol');
        assert.equal(revoked.revokedAt, at(20).toISOString());
        assert.deepEqual({ ...revoked, id: 'x' }, { id: 'x', fingerprint: null, ruleId: 'MW-X-001', cluster: null, namespace: 'ns', reason: 'r', createdBy: 'bob', createdAt: at(1).toISOString(), expiresAt: at(2 * DAY).toISOString(), revokedAt: at(20).toISOString(), revokedBy: 'carol' });
      });
    });

    withStore('hostile values are stored and returned unchanged', async ({ store }) => {
      const H = HUGE_STRING;
      for (const [i, h] of HOSTILE_STRINGS.entries()) {
        const cluster = h;
        await store.createCluster(cluster, T0);
        assert.equal((await store.getCluster(cluster))?.name, cluster);
        await store.addBootstrapToken(cluster, `hash:${h}`, at(DAY));
        assert.equal(await store.consumeBootstrapToken(`hash:${h}`, at(1)), cluster);
        await store.recordCertificate({ cluster, serial: `serial-${i}-${h}`, issuedAt: at(0).toISOString(), notAfter: at(DAY).toISOString() });
        assert.deepEqual((await store.listCertificates(cluster)).map((c) => c.serial), [`serial-${i}-${h}`]);
        await store.touchCluster(cluster, at(1), h + H, 0);
        assert.equal((await store.getCluster(cluster))?.agentVersion, h + H);
        const nested = JSON.parse(JSON.stringify({ p: h, c: H }).replace('"p"', '"__proto__"').replace('"c"', '"constructor"')) as unknown;
        const o = wireObject(`${h}/${h}`, h, h, { spec: { [h]: h, nested }, data: H });
        const kinds = [{ kind: h, served: true, synced: false, objects: 1, error: H }];
        const epoch = h + H;
        const r = await store.applyBatch(cluster, batch(epoch, 1, 'snapshot', [upsert(o)], true, { kinds }), at(2), MAX);
        assert.deepEqual(r.cursor, { cluster, epoch, seq: 1, snapshotComplete: true } satisfies Cursor);
        assert.equal((await store.applyBatch(cluster, batch(epoch, 1, 'snapshot', [upsert(o)], true), at(2), MAX)).status, 'duplicate');
        const got = await all(store, cluster);
        assert.equal(got.length, 1);
        assert.deepEqual(got[0]!.object, JSON.parse(JSON.stringify(o)));
        assert.ok(Object.hasOwn((got[0]!.object.obj['spec'] as Record<string, Record<string, unknown>>)['nested']!, '__proto__'));
        assert.deepEqual(got[0]!.key, wireObjectKey(o));
        assert.deepEqual((await store.object(cluster, wireObjectKey(o)))?.object, JSON.parse(JSON.stringify(o)));
        assert.deepEqual((await store.getCluster(cluster))?.kinds, kinds);
        const f = finding(h, 'high', { ruleId: h, title: h + H, message: H, remediation: h, resource: { cluster, apiVersion: h, kind: h, namespace: h, name: H } });
        await store.recordAnalysis(cluster, [f], at(3));
        const rec = (await store.finding(cluster, h))!;
        assert.deepEqual({ ...f }, {
          fingerprint: rec.fingerprint, ruleId: rec.ruleId, severity: rec.severity, title: rec.title, message: rec.message,
          remediation: rec.remediation, resource: rec.resource, location: rec.location, evidence: rec.evidence,
        });
        assert.equal(rec.namespace, h);
        assert.deepEqual((await store.findingEvents(cluster, h)).map((e) => [e.cluster, e.fingerprint, e.ruleId]), [[cluster, h, h]]);
        const filtered = await store.findings({ cluster: [cluster], namespace: [h], ruleId: [h] });
        assert.deepEqual(filtered.items.map((x) => x.fingerprint), [h]);
        assert.ok((await store.findingCounts()).some((c) => c.cluster === cluster && c.ruleId === h));
        const s = await store.addSuppression({ fingerprint: h, ruleId: h, cluster: h, namespace: h, reason: h + H, createdBy: h, expiresAt: at(DAY).toISOString() }, at(4));
        const listed = (await store.listSuppressions(at(5))).find((x) => x.id === s.id)!;
        assert.deepEqual([listed.fingerprint, listed.ruleId, listed.cluster, listed.namespace, listed.reason, listed.createdBy], [h, h, h, h, h + H, h]);
        assert.equal(await store.revokeSuppression(s.id, h, at(6)), true);
        assert.equal((await store.listSuppressions(at(7), true)).find((x) => x.id === s.id)?.revokedBy, h);
      }
      assert.deepEqual((await store.listClusters()).map((c) => c.name).sort(), [...HOSTILE_STRINGS].sort());
      // Pagination across hostile cluster names still visits each once.
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const p = await store.findings({ limit: 2, cursor });
        seen.push(...p.items.map((f) => f.cluster));
        cursor = p.next ?? undefined;
      } while (cursor);
      assert.deepEqual([...seen].sort(), [...HOSTILE_STRINGS].sort());
    });

    withStore('keys longer than MAX_KEY_BYTES are refused, whole batches with them', async ({ store }) => {
      const long = 'k'.repeat(MAX_KEY_BYTES + 1);
      const wide = 'é'.repeat(MAX_KEY_BYTES / 2 + 1); // within the characters, over the bytes
      await assert.rejects(store.createCluster(long, T0), StoreInputError);
      await assert.rejects(store.createCluster(wide, T0), StoreInputError);
      const fine = 'k'.repeat(MAX_KEY_BYTES);
      await store.createCluster(fine, T0);
      await assert.rejects(store.addBootstrapToken(fine, long, at(DAY)), StoreInputError);
      await assert.rejects(store.recordCertificate({ cluster: fine, serial: long, issuedAt: at(0).toISOString(), notAfter: at(DAY).toISOString() }), StoreInputError);
      await assert.rejects(
        store.applyBatch(fine, batch('e1', 1, 'snapshot', [upsert(wireObject('Service', 'ns', 'ok')), upsert(wireObject('Service', 'ns', long))], true), at(1), MAX),
        StoreInputError,
      );
      await assert.rejects(
        store.applyBatch(fine, batch('e1', 1, 'snapshot', [{ op: 'delete', key: { kind: 'Service', namespace: long, name: 'x' } }], true), at(1), MAX),
        StoreInputError,
      );
      assert.deepEqual(await store.cursor(fine), { cluster: fine, epoch: null, seq: 0, snapshotComplete: false });
      await assert.rejects(store.recordAnalysis(fine, [finding(long, 'high')], at(1)), StoreInputError);
      await assert.rejects(store.recordAnalysis(fine, [finding('ok', 'high', { ruleId: long })], at(1)), StoreInputError);
      await assert.rejects(store.recordAnalysis(fine, [finding('ok', 'worst' as Severity)], at(1)), StoreInputError);
      assert.equal(await store.finding(fine, 'ok'), null);
      await store.applyBatch(fine, batch('e1', 1, 'snapshot', [upsert(wireObject('Service', fine.slice(0, 63), fine))], true), at(1), MAX);
      assert.equal((await store.getCluster(fine))?.objects, 1);
    });

    withStore('durability: every batch acknowledged before a SIGKILL is there after reopening', async ({ store, spec, replica }) => {
      await store.createCluster('crash', T0);
      const child = spawn(process.execPath, [fileURLToPath(new URL('./durability-child.js', import.meta.url)), JSON.stringify(spec), 'crash'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let acked = 0;
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const killedAt = await new Promise<number>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            const m = /^ack (\d+)$/.exec(line);
            if (m) acked = Math.max(acked, Number(m[1]));
            if (acked >= 40 && child.exitCode === null && !child.killed) {
              child.kill('SIGKILL');
              resolve(acked);
            }
          }
        });
        child.on('exit', (code, signal) => {
          if (signal !== 'SIGKILL') reject(new Error(`durability child exited early (code ${code}, signal ${signal}): ${stderr}`));
        });
      });
      await new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
      // A fresh Store, as a restarted server would open it.
      const reopened = await replica();
      try {
        const cur = await reopened.cursor('crash');
        assert.ok(cur.seq >= killedAt, `cursor ${cur.seq} is behind the last acknowledged batch ${killedAt}`);
        const have = new Set((await all(reopened, 'crash')).map((o) => o.key.name));
        for (let seq = 2; seq <= killedAt; seq++) assert.ok(have.has(`delta-${seq}`), `acknowledged delta ${seq} lost`);
        assert.ok(have.has('snap-0'));
      } finally {
        await reopened.close();
      }
    });
  });
}
