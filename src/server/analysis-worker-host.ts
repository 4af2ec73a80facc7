/**
 * The main-thread side of the analysis workers (./analysis-worker.ts). Worker threads, each with its
 * own store connection and one job at a time: one per analysis lane for per-cluster analyses (the
 * queue gives each lane its own clusters, so a cluster's kept model stays in one thread), one for the
 * fleet pass, so a fleet pass never holds up a cluster's analysis (and keeps its per-cluster slices in
 * its own thread between passes). Each starts on first use and again after a crash (the job in flight
 * fails; the cluster is analysed again on its next batch, the fleet on its next trigger, reading every
 * slice again).
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { StoreSpec } from '../store/index.js';
import type { ClusterAnalysisWorker, ClusterRunResult, FleetHeard, FleetRunResult } from './analysis.js';
import { laneCacheObjects, type ClusterChanges } from './analysis-incremental.js';
import type { WriteFence } from '../store/types.js';

/**
 * The cluster worker's young generation (V8's default is a few tens of MB). An incremental analysis of a
 * 20,000-object cluster allocates a model overlay (or a rebuilt model), a posture and every re-run rule's findings, most of
 * which die with the next analysis; with the default nursery much of it was promoted and then marked
 * again in an old generation of over a gigabyte (a dozen kept clusters), a third of the worker's time.
 * Measured with bench/relay-fleet.js (12 x 20,000 objects, 20 deltas/s, 30 trials): server CPU in the
 * trials 127 -> 103 s, cluster analysis p50 0.183 -> 0.162 s, visibility p50 2.4 -> 1.9 s, peak RSS
 * +150 MB; 192 MB was no better than 96.
 */
export const CLUSTER_WORKER_YOUNG_GENERATION_MB = 96;

/**
 * Cluster analyses that may run at once (each in its own worker thread, each keeping its own clusters'
 * models, its share of DEFAULT_CACHE_OBJECTS: laneCacheObjects). With one lane, a change waited for every
 * cluster queued before it: at 100 x 20,000 objects and 20 deltas/s the one slot was busy nine tenths
 * of the time, and the wait was most of issue 13's visibility p99. Two by default where there are two
 * cores (measured in docs/relay.md "Fourth round"); more only by choice (`server --analysis-threads`), as each lane
 * holds its own models.
 */
export const DEFAULT_ANALYSIS_LANES = Math.max(1, Math.min(2, os.availableParallelism()));
export const MAX_ANALYSIS_LANES = 8;

type Pending = { resolve: (r: any) => void; reject: (e: Error) => void };

/** `server --rules`: the files the cluster worker loads, and the rule IDs the main thread found in them. */
export interface CustomRuleFiles {
  ruleFiles?: readonly string[];
  ruleIds?: readonly string[];
}

/** One worker thread and its jobs in flight. */
class WorkerSlot {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    private readonly spec: StoreSpec,
    private readonly role: 'cluster' | 'fleet',
    private readonly custom: CustomRuleFiles = {},
    /** Cluster workers: the objects this one keeps across analyses (its lane's share). */
    private readonly cacheObjects?: number,
  ) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const limits = this.role === 'cluster' ? { resourceLimits: { maxYoungGenerationSizeMb: CLUSTER_WORKER_YOUNG_GENERATION_MB } } : {};
    const w = new Worker(new URL('./analysis-worker.js', import.meta.url), { workerData: { spec: this.spec, role: this.role, ...this.custom, ...(this.cacheObjects ? { cacheObjects: this.cacheObjects } : {}) }, ...limits });
    w.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(m.result ?? null);
    });
    const fail = (why: string) => {
      if (this.worker === w) this.worker = null;
      for (const p of this.pending.values()) p.reject(new Error(why));
      this.pending.clear();
    };
    w.on('error', (err) => fail(`the ${this.role} analysis worker failed: ${String(err?.message ?? err).split('\n')[0].slice(0, 200)}`));
    w.on('exit', (code) => fail(`the ${this.role} analysis worker exited (code ${code})`));
    this.worker = w;
    return w;
  }

  job<T>(message: Record<string, unknown>): Promise<T> {
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, ...message });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.postMessage({ close: true });
    // A worker stuck in a long analysis is not waited for past a few seconds.
    const timer = setTimeout(() => void w.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }
}

export class WorkerClusterAnalysis implements ClusterAnalysisWorker {
  private readonly clusterSlots: WorkerSlot[];
  private readonly fleetSlot: WorkerSlot;
  private closed = false;
  readonly lanes: number;

  constructor(spec: StoreSpec, custom: CustomRuleFiles = {}, lanes = DEFAULT_ANALYSIS_LANES) {
    if (!Number.isInteger(lanes) || lanes < 1 || lanes > MAX_ANALYSIS_LANES) throw new RangeError(`analysis lanes must be a whole number from 1 to ${MAX_ANALYSIS_LANES}, not ${lanes}`);
    this.lanes = lanes;
    const cacheObjects = laneCacheObjects(lanes);
    this.clusterSlots = Array.from({ length: lanes }, () => new WorkerSlot(spec, 'cluster', custom, cacheObjects));
    this.fleetSlot = new WorkerSlot(spec, 'fleet');
  }

  // fence: replicas only (the lease a job writes under; the worker's writes carry it). lane: which
  // cluster thread (the Analysis queue keeps each cluster on one lane, where its model is kept).
  run(cluster: string, at: Date, changes: ClusterChanges | null = null, fence?: WriteFence, lane = 0): Promise<ClusterRunResult | null> {
    if (this.closed) return Promise.resolve(null);
    return this.laneSlot(lane).then((slot) => slot.job({ cluster, at: at.toISOString(), changes, ...(fence ? { fence } : {}) }));
  }

  compact(cluster: string, lane: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return this.laneSlot(lane)
      .then((slot) => slot.job<boolean | null>({ compact: cluster }))
      .then((built) => built === true);
  }

  private laneSlot(lane: number): Promise<WorkerSlot> {
    const slot = this.clusterSlots[lane];
    return slot ? Promise.resolve(slot) : Promise.reject(new RangeError(`no analysis lane ${lane} (there are ${this.lanes})`));
  }

  fleet(at: Date, heard: ReadonlyMap<string, FleetHeard> | null = null, fence?: WriteFence): Promise<FleetRunResult> {
    if (this.closed) return Promise.reject(new Error('the analysis worker is closed'));
    return this.fleetSlot.job({ cluster: null, at: at.toISOString(), heard, ...(fence ? { fence } : {}) });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.clusterSlots.map((s) => s.close()), this.fleetSlot.close()]);
  }
}
