/**
 * Analysis lanes (issue 13's visibility): cluster analyses run side by side, one per lane, each
 * cluster always in the same lane (where its worker keeps its model) and never twice at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { Analysis, type ClusterAnalysisWorker, type ClusterRunResult } from './analysis.js';
import { COMPACT_AT_OVERLAYS } from './analysis-incremental.js';
import { WorkerClusterAnalysis } from './analysis-worker-host.js';
import { startTestServer, upsert } from './testing-kit.js';
import { wireObjectKey } from '../store/common.js';

/** A worker with `lanes` lanes whose analyses wait until the test releases them, one by one. */
class HeldWorker implements ClusterAnalysisWorker {
  readonly runs: Array<{ cluster: string; lane: number }> = [];
  readonly active = new Map<string, () => void>();
  readonly activeLanes = new Set<number>();
  overlaps: string[] = [];
  /** What each cluster's analysis reports as overlays on its kept model (none: a null result). */
  readonly overlaysOf = new Map<string, number>();
  constructor(readonly lanes: number) {}
  run(cluster: string, _at: Date, _changes?: unknown, _fence?: unknown, lane = 0): Promise<ClusterRunResult | null> {
    if (this.active.has(cluster)) this.overlaps.push(`${cluster} twice at once`);
    if (this.activeLanes.has(lane)) this.overlaps.push(`lane ${lane} twice at once`);
    this.runs.push({ cluster, lane });
    this.activeLanes.add(lane);
    return new Promise((resolve) =>
      this.active.set(cluster, () => {
        this.active.delete(cluster);
        this.activeLanes.delete(lane);
        const overlays = this.overlaysOf.get(cluster);
        resolve(overlays === undefined ? null : { outcome: { opened: 0, resolved: 0, reopened: 0, open: 0 }, objects: 1, findings: 0, failedRules: [], mode: 'incremental', overlays });
      }),
    );
  }
  release(cluster: string): void {
    const r = this.active.get(cluster);
    assert.ok(r, `${cluster} is not running`);
    r();
  }
  fleet(): never {
    throw new Error('no fleet pass in these tests');
  }
  async close() {}
}

const until = async (cond: () => boolean, what: string) => {
  const deadline = performance.now() + 5000;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};
