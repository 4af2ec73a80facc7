/**
 * The fleet pass's own slot and its kept inputs (src/server/analysis.ts): it reads only FLEET_KINDS
 * (filtered by the store), re-reads only clusters whose fleet slice may have changed, records the same
 * findings as a pass from scratch, and never waits behind a cluster's analysis.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { openStore } from '../store/index.js';
import { FLEET_CLUSTER, type ObjectsOptions, type Store } from '../store/types.js';
import type { Change } from '../relay/protocol.js';
import { blastRadius } from '../multicluster/blast-radius.js';
import { MeshModel } from '../model/model.js';
import { exampleObjects, EXAMPLES_DIR } from '../ui/seed.js';
import { upsert, wire } from './testing-kit.js';
import { Analysis, analyseStoredFleet, FleetChangeLog, FleetInputs, FLEET_KINDS, fleetFindings, loadResources, type ClusterAnalysisWorker, type FleetRunResult } from './analysis.js';

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
const at = new Date('2026-06-01T00:00:00Z');

/** The store, counting objects() calls and the kinds each asked for. */
function counting(store: Store): { store: Store; reads: Array<{ cluster: string; kinds: string[] | null }> } {
  const reads: Array<{ cluster: string; kinds: string[] | null }> = [];
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'objects') {
        return (cluster: string, opts?: ObjectsOptions) => {
          reads.push({ cluster, kinds: opts?.kinds ? [...opts.kinds].sort() : null });
          return target.objects(cluster, opts);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { store: proxy, reads };
}

/** The fleet findings a pass from scratch would record (every cluster read again, nothing kept). */
async function scratch(store: Store): Promise<string[]> {
  const inputs = [];
  for (const c of await store.listClusters()) {
    if (c.name === FLEET_CLUSTER || c.revokedAt || !c.cursor.snapshotComplete) continue;
    inputs.push({ name: c.name, model: new MeshModel(await loadResources(store, c.name, FLEET_KINDS)), files: [] });
  }
  return fleetFindings(blastRadius(inputs)).map((f) => `${f.ruleId} ${f.fingerprint} ${f.message}`).sort();
}

async function recorded(store: Store): Promise<string[]> {
  const page = await store.findings({ cluster: [FLEET_CLUSTER], state: ['open'], limit: 1000 });
  return page.items.map((f) => `${f.ruleId} ${f.fingerprint} ${f.message}`).sort();
}

async function withExamples(fn: (store: Store, seqs: Map<string, number>) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'meshward-fleet-'));
  const store = await openStore({ engine: 'sqlite', dataDir: dir });
  try {
    const seqs = new Map<string, number>();
    for (const c of ['east', 'north', 'west']) {
      await store.createCluster(c, at);
      const objects = exampleObjects(path.join(EXAMPLES_DIR, 'multicluster', c));
      // Plenty of objects the fleet pass has no use for: it must not read them.
      for (let i = 0; i < 50; i++) objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: 'shop' }, spec: { ports: [{ port: 80 }] } });
      const r = await store.applyBatch(c, { v: 1, cluster: c, agentVersion: 't', epoch: 'e1', seq: 1, type: 'snapshot', last: true, sentAt: at.toISOString(), changes: objects.map((o) => upsert(o, !CLUSTER_SCOPED.has(String(o.kind)))) }, at, { maxObjects: 10_000 });
      assert.equal(r.status, 'stored');
      seqs.set(c, 1);
    }
    await fn(store, seqs);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('FleetChangeLog: only deltas touching FLEET_KINDS, snapshots, unlisted keys and gaps mark a cluster', () => {
  const log = new FleetChangeLog();
  const key = (kind: string) => ({ kind, namespace: 'ns', name: 'x' });
  assert.equal(log.note('a', { epoch: 'e', seq: 1, type: 'snapshot' }), true);
  assert.equal(log.snapshot().has('a'), false, 'a snapshot leaves nothing heard: the slice must match the cursor exactly');
  // The first delta heard: what came before is unknown, so it marks.
  assert.equal(log.note('a', { epoch: 'e', seq: 2, type: 'delta', keys: [key('Service')] }), true);
  assert.equal(log.note('a', { epoch: 'e', seq: 3, type: 'delta', keys: [key('Service'), key('apps/Deployment')] }), false);
  assert.deepEqual(log.snapshot().get('a'), { epoch: 'e', seq: 3, fleetSeq: 2 });
  assert.equal(log.note('a', { epoch: 'e', seq: 4, type: 'delta', keys: [key('Service'), key('Secret')] }), true);
  assert.equal(log.note('a', { epoch: 'e', seq: 5, type: 'delta', keys: [key('rbac.authorization.k8s.io/ClusterRoleBinding')] }), true);
  assert.deepEqual(log.snapshot().get('a'), { epoch: 'e', seq: 5, fleetSeq: 5 });
  // A gap (seq 6 stored elsewhere): marked at 7.
  assert.equal(log.note('a', { epoch: 'e', seq: 7, type: 'delta', keys: [key('Service')] }), true);
  assert.deepEqual(log.snapshot().get('a'), { epoch: 'e', seq: 7, fleetSeq: 7 });
  // Keys too many to list: unknown.
  assert.equal(log.note('a', { epoch: 'e', seq: 8, type: 'delta' }), true);
  assert.equal(log.snapshot().has('a'), false);
  // The copy is a copy.
  log.note('b', { epoch: 'e', seq: 2, type: 'delta', keys: [key('Service')] });
  const snap = log.snapshot();
  snap.get('b')!.fleetSeq = 99;
  assert.equal(log.snapshot().get('b')!.fleetSeq, 2);
});

