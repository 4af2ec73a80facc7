/**
 * An in-memory Store with the ingest half of the contract (cursor, applyBatch, objects, clusters),
 * for agent and ingest tests that do not need durability. The kill -9 test uses the SQLite store.
 * Semantics as src/store/types.ts says: snapshot parts staged, the `last` part swaps the cluster's
 * objects, deltas only after a complete snapshot, duplicates and gaps recognised, nothing changed on
 * refusal.
 */
import { objectKeyString, type Cursor, type ObjectKey, type WireKindStatus, type WireObject } from '../relay/protocol.js';
import { wireObjectKey } from '../store/common.js';
import type { BatchOutcome, ClusterRecord, Store, StoreBatch, StoredObject } from '../store/types.js';

interface ClusterState {
  record: ClusterRecord;
  objects: Map<string, StoredObject>;
  staging: Map<string, StoredObject> | null;
}

export class MemoryIngestStore implements Partial<Store> {
  readonly engine = 'sqlite' as const;
  private readonly clusters = new Map<string, ClusterState>();
  /** Every batch stored (not duplicates), for assertions. */
  readonly applied: Array<{ cluster: string; epoch: string; seq: number; type: string; changes: number }> = [];

  private state(name: string): ClusterState {
    let s = this.clusters.get(name);
    if (!s) {
      const record: ClusterRecord = { name, createdAt: new Date().toISOString(), revokedAt: null, agentVersion: null, lastSeenAt: null, clockSkewMs: null, cursor: { cluster: name, epoch: null, seq: 0, snapshotComplete: false }, objects: 0, kinds: [], lastIngestAt: null, lastAnalysisAt: null, analysisBacklog: 0 };
      s = { record, objects: new Map(), staging: null };
      this.clusters.set(name, s);
    }
    return s;
  }

  async createCluster(name: string, _at: Date): Promise<ClusterRecord> {
    return this.state(name).record;
  }

  async getCluster(name: string): Promise<ClusterRecord | null> {
    const s = this.clusters.get(name);
    return s ? { ...s.record, objects: s.objects.size } : null;
  }

  async touchCluster(name: string, at: Date, agentVersion: string, clockSkewMs: number | null): Promise<void> {
    const r = this.state(name).record;
    r.lastSeenAt = at.toISOString();
    r.agentVersion = agentVersion;
    if (clockSkewMs !== null) r.clockSkewMs = clockSkewMs;
  }

  async cursor(cluster: string): Promise<Cursor> {
    return { ...this.state(cluster).record.cursor };
  }

  async applyBatch(cluster: string, b: StoreBatch, at: Date, opts: { maxObjects: number }): Promise<BatchOutcome> {
    const s = this.state(cluster);
    const c = s.record.cursor;
    if (b.epoch === c.epoch && b.seq <= c.seq) return { status: 'duplicate', cursor: { ...c } };
    let target: Map<string, StoredObject>;
    if (b.type === 'snapshot' && b.seq === 1 && b.epoch !== c.epoch) target = new Map();
    else if (b.epoch === c.epoch && b.seq === c.seq + 1 && b.type === 'snapshot' && !c.snapshotComplete && s.staging) target = new Map(s.staging);
    else if (b.epoch === c.epoch && b.seq === c.seq + 1 && b.type === 'delta' && c.snapshotComplete) target = new Map(s.objects);
    else return { status: 'out-of-order', cursor: { ...c } };
    for (const ch of b.changes) {
      if (ch.op === 'delete') target.delete(objectKeyString(ch.key));
      else if (ch.op === 'upsert-json') {
        // The server's decoder serialized it as the real stores keep it: kept here as they read it back.
        target.set(objectKeyString(ch.key), { key: { ...ch.key }, object: JSON.parse(ch.body) as WireObject, storedAt: at.toISOString() });
      } else {
        const key: ObjectKey = wireObjectKey(ch.object);
        target.set(objectKeyString(key), { key, object: structuredClone(ch.object), storedAt: at.toISOString() });
      }
    }
    if (target.size > opts.maxObjects) return { status: 'too-many-objects', cursor: { ...c } };
    const complete = b.type === 'delta' || b.last === true;
    if (b.type === 'snapshot' && !b.last) s.staging = target;
    else {
      s.objects = target;
      s.staging = null;
    }
    s.record.cursor = { cluster, epoch: b.epoch, seq: b.seq, snapshotComplete: complete };
    if (b.kinds) s.record.kinds = b.kinds as WireKindStatus[];
    s.record.lastIngestAt = at.toISOString();
    this.applied.push({ cluster, epoch: b.epoch, seq: b.seq, type: b.type, changes: b.changes.length });
    return { status: 'stored', cursor: { ...s.record.cursor } };
  }

  async *objects(cluster: string): AsyncIterable<StoredObject> {
    const s = this.clusters.get(cluster);
    if (!s) return;
    for (const k of [...s.objects.keys()].sort()) yield s.objects.get(k)!;
  }

  async object(cluster: string, key: ObjectKey): Promise<StoredObject | null> {
    return this.clusters.get(cluster)?.objects.get(objectKeyString(key)) ?? null;
  }

  /** Synchronous view for assertions: key string → stored object. */
  snapshotOf(cluster: string): Map<string, StoredObject> {
    return new Map(this.clusters.get(cluster)?.objects ?? []);
  }

  async close(): Promise<void> {}
}