const settleALittle = () => new Promise((r) => setTimeout(r, 30));

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'meshward-lanes-'));
  const store = await openStore({ engine: 'sqlite', dataDir: dir });
  try {
    await fn(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `fn` with an Analysis over a fresh store and `worker` (short debounces, no fleet pass), then
 * releases whatever the worker still holds and closes the analysis.
 */
async function withAnalysis(worker: HeldWorker, fn: (analysis: Analysis) => Promise<void>): Promise<void> {
  await withStore(async (store) => {
    const analysis = new Analysis({ store, log: pino({ level: 'silent' }), worker, debounceMs: 1, idleDebounceMs: 1, fleetDebounceMs: 60_000 });
    try {
      await fn(analysis);
    } finally {
      for (const c of [...worker.active.keys()]) worker.release(c);
      await analysis.close();
    }
  });
}

test('lanes: clusters of different lanes run at once; a cluster keeps its lane and waits for its own run to end', async () => {
  const worker = new HeldWorker(2);
  await withAnalysis(worker, async (analysis) => {
    analysis.schedule('a', 0);
    await until(() => worker.active.has('a'), 'a to start');
    analysis.schedule('b', 0);
    // a holds lane 0; b, first seen next, takes lane 1 and runs beside it.
    await until(() => worker.active.has('b'), 'b to start beside a');
    assert.deepEqual(worker.runs, [{ cluster: 'a', lane: 0 }, { cluster: 'b', lane: 1 }]);
    // a changes again while it runs, and c is first seen (lanes have one cluster each: c takes lane 0).
    analysis.schedule('a', 0);
    analysis.schedule('c', 0);
    await settleALittle();
    assert.equal(worker.runs.length, 2, 'a is not analysed twice at once, and c waits for lane 0');
    // Lane 1 frees: nothing queued is its own, so it stays idle (a and c keep their lane, where their models are).
    worker.release('b');
    await settleALittle();
    assert.equal(worker.runs.length, 2);
    // Lane 0 frees: the queue's order within the lane (a before c).
    worker.release('a');
    await until(() => worker.runs.length === 3, 'a again');
    assert.deepEqual(worker.runs[2], { cluster: 'a', lane: 0 });
    worker.release('a');
    await until(() => worker.runs.length === 4, 'c');
    assert.deepEqual(worker.runs[3], { cluster: 'c', lane: 0 });
    // b again: still lane 1, running beside c.
    analysis.schedule('b', 0);
    await until(() => worker.active.has('b'), 'b beside c');
    assert.deepEqual(worker.runs[4], { cluster: 'b', lane: 1 });
    assert.equal(worker.active.size, 2);
    worker.release('b');
    worker.release('c');
    await analysis.idle();
    assert.deepEqual(worker.overlaps, []);
    assert.deepEqual([analysis.laneOf('a'), analysis.laneOf('b'), analysis.laneOf('c'), analysis.laneOf('d')], [0, 1, 0, 1], 'new clusters go to the lane with fewest');
  });
});

test('lanes: a worker without lanes runs one cluster at a time', async () => {
  const worker = new HeldWorker(1);
  await withAnalysis(worker, async (analysis) => {
    analysis.schedule('a', 0);
    analysis.schedule('b', 0);
    await until(() => worker.active.size === 1, 'one to start');
    await settleALittle();
    assert.equal(worker.runs.length, 1);
    worker.release('a');
    await until(() => worker.active.has('b'), 'b after a');
    worker.release('b');
    await analysis.idle();
    assert.deepEqual(worker.runs.map((r) => r.lane), [0, 0]);
    assert.deepEqual(worker.overlaps, []);
  });
});

test('lanes: the server with two analysis threads records each cluster\'s findings, incrementally after the first', async () => {
  const t = await startTestServer({ analysisLanes: 2 }, { worker: true });
  const clusters = ['one', 'two', 'three'];
  try {
    const at = new Date();
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } };
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } };
    for (const c of clusters) {
      await t.store.createCluster(c, at);
      await t.send(c, { epoch: 'e1', seq: 1, type: 'snapshot', last: true, changes: [upsert(ns, false), upsert(svc)] });
    }
    await t.server.analysis.idle();
    const pa = (mode: string) => ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'probe', namespace: 'shop' }, spec: { mtls: { mode } } });
    const open = async (c: string) => ((await t.get(`/api/findings?cluster=${c}&rule=AUT002`)).body as { items: Array<{ resource: { name: string } }> }).items.filter((f) => f.resource.name === 'probe').length;
    const before = t.server.analysis.modes.incremental;
    // One delta each, as ingest reports them (with their keys), all at once: the lanes share them out.
    for (const [i, c] of clusters.entries()) {
      await t.send(c, { epoch: 'e1', seq: 2, type: 'delta', changes: [upsert(pa(i === 1 ? 'STRICT' : 'DISABLE'))] }, { keys: true });
    }
    await t.server.analysis.idle();
    assert.deepEqual(await Promise.all(clusters.map(open)), [1, 0, 1], 'DISABLE opens AUT002 in one and three; STRICT in two does not');
    assert.equal(t.server.analysis.modes.incremental - before, 3, `each from its kept model: ${JSON.stringify(t.server.analysis.modes)}`);
    assert.deepEqual(clusters.map((c) => t.server.analysis.laneOf(c)), [0, 1, 0]);
  } finally {
    await t.close();
  }
});