test('fleet pass: reads only FLEET_KINDS, re-reads only changed slices, and records what a pass from scratch records', async () => {
  await withExamples(async (base, seqs) => {
    const { store, reads } = counting(base);
    const kept = new FleetInputs();
    const log = new FleetChangeLog();
    for (const c of seqs.keys()) log.note(c, { epoch: 'e1', seq: 1, type: 'snapshot' });
    const pass = async (): Promise<FleetRunResult> => {
      reads.length = 0;
      return analyseStoredFleet(store, at, { inputs: kept, heard: log.snapshot() });
    };
    const delta = async (cluster: string, changes: Change[], heard = true) => {
      const seq = seqs.get(cluster)! + 1;
      seqs.set(cluster, seq);
      const r = await base.applyBatch(cluster, { v: 1, cluster, agentVersion: 't', epoch: 'e1', seq, type: 'delta', sentAt: at.toISOString(), changes }, at, { maxObjects: 10_000 });
      assert.equal(r.status, 'stored');
      const keys = changes.map((c) => (c.op === 'delete' ? c.key : { kind: c.object.apiVersion.includes('/') ? `${c.object.apiVersion.split('/')[0]}/${c.object.kind}` : c.object.kind, namespace: String((c.object.obj.metadata as any)?.namespace ?? ''), name: String((c.object.obj.metadata as any)?.name) }));
      if (heard) return log.note(cluster, { epoch: 'e1', seq, type: 'delta', keys });
      return null;
    };

    const first = await pass();
    assert.equal(first.reloaded, 3);
    assert.equal(first.unchanged, false);
    assert.ok(first.outcome.opened >= 2, `blast radius and trust findings opened (${first.outcome.opened})`);
    assert.deepEqual(reads.map((r) => r.cluster).sort(), ['east', 'north', 'west']);
    for (const r of reads) assert.deepEqual(r.kinds, [...FLEET_KINDS].sort(), 'the store is asked for the fleet kinds only');
    assert.deepEqual(await recorded(base), await scratch(base));
    const before = await recorded(base);

    // A Service changes in east: not a fleet kind. Nothing is read, nothing recorded.
    assert.equal(await delta('east', [upsert({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-1', namespace: 'shop', labels: { v: '2' } }, spec: { ports: [{ port: 81 }] } })]), true, 'the first delta heard of a cluster marks it');
    await pass();
    assert.deepEqual(reads.map((r) => r.cluster), ['east'], 'the first heard delta re-reads its cluster once');
    assert.equal(await delta('east', [upsert({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-2', namespace: 'shop', labels: { v: '2' } }, spec: { ports: [{ port: 81 }] } })]), false);
    const quiet = await pass();
    assert.equal(reads.length, 0, 'a non-fleet change reads nothing');
    assert.equal(quiet.unchanged, true);
    assert.equal(quiet.reloaded, 0);
    assert.deepEqual(await recorded(base), before);

    // west's remote secret for east goes: west's slice is read again (only west's), and the reach west -> east resolves.
    await delta('west', [upsert({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-1', namespace: 'shop' }, spec: { ports: [{ port: 82 }] } })]);
    await pass();
    assert.equal(await delta('west', [{ op: 'delete', key: { kind: 'Secret', namespace: 'istio-system', name: 'istio-remote-secret-east' } }]), true);
    const afterDelete = await pass();
    assert.deepEqual(reads.map((r) => r.cluster), ['west']);
    assert.equal(afterDelete.reloaded, 1);
    assert.ok(afterDelete.outcome.resolved >= 1, 'the reach through the deleted secret resolved');
    assert.deepEqual(await recorded(base), await scratch(base));
    assert.notDeepEqual(await recorded(base), before);

    // A batch this process never heard of (another replica stored it): north's cursor moved, so north is read again.
    await delta('north', [{ op: 'delete', key: { kind: 'Secret', namespace: 'istio-system', name: 'cacerts' } }], false);
    const unheard = await pass();
    assert.deepEqual(reads.map((r) => r.cluster), ['north']);
    assert.equal(unheard.unchanged, false);
    assert.deepEqual(await recorded(base), await scratch(base));

    // A revoked cluster leaves the pass at once, though no slice changed.
    await base.revokeCluster('north', at);
    const revoked = await pass();
    assert.equal(reads.length, 0);
    assert.equal(revoked.unchanged, false);
    assert.equal(revoked.clusters, 2);
    assert.equal(kept.held(), 2);
    assert.deepEqual(await recorded(base), await scratch(base));
  });
});

test('fleet pass: a failed pass makes the next one record again, even when no slice changed', async () => {
  await withExamples(async (base) => {
    const kept = new FleetInputs();
    await analyseStoredFleet(base, at, { inputs: kept, heard: null });
    let fail = true;
    const flaky = new Proxy(base, {
      get(target, prop, receiver) {
        if (prop === 'recordAnalysis' && fail) return async () => Promise.reject(new Error('disk full'));
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    // A slice changes (the cursor moves unheard) and recording fails.
    await base.applyBatch('east', { v: 1, cluster: 'east', agentVersion: 't', epoch: 'e1', seq: 2, type: 'delta', sentAt: at.toISOString(), changes: [{ op: 'delete', key: { kind: 'Secret', namespace: 'istio-system', name: 'cacerts' } }] }, at, { maxObjects: 10_000 });
    await assert.rejects(analyseStoredFleet(flaky, at, { inputs: kept, heard: null }), /disk full/);
    fail = false;
    // Now every slice is current, but the change was never recorded: the pass must record it.
    const again = await analyseStoredFleet(flaky, at, { inputs: kept, heard: null });
    assert.equal(again.unchanged, false);
    assert.deepEqual(await recorded(base), await scratch(base));
  });
});

test("fleet pass: one cluster's malformed Secret facts (stored before ingest checked them) leave out that cluster, not the pass", async () => {
  await withExamples(async (base) => {
    const kept = new FleetInputs();
    const good = await analyseStoredFleet(base, at, { inputs: kept, heard: null });
    assert.equal(good.radius.unusable, undefined);
    const reachOf = (r: FleetRunResult, c: string) => r.radius.clusters.find((o) => o.cluster === c)?.reach.map((x) => `${x.cluster}: ${x.summary}`);
    // What an agent could push before: `kubeconfigs` a string on a remote secret (TypeError ... flatMap in every later pass).
    const facts = { version: 1, flavour: 'istio', keys: [], unreadable: [], skippedKeys: 0, pem: [], kubeconfigs: 'x', credentialProblems: [] };
    const evil = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'istio-remote-secret-evil', namespace: 'istio-system', labels: { 'istio/multiCluster': 'true' } } };
    const stored = await base.applyBatch('north', { v: 1, cluster: 'north', agentVersion: 't', epoch: 'e1', seq: 2, type: 'delta', sentAt: at.toISOString(), changes: [{ op: 'upsert', object: { ...wire(evil, true), secretFacts: facts as never } }] }, at, { maxObjects: 10_000 });
    assert.equal(stored.status, 'stored');
    const pass = await analyseStoredFleet(base, at, { inputs: kept, heard: null });
    assert.equal(pass.unchanged, false);
    assert.deepEqual(pass.radius.unusable?.map((u) => u.cluster), ['north']);
    assert.match(pass.radius.unusable![0].reason, /Secret istio-system\/istio-remote-secret-evil: secretFacts\.kubeconfigs is not a list/);
    // The other clusters' reach is as before; north holds no credential now but is still reached.
    assert.deepEqual(reachOf(pass, 'east'), reachOf(good, 'east'));
    assert.deepEqual(reachOf(pass, 'west'), reachOf(good, 'west'));
    assert.deepEqual(reachOf(pass, 'north'), []);
    assert.deepEqual(await recorded(base), fleetFindings(pass.radius).map((f) => `${f.ruleId} ${f.fingerprint} ${f.message}`).sort());
  });
});

/** A worker whose cluster analyses hang until released: the fleet pass must not wait for them. */
class StuckWorker implements ClusterAnalysisWorker {
  release!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  clusterRuns = 0;
  fleetRuns = 0;
  constructor(private readonly store: Store) {}
  async run() {
    this.clusterRuns++;
    await this.gate;
    return null;
  }
  async fleet(at: Date) {
    this.fleetRuns++;
    return analyseStoredFleet(this.store, at);
  }
  async close() {}
}

test('the fleet pass has its own slot: it runs while a cluster analysis is still running', async () => {
  await withExamples(async (store) => {
    const worker = new StuckWorker(store);
    const analysis = new Analysis({ store, log: pino({ level: 'silent' }), worker, debounceMs: 5, idleDebounceMs: 5, fleetDebounceMs: 10 });
    try {
      analysis.onStored('east', { epoch: 'e1', seq: 1, type: 'snapshot', last: true, changes: 1 });
      // The cluster analysis starts and hangs; the fleet pass, triggered by the same snapshot, still runs.
      while (analysis.runs.get(FLEET_CLUSTER) === undefined) await new Promise((r) => setTimeout(r, 5));
      assert.equal(worker.clusterRuns, 1);
      assert.equal(worker.fleetRuns, 1);
      assert.ok(analysis.fleet()?.radius, 'the fleet result is available');
      // Coalesced: a burst of fleet-relevant batches while idle makes one more pass.
      for (let seq = 2; seq <= 6; seq++) analysis.onStored('west', { epoch: 'e1', seq, type: 'delta', last: false, changes: 1, keys: [{ kind: 'Secret', namespace: 'istio-system', name: `s${seq}` }] });
      while ((analysis.runs.get(FLEET_CLUSTER) ?? 0) < 2) await new Promise((r) => setTimeout(r, 5));
      worker.release();
      await analysis.idle();
      assert.equal(worker.fleetRuns, 2, 'five triggers within the debounce: one pass');
    } finally {
      worker.release();
      await analysis.close();
    }
  });
});

test('the fleet pass yields to queued cluster analyses, but not past its bound', async () => {
  await withExamples(async (store) => {
    const worker = new StuckWorker(store);
    const analysis = new Analysis({ store, log: pino({ level: 'silent' }), worker, debounceMs: 5, idleDebounceMs: 5, fleetDebounceMs: 20 });
    try {
      // east runs (and hangs); north and west queue behind it. No fleet trigger yet.
      analysis.schedule('east', 0);
      while (worker.clusterRuns === 0) await new Promise((r) => setTimeout(r, 2));
      analysis.schedule('north', 0);
      analysis.schedule('west', 0);
      const queued = () => (analysis as unknown as { ready: string[] }).ready.length;
      while (queued() < 2) await new Promise((r) => setTimeout(r, 2));
      // Now a fleet trigger: its debounce ends while cluster work is queued.
      const started = performance.now();
      analysis.onStored('north', { epoch: 'e1', seq: 1, type: 'snapshot', last: true, changes: 1 });
      while (analysis.runs.get(FLEET_CLUSTER) === undefined) await new Promise((r) => setTimeout(r, 5));
      const waited = performance.now() - started;
      // Debounce (20 ms), then yielding to the queue up to 5 debounces (100 ms): it ran at its bound, not before.
      assert.ok(waited >= 110, `the pass waited ${waited.toFixed(0)} ms for the queued clusters`);
      assert.ok(waited < 10_000, `the pass waited ${waited.toFixed(0)} ms: past its bound`);
      assert.equal(worker.clusterRuns, 1, 'the queued clusters are still queued behind the hung one');
      assert.equal(queued(), 2);
    } finally {
      worker.release();
      await analysis.close();
    }
  });
});

test('a failed cluster analysis is retried on its own, without waiting for another batch', async () => {
  await withExamples(async (store) => {
    let calls = 0;
    const worker: ClusterAnalysisWorker = {
      async run() {
        calls++;
        if (calls === 1) throw new Error('SqliteError: database is locked');
        return null;
      },
      fleet: (at) => analyseStoredFleet(store, at),
      async close() {},
    };
    const analysis = new Analysis({ store, log: pino({ level: 'silent' }), worker, debounceMs: 5, idleDebounceMs: 5, fleetDebounceMs: 5 });
    try {
      analysis.onStored('east', { epoch: 'e1', seq: 1, type: 'snapshot', last: true, changes: 1 });
      await analysis.idle();
      assert.equal(calls, 2, 'the failed run was retried once, and the retry succeeded');
    } finally {
      await analysis.close();
    }
  });
});