test('lanes: WorkerClusterAnalysis refuses a lane count outside 1 to 8, and a lane it does not have', async () => {
  const spec = { engine: 'sqlite' as const, dataDir: os.tmpdir() };
  for (const n of [0, 9, 1.5]) assert.throws(() => new WorkerClusterAnalysis(spec, {}, n), /analysis lanes must be a whole number from 1 to 8/);
  const w = new WorkerClusterAnalysis(spec, {}, 2);
  assert.equal(w.lanes, 2);
  await assert.rejects(w.run('x', new Date(), null, undefined, 2), /no analysis lane 2 \(there are 2\)/);
  await w.close();
});

/** HeldWorker that also compacts (at once), recording which cluster in which lane. */
class CompactingWorker extends HeldWorker {
  readonly compacts: Array<{ cluster: string; lane: number }> = [];
  async compact(cluster: string, lane: number): Promise<boolean> {
    if (this.activeLanes.has(lane)) this.overlaps.push(`compaction in busy lane ${lane}`);
    this.compacts.push({ cluster, lane });
    return true;
  }
}

test('lanes: an idle lane compacts its deepest kept model (COMPACT_AT_OVERLAYS overlays or more), after its queued changes and never while one waits', async () => {
  const worker = new CompactingWorker(2);
  worker.overlaysOf.set('a', COMPACT_AT_OVERLAYS + 1).set('b', 3).set('c', COMPACT_AT_OVERLAYS + 4);
  await withAnalysis(worker, async (analysis) => {
    analysis.schedule('a', 0);
    await until(() => worker.active.has('a'), 'a');
    analysis.schedule('b', 0);
    await until(() => worker.active.has('b'), 'b');
    analysis.schedule('c', 0);
    await settleALittle();
    // a ends with COMPACT_AT_OVERLAYS + 1 overlays, but c is queued in lane 0: the change comes first.
    worker.release('a');
    await until(() => worker.active.has('c'), 'c after a');
    assert.deepEqual(worker.compacts, []);
    // c ends (the most overlays): lane 0 is idle and compacts c, the deepest, then a; b (3, lane 1) is left as it is.
    worker.release('c');
    worker.release('b');
    // (Not analysis.idle(): the fleet pass these analyses scheduled is a minute away.)
    await until(() => worker.compacts.length === 2 && worker.active.size === 0, 'two compactions');
    await settleALittle();
    assert.deepEqual(worker.compacts, [{ cluster: 'c', lane: 0 }, { cluster: 'a', lane: 0 }]);
    assert.equal(analysis.compactions, 2);
    // A change of lane 0 in its quiet time: the idle lane does not start a compaction it would wait for.
    analysis.schedule('a', 0);
    await until(() => worker.active.has('a'), 'a again');
    analysis.schedule('c', 60_000);
    worker.release('a');
    await settleALittle();
    assert.deepEqual(worker.compacts.length, 2, 'no compaction while c waits');
    assert.deepEqual(worker.overlaps, []);
  });
});

test('lanes: IncrementalAnalyser.compact builds a kept model again only past the overlays asked, and forgets nothing', async () => {
  const { IncrementalAnalyser } = await import('./analysis-incremental.js');
  const { allRules } = await import('../rules/index.js');
  await withStore(async (store) => {
    const at = new Date();
    await store.createCluster('east', at);
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } };
    const pa = (mode: string) => ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'probe', namespace: 'shop' }, spec: { mtls: { mode } } });
    const batch = (seq: number, type: 'snapshot' | 'delta', changes: ReturnType<typeof upsert>[]) => store.applyBatch('east', { v: 1, cluster: 'east', agentVersion: 't', epoch: 'e', seq, type, last: type === 'snapshot' ? true : undefined, sentAt: at.toISOString(), changes }, at, { maxObjects: 100 });
    await batch(1, 'snapshot', [upsert(ns, false), upsert(pa('STRICT'))]);
    const analyser = new IncrementalAnalyser(allRules);
    assert.equal(analyser.compact('east'), false, 'nothing kept yet');
    await analyser.run(store, 'east', at, null);
    const key = wireObjectKey((upsert(pa('DISABLE')) as { object: Parameters<typeof wireObjectKey>[0] }).object);
    const openAut002 = async () => (await store.findings({ cluster: ['east'], ruleId: ['AUT002'], state: ['open'], limit: 10 })).items.length;
    for (let seq = 2; seq <= 4; seq++) {
      await batch(seq, 'delta', [upsert(pa(seq % 2 ? 'STRICT' : 'DISABLE'))]);
      const r = await analyser.run(store, 'east', at, { epoch: 'e', fromSeq: seq, toSeq: seq, keys: [key] });
      assert.equal(r?.mode, 'incremental');
      assert.equal(r?.overlays, seq - 1);
    }
    assert.equal(await openAut002(), 1, 'DISABLE at seq 4: AUT002 open');
    assert.equal(analyser.compact('east', 4), false, '3 overlays: under the 4 asked');
    assert.equal(analyser.compact('east', 3), true);
    assert.equal(analyser.compact('east', 1), false, 'nothing overlaid since');
    // The next change overlays the fresh model, and the finding it resolves is recorded.
    await batch(5, 'delta', [upsert(pa('STRICT'))]);
    const r = await analyser.run(store, 'east', at, { epoch: 'e', fromSeq: 5, toSeq: 5, keys: [key] });
    assert.equal(r?.mode, 'incremental');
    assert.equal(r?.overlays, 1);
    assert.equal(r?.rebuilt, false);
    assert.equal(await openAut002(), 0, 'STRICT: AUT002 resolved');
  });
});

test('lanes: the real server compacts a model once COMPACT_AT_OVERLAYS changes are overlaid on it and its lane is idle, and /metrics counts it', async () => {
  const t = await startTestServer({ analysisLanes: 2 }, { worker: true });
  try {
    const at = new Date();
    await t.store.createCluster('east', at);
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } };
    const pa = (mode: string) => ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'probe', namespace: 'shop' }, spec: { mtls: { mode } } });
    await t.send('east', { epoch: 'e1', seq: 1, type: 'snapshot', last: true, changes: [upsert(ns, false), upsert(pa('STRICT'))] });
    await t.server.analysis.idle();
    const metric = async () => Number(/^meshward_server_analysis_compactions_total (\d+)/m.exec((await t.get('/metrics')).text)?.[1] ?? NaN);
    assert.equal(await metric(), 0);
    // Delta seq s makes s - 1 overlays: one short of COMPACT_AT_OVERLAYS nothing is compacted; at it the idle lane builds the model again.
    const last = COMPACT_AT_OVERLAYS + 2;
    for (let seq = 2; seq <= last; seq++) {
      await t.send('east', { epoch: 'e1', seq, type: 'delta', changes: [upsert(pa(seq % 2 ? 'STRICT' : 'DISABLE'))] }, { keys: true });
      await t.server.analysis.idle();
      assert.equal(t.server.analysis.compactions, seq <= COMPACT_AT_OVERLAYS ? 0 : 1, `after delta ${seq}`);
    }
    assert.equal(await metric(), 1);
    // Still right after it: the last delta (an even seq) is DISABLE, AUT002 open.
    const open = (await t.get('/api/findings?cluster=east&rule=AUT002')).body as { items: unknown[] };
    assert.equal(open.items.length, 1);
  } finally {
    await t.close();
  }
});

test('a snapshot flood is stored first: a cluster\'s analysis after its snapshot waits while other clusters\' parts arrive (bounded); deltas and a lone snapshot do not', async () => {
  const worker = new HeldWorker(2);
  for (const c of ['a', 'b', 'c', 'd', 'e']) worker.overlaysOf.set(c, 0);
  await withStore(async (store) => {
    const analysis = new Analysis({ store, log: pino({ level: 'silent' }), worker, debounceMs: 1, idleDebounceMs: 1, fleetDebounceMs: 60_000, snapshotQuietMs: 150, maxFirstAnalysisWaitMs: 1500 });
    let seq = 0;
    const part = (cluster: string, last = false) => analysis.onStored(cluster, { epoch: 'e1', seq: ++seq, type: 'snapshot', last, changes: 5000 });
    const delta = (cluster: string) => analysis.onStored(cluster, { epoch: 'e1', seq: ++seq, type: 'delta', last: false, changes: 1, keys: [{ kind: 'Service', namespace: 'ns', name: 'x' }] });
    let feeding = true;
    try {
      // A lone snapshot: analysed at once (nothing else is arriving).
      part('a', true);
      await until(() => worker.active.has('a'), 'a lone snapshot analysed at once');
      worker.release('a');
      // A flood: c's parts keep arriving every 40 ms; b's snapshot completed meanwhile waits.
      const feeder = (async () => {
        while (feeding) {
          part('c');
          // c's own parts never hold c back: its analyses run between them (released here).
          if (worker.active.has('c')) worker.release('c');
          await new Promise((r) => setTimeout(r, 40));
        }
      })();
      await new Promise((r) => setTimeout(r, 60));
      part('b', true);
      const bDone = performance.now();
      // A delta to a cluster analysed already is not held back by the flood.
      delta('a');
      await until(() => worker.active.has('a'), 'a delta analysed during the flood');
      worker.release('a');
      // A change not known (a replica taking a cluster over: the whole cluster is loaded) waits too.
      analysis.onStored('e');
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(!worker.runs.some((r) => r.cluster === 'b'), 'b waited while c streamed its snapshot');
      assert.ok(!worker.runs.some((r) => r.cluster === 'e'), 'e (a full load) waited while c streamed its snapshot');
      // The flood ends: b runs within the quiet time.
      feeding = false;
      await feeder;
      await until(() => worker.active.has('b'), 'b after the flood');
      assert.ok(performance.now() - bDone < 1500, 'b ran when the flood ended, before its longest wait');
      worker.release('b');
      await until(() => {
        // c's last part queued one more run of c in the lane e shares: let it through.
        if (worker.active.has('c')) worker.release('c');
        return worker.active.has('e');
      }, 'e after the flood');
      worker.release('e');
      // However long a flood lasts, a first analysis waits at most maxFirstAnalysisWaitMs.
      feeding = true;
      const feeder2 = (async () => {
        while (feeding) {
          part('c');
          // c's own parts never hold c back: its analyses run between them (released here).
          if (worker.active.has('c')) worker.release('c');
          await new Promise((r) => setTimeout(r, 40));
        }
      })();
      part('d', true);
      const dDone = performance.now();
      await until(() => worker.active.has('d'), 'd after its longest wait');
      const waited = performance.now() - dDone;
      assert.ok(waited >= 1400, `d waited ${Math.round(waited)} ms, its bound is 1,500`);
      feeding = false;
      await feeder2;
      worker.release('d');
    } finally {
      feeding = false;
      for (const c of [...worker.active.keys()]) worker.release(c);
      await analysis.close();
    }
  });
});

test('replicas: parts of a cluster another replica holds (snapshotPartStored) hold back a first analysis here too', async () => {
  const worker = new HeldWorker(1);
  worker.overlaysOf.set('f', 0);
  await withStore(async (store) => {
    const analysis = new Analysis({ store, log: pino({ level: 'silent' }), worker, debounceMs: 1, idleDebounceMs: 1, fleetDebounceMs: 60_000, snapshotQuietMs: 150, maxFirstAnalysisWaitMs: 60_000 });
    let feeding = true;
    try {
      const feeder = (async () => {
        while (feeding) {
          analysis.snapshotPartStored('held-elsewhere');
          await new Promise((r) => setTimeout(r, 40));
        }
      })();
      analysis.onStored('f', { epoch: 'e1', seq: 1, type: 'snapshot', last: true, changes: 10 });
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(worker.runs.length, 0, 'f waited for the flood another replica is storing');
      feeding = false;
      await feeder;
      await until(() => worker.active.has('f'), 'f after the flood');
      worker.release('f');
    } finally {
      feeding = false;
      for (const c of [...worker.active.keys()]) worker.release(c);
      await analysis.close();
    }
  });
});
