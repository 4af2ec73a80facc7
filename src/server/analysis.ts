/**
 * The server's analysis: per cluster, debounced after ingest stores a batch, the cluster's stored
 * objects become a model, the same rules as `scan` run over it (same settings defaults), and the
 * complete result replaces the cluster's open findings (Store.recordAnalysis: new ones open, missing
 * ones resolve, returning ones reopen). Then, debounced again, the cross-cluster analysis (blast
 * radius and CA trust, src/multicluster) runs over every cluster and is stored under FLEET_CLUSTER.
 *
 * Two slots. Per-cluster analyses run one after another in theirs. The fleet pass has its own (with a
 * worker: its own thread and store connection), so it never holds up a cluster's analysis: it is
 * debounced (quiet time after the last trigger, but never more than FLEET_MAX_WAIT_FACTOR debounces
 * after the first), coalesced (one pass runs at a time; triggers meanwhile make one more), and it
 * yields to per-cluster work that is queued, up to the same bound. Once idle it runs within its
 * debounce.
 *
 * Memory: one cluster's model at a time in the cluster slot. The fleet pass reads only the kinds
 * blast radius and trust read (FLEET_KINDS, filtered by the store in SQL) and keeps each cluster's
 * slice between passes (FleetInputs), re-reading only clusters whose FLEET_KINDS may have changed
 * (FleetChangeLog, from ingest's changed keys); a pass where no slice changed and no cluster came or
 * went records nothing.
 *
 * Event loop: loading from the store is asynchronous (it yields per object); the rules run
 * synchronously once per analysis. `yieldEvery` objects the loader also gives the loop a turn, so a
 * 20,000-object cluster never holds it for the whole load.
 */
import { performance } from 'node:perf_hooks';
import type { pino } from 'pino';
import { analyse } from '../engine/scan.js';
import type { Finding } from '../engine/finding.js';
import { fingerprint } from '../engine/fingerprint.js';
import { inCanonicalOrder } from '../cli/live.js';
import { MeshModel } from '../model/model.js';
import { LiveLocator } from '../cluster/live-locator.js';
import { groupOf, isClusterScoped, stringMap, type Resource, type ResourceRef } from '../model/resource.js';
import { allRules } from '../rules/index.js';
import type { Rule } from '../rules/types.js';
import { blastRadius, type BlastRadius, type ClusterInput } from '../multicluster/blast-radius.js';
import type { StoredObject, Store, FindingInput, AnalysisOutcome, WriteFence } from '../store/types.js';
import { fencedStore } from './replicas/fence.js';
import type { ObjectKey } from '../relay/protocol.js';
import { FLEET_CLUSTER } from '../store/types.js';
import type { IngestListener } from './types.js';
import { FLEET_RULE_IDS, trustRuleId } from '../rules/multicluster/fleet.js';
import { ChangeLog, COMPACT_AT_OVERLAYS, IncrementalAnalyser, type ClusterChanges } from './analysis-incremental.js';
import { telemetryFactsFor } from './telemetry.js';

/** Kinds the fleet pass reads (blast radius: stored credentials and RBAC; trust: cacerts and the mesh config). */
export const FLEET_KINDS: ReadonlySet<string> = new Set([
  'Secret',
  'ServiceAccount',
  'Namespace',
  'ConfigMap',
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/RoleBinding',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'install.istio.io/IstioOperator',
]);

/** Rule IDs of the fleet findings: catalogue rules found only across clusters (src/rules/multicluster/fleet.ts). */
export const FLEET_RULES = FLEET_RULE_IDS;

export interface AnalysisOptions {
  store: Store;
  log: pino.Logger;
  /** Quiet time after the last stored batch before a cluster is analysed (a burst costs one run). */
  debounceMs?: number;
  /** Quiet time after the last cluster analysis before the fleet pass. */
  fleetDebounceMs?: number;
  rules?: readonly Rule[];
  /** Called when an idle lane has built a kept model again (for /metrics). */
  onCompacted?: (cluster: string) => void;
  /** Called after each analysis with its duration (for /metrics). */
  onAnalysed?: (cluster: string, seconds: number, outcome: AnalysisOutcome | null, error: string | null) => void;
  now?: () => Date;
  /** Where per-cluster analyses run: a worker thread keeps the rules off the event loop (default: this thread). */
  worker?: ClusterAnalysisWorker | null;
  /** Quiet time when no analysis is running or waiting (a lone change need not wait a burst's length). */
  idleDebounceMs?: number;
  /** Objects kept across analyses for incremental runs on this thread (the worker has its own). */
  cacheObjects?: number;
  /** Replicas (src/server/replicas): who may analyse what, and where the fleet result is shared. Null: a single server. */
  gate?: AnalysisGate | null;
  /** While other clusters' snapshot parts arrive this often, a cluster's first analysis after its snapshot waits (SNAPSHOT_QUIET_MS). */
  snapshotQuietMs?: number;
  /** The longest such a wait (MAX_FIRST_ANALYSIS_WAIT_MS). */
  maxFirstAnalysisWaitMs?: number;
}

/** The hooks replicas give the analysis (src/server/replicas/coordinator.ts). */
export interface AnalysisGate {
  /** The fencing token for analysing `lease` (a cluster, or FLEET_CLUSTER); null: another replica does it. */
  fence(lease: string): WriteFence | null;
  /** A fleet pass finished: share its result with the other replicas. */
  fleetAnalysed(at: Date, radius: BlastRadius, fence: WriteFence): Promise<void>;
  /** The last fleet pass's result, whichever replica ran it. */
  sharedFleet(): Promise<{ at: string; radius: BlastRadius } | null>;
}

/**
 * Quiet time before a busy server analyses a cluster. It only has to gather a burst (a rollout, a sync
 * touching many objects lands within milliseconds): under steady load the changes that arrive while a
 * cluster waits its turn in the queue are gathered anyway. Every millisecond here is added to how soon
 * a change shows (issue 13's visibility); 250 ms cost a quarter of the one-second budget for nothing.
 */
export const DEFAULT_DEBOUNCE_MS = 100;
export const DEFAULT_IDLE_DEBOUNCE_MS = 50;
export const DEFAULT_FLEET_DEBOUNCE_MS = 1000;
/** The fleet pass waits at most this many debounces after its first trigger (steady triggers cannot starve it), and yields to queued cluster work at most as long. */
export const FLEET_MAX_WAIT_FACTOR = 5;
/**
 * A snapshot flood (many agents sending their whole cluster at once: the server's first start, a
 * restart of every agent) is stored first and analysed after. While another cluster's snapshot part
 * was stored within this long, a cluster's analysis after its own snapshot (or after a change not
 * known, which loads the whole cluster too: a replica taking it over) waits; a delta never does. Measured with bench/relay-fleet.js (100 x 20,000
 * objects, 2 cores): the first analyses took the CPU the event loop and the ingest decoders needed,
 * ingest ran at half its speed beside them (docs/relay.md "Ingest decoders and snapshot floods"). A lone
 * cluster's snapshot is analysed at once, as before. Five seconds, not one: on PostgreSQL a
 * 5,000-object part took 1.2 to 1.8 s to commit, and ten agents' parts came in waves that far apart,
 * so with one second first analyses started between the waves (three replicas, 30 x 20,000).
 */
export const SNAPSHOT_QUIET_MS = 5000;
/** A first analysis waits for a snapshot flood at most this long: findings of a cluster come within it however long the flood lasts. */
export const MAX_FIRST_ANALYSIS_WAIT_MS = 10 * 60_000;
/** Longest wait before a failed cluster analysis is retried. */
const MAX_RETRY_MS = 30_000;
/** Objects loaded between two turns given to the event loop. */
const YIELD_EVERY = 500;

/** A cluster's stored objects as rules see them: the same Resource shape as the live path (src/cluster/live-resource.ts). */
export function resourceOf(stored: StoredObject, cluster: string, id: number): Resource {
  const w = stored.object;
  const obj = w.obj && typeof w.obj === 'object' && !Array.isArray(w.obj) ? w.obj : {};
  const meta = obj.metadata && typeof obj.metadata === 'object' && !Array.isArray(obj.metadata) ? (obj.metadata as Record<string, unknown>) : {};
  const kind = typeof w.kind === 'string' ? w.kind : stored.key.kind.split('/').pop() ?? '';
  const apiVersion = typeof w.apiVersion === 'string' ? w.apiVersion : 'v1';
  // The key is what the store indexed (validated on ingest); the object's own metadata is not trusted over it.
  const namespaced = w.namespaced !== false && !isClusterScoped(kind);
  const r: Resource = {
    id,
    cluster,
    apiVersion,
    group: groupOf(apiVersion),
    kind,
    namespace: namespaced ? stored.key.namespace || 'default' : '',
    name: stored.key.name || '(unnamed)',
    labels: stringMap(meta.labels),
    annotations: stringMap(meta.annotations),
    obj,
    source: null,
  };
  if (w.secretFacts) r.secretFacts = w.secretFacts;
  return r;
}

/** Loads a cluster's objects (optionally only some kinds, filtered by the store), giving the event loop a turn every YIELD_EVERY. */
export async function loadResources(store: Store, cluster: string, kinds?: ReadonlySet<string>): Promise<Resource[]> {
  const out: Resource[] = [];
  let n = 0;
  for await (const stored of store.objects(cluster, kinds ? { kinds } : undefined)) {
    if (++n % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    // The store filtered already; a store that ignored the option still must not widen the pass.
    if (kinds && !kinds.has(stored.key.kind)) continue;
    out.push(resourceOf(stored, cluster, out.length));
  }
  return inCanonicalOrder(out);
}

/** The stored form of a finding (no suppression: the API applies those when read). */
export function findingInput(f: Finding): FindingInput {
  return {
    fingerprint: f.fingerprint,
    ruleId: f.ruleId,
    severity: f.severity,
    title: f.title,
    message: f.message,
    remediation: f.remediation,
    resource: { ...f.resource },
    location: f.location ? { ...f.location } : null,
    evidence: f.evidence.map((e) => ({ ...e })),
    ...(f.seenInTraffic ? { seenInTraffic: { ...f.seenInTraffic } } : {}),
  };
}

/**
 * Runs the analyses. `onStored` is ingest's listener; `idle()` resolves once nothing is pending or
 * running (tests, shutdown).
 */
export class Analysis implements IngestListener {
  private readonly store: Store;
  private readonly log: pino.Logger;
  private readonly debounceMs: number;
  private readonly fleetDebounceMs: number;
  /** The rules every cluster analysis runs: the built-in ones, then `server --rules` files' (the API lists these). */
  readonly rules: readonly Rule[];
  private readonly now: () => Date;
  private readonly onAnalysed: AnalysisOptions['onAnalysed'];
  private readonly onCompacted: AnalysisOptions['onCompacted'];
  private readonly worker: ClusterAnalysisWorker | null;
  private readonly idleDebounceMs: number;
  private readonly gate: AnalysisGate | null;
  /** The keys each cluster's next analysis must re-read (incremental analysis). */
  private readonly changes = new ChangeLog();
  /** Incremental analysis on this thread when there is no worker. */
  private readonly local: IncrementalAnalyser;
  /** Clusters waiting for their quiet time to end. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Clusters whose quiet time ended, in order, waiting for their lane's analysis slot. */
  private readonly ready: string[] = [];
  private readonly readySet = new Set<string>();
  /** The fleet pass's debounce; `fleetFirstAt`: when the trigger it coalesces first came (bounds the wait). */
  private fleetTimer: NodeJS.Timeout | null = null;
  private fleetFirstAt: number | null = null;
  /** The debounce ended: the pass runs when its slot is free and no cluster analysis is queued (or it waited long enough). */
  private fleetDue = false;
  private fleetDueAt = 0;
  private fleetRunning: Promise<unknown> | null = null;
  private fleetYieldTimer: NodeJS.Timeout | null = null;
  /** Which clusters' fleet slices may have changed (ingest's keys), and the slices kept on this thread without a worker. */
  private readonly fleetChanges = new FleetChangeLog();
  private readonly localFleet = new FleetInputs();
  /**
   * The analysis running in each lane (null: free). A cluster always runs in the same lane (laneOf),
   * where the worker keeps its model, and so never twice at once. One lane without a worker.
   */
  private readonly running: Array<Promise<unknown> | null>;
  private readonly clusterLane = new Map<string, number>();
  /** Overlays on each cluster's kept model, as its last analysis reported (idle lanes compact the deepest). */
  private readonly overlays = new Map<string, number>();
  /** Kept models built again by idle lanes (tests; /metrics counts them through onCompacted). */
  compactions = 0;
  private readonly laneSize: number[];
  private closed = false;
  private lastFleet: { at: string; radius: BlastRadius } | null = null;
  /** Consecutive failed analyses per cluster (the retry delay doubles with each). */
  private readonly failures = new Map<string, number>();
  /** Waiters for idle(). */
  private idleWaiters: Array<() => void> = [];
  /** When each cluster's last snapshot part was stored (performance.now()), kept for SNAPSHOT_QUIET_MS. */
  private readonly snapshotPartAt = new Map<string, number>();
  /** Clusters whose next analysis follows a snapshot, and since when (the wait is bounded from then). */
  private readonly afterSnapshot = new Map<string, number>();
  private readonly snapshotQuietMs: number;
  private readonly maxFirstAnalysisWaitMs: number;
  /** Wakes the queue when a snapshot flood may have ended. */
  private floodTimer: NodeJS.Timeout | null = null;
  /** Analyses done, per cluster (tests count runs to prove debouncing). */
  readonly runs = new Map<string, number>();
  /** Cluster analyses by how they ran: from the store, or from the kept model (tests, logs). */
  readonly modes = { full: 0, incremental: 0 };

  constructor(opts: AnalysisOptions) {
    this.store = opts.store;
    this.log = opts.log;
    this.debounceMs = opts.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.fleetDebounceMs = opts.fleetDebounceMs ?? DEFAULT_FLEET_DEBOUNCE_MS;
    this.rules = opts.rules ?? allRules;
    this.now = opts.now ?? (() => new Date());
    this.onAnalysed = opts.onAnalysed;
    this.onCompacted = opts.onCompacted;
    this.worker = opts.worker ?? null;
    this.idleDebounceMs = Math.min(opts.idleDebounceMs ?? DEFAULT_IDLE_DEBOUNCE_MS, this.debounceMs);
    this.snapshotQuietMs = opts.snapshotQuietMs ?? SNAPSHOT_QUIET_MS;
    this.maxFirstAnalysisWaitMs = opts.maxFirstAnalysisWaitMs ?? MAX_FIRST_ANALYSIS_WAIT_MS;
    this.local = new IncrementalAnalyser(this.rules, opts.cacheObjects);
    this.gate = opts.gate ?? null;
    const lanes = this.worker?.lanes ?? 1;
    this.running = new Array(lanes).fill(null);
    this.laneSize = new Array(lanes).fill(0);
  }

  /**
   * A cluster's lane: given when first seen, to the lane with the fewest clusters (so busy clusters
   * spread as the fleet does), then kept, as the lane's worker keeps the cluster's model.
   */
  laneOf(cluster: string): number {
    let lane = this.clusterLane.get(cluster);
    if (lane === undefined) {
      lane = 0;
      for (let i = 1; i < this.laneSize.length; i++) if (this.laneSize[i] < this.laneSize[lane]) lane = i;
      this.clusterLane.set(cluster, lane);
      this.laneSize[lane]++;
    }
    return lane;
  }

  private anyRunning(): boolean {
    return this.running.some((r) => r !== null);
  }

  onStored(cluster: string, info?: Parameters<IngestListener['onStored']>[1]): void {
    // A snapshot part, or a change not known (a replica taking a cluster over, a notice without its
    // epoch): the next analysis loads the whole cluster, which waits while a flood lasts.
    if ((info === undefined || info.type === 'snapshot') && cluster !== FLEET_CLUSTER) {
      if (info) this.snapshotPartStored(cluster);
      if (!this.afterSnapshot.has(cluster)) this.afterSnapshot.set(cluster, performance.now());
    }
    if (info) this.changes.note(cluster, info);
    else this.changes.forget(cluster);
    if (cluster !== FLEET_CLUSTER && this.fleetChanges.note(cluster, info)) this.scheduleFleet();
    // Nothing running or queued: a short wait (a burst still coalesces); otherwise the usual one.
    const idle = !this.anyRunning() && this.ready.length === 0 && this.timers.size === 0;
    this.schedule(cluster, idle ? this.idleDebounceMs : this.debounceMs);
  }

  /** New traffic aggregates for `cluster` (src/server/telemetry.ts): its rules re-run over the kept model, nothing reloaded. */
  onTelemetry(cluster: string): void {
    this.schedule(cluster);
  }

  /** Analyse `cluster` once its quiet time ends (each new call restarts the wait). */
  schedule(cluster: string, delayMs = this.debounceMs): void {
    if (this.closed || cluster === FLEET_CLUSTER) return;
    const t = this.timers.get(cluster);
    if (t) clearTimeout(t);
    this.timers.set(
      cluster,
      setTimeout(() => {
        this.timers.delete(cluster);
        if (!this.readySet.has(cluster)) {
          this.readySet.add(cluster);
          this.ready.push(cluster);
        }
        this.pump();
      }, delayMs),
    );
  }

  /** The last fleet pass's result as every replica sees it (this process's own without replicas). */
  async sharedFleet(): Promise<{ at: string; radius: BlastRadius } | null> {
    return this.gate ? this.gate.sharedFleet() : this.lastFleet;
  }

  /** The last fleet pass's blast radius (null before the first). */
  fleet(): { at: string; radius: BlastRadius } | null {
    return this.lastFleet;
  }

  /** Resolves when no analysis is pending or running. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.timers.size === 0 && this.ready.length === 0 && this.fleetTimer === null && !this.fleetDue && !this.anyRunning() && this.fleetRunning === null;
  }

  private settle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Stops scheduling; waits for the running analysis. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.ready.length = 0;
    this.readySet.clear();
    if (this.fleetTimer) clearTimeout(this.fleetTimer);
    this.fleetTimer = null;
    if (this.fleetYieldTimer) clearTimeout(this.fleetYieldTimer);
    this.fleetYieldTimer = null;
    if (this.floodTimer) clearTimeout(this.floodTimer);
    this.floodTimer = null;
    this.fleetDue = false;
    this.fleetFirstAt = null;
    await Promise.all([...this.running, this.fleetRunning]);
    await this.worker?.close();
    this.settle();
  }

  /** Queues every registered cluster (at start: batches stored before a restart may not have been analysed). */
  async scheduleAll(): Promise<void> {
    for (const c of await this.store.listClusters()) {
      if (c.name !== FLEET_CLUSTER && !c.revokedAt && c.cursor.snapshotComplete && (!this.gate || this.gate.fence(c.name))) this.schedule(c.name, 0);
    }
    this.scheduleFleet();
  }

  private pump(): void {
    if (this.closed) {
      this.settle();
      return;
    }
    // Each free lane takes the first of its clusters in the queue that need not wait for a snapshot
    // flood to end; with none, it may compact a model (not during a flood: that is a full build too).
    const now = performance.now();
    let waiting = false;
    for (let lane = 0; lane < this.running.length; lane++) {
      if (this.running[lane]) continue;
      const at = this.ready.findIndex((c) => this.laneOf(c) === lane && !this.waitsForFlood(c, now));
      if (at < 0) {
        if (this.ready.some((c) => this.laneOf(c) === lane)) waiting = true;
        else this.compactIdle(lane);
        continue;
      }
      const [next] = this.ready.splice(at, 1);
      this.readySet.delete(next);
      this.running[lane] = this.analyseCluster(next, lane).finally(() => {
        this.running[lane] = null;
        this.pump();
      });
    }
    if (waiting && !this.floodTimer) {
      this.floodTimer = setTimeout(() => {
        this.floodTimer = null;
        this.pump();
      }, this.snapshotQuietMs);
    }
    this.pumpFleet();
    this.settle();
  }

  /**
   * A snapshot part of `cluster` was stored, whoever analyses it (replicas: every part stored here or
   * told by another replica), so a snapshot flood is seen whichever replica holds the clusters.
   */
  snapshotPartStored(cluster: string): void {
    if (cluster !== FLEET_CLUSTER) this.snapshotPartAt.set(cluster, performance.now());
  }

  /** Whether `cluster`'s analysis after its snapshot waits: another cluster's snapshot is arriving, and it has not waited its most. */
  private waitsForFlood(cluster: string, now: number): boolean {
    const since = this.afterSnapshot.get(cluster);
    if (since === undefined || now - since >= this.maxFirstAnalysisWaitMs) return false;
    for (const [other, at] of this.snapshotPartAt) {
      if (now - at >= this.snapshotQuietMs) this.snapshotPartAt.delete(other);
      else if (other !== cluster) return true;
    }
    return false;
  }

  /**
   * An idle lane builds again the kept model with the most overlays among its clusters (at least
   * COMPACT_AT_OVERLAYS), so a later change overlays a fresh model instead of waiting for the build
   * its overlay limit would force. Not while a change of the lane's clusters is in its quiet time:
   * it would wait for the compaction.
   */
  private compactIdle(lane: number): void {
    const worker = this.worker;
    if (!worker?.compact || this.closed) return;
    for (const c of this.timers.keys()) if (this.laneOf(c) === lane) return;
    let deepest: string | null = null;
    let depth = COMPACT_AT_OVERLAYS - 1;
    for (const [c, d] of this.overlays) {
      if (d > depth && this.laneOf(c) === lane) {
        deepest = c;
        depth = d;
      }
    }
    if (deepest === null) return;
    const cluster = deepest;
    this.overlays.delete(cluster);
    this.running[lane] = worker
      .compact(cluster, lane)
      .then(
        (built) => {
          if (!built) return;
          this.compactions++;
          this.log.debug({ cluster, lane, overlays: depth }, 'kept cluster model built again while its lane was idle');
          this.onCompacted?.(cluster);
        },
        (err) => this.log.warn({ cluster, err: errorLine(err) }, 'compacting a kept cluster model failed; its next analysis builds it'),
      )
      .finally(() => {
        this.running[lane] = null;
        this.pump();
      });
  }

  /** Starts the fleet pass in its own slot when it is due, unless cluster analyses are queued (then it waits, but not past its bound). */
  private pumpFleet(): void {
    if (!this.fleetDue || this.fleetRunning || this.closed) return;
    const yielded = performance.now() - this.fleetDueAt;
    if (this.ready.length > 0 && yielded < this.fleetMaxWaitMs()) {
      // Checked again when the queue moves (pump), and at the bound at the latest.
      this.fleetYieldTimer ??= setTimeout(() => {
        this.fleetYieldTimer = null;
        this.pump();
      }, this.fleetMaxWaitMs() - yielded + 1);
      return;
    }
    if (this.fleetYieldTimer) clearTimeout(this.fleetYieldTimer);
    this.fleetYieldTimer = null;
    this.fleetDue = false;
    this.fleetRunning = this.analyseFleet().finally(() => {
      this.fleetRunning = null;
      this.pump();
    });
  }

  private fleetMaxWaitMs(): number {
    return FLEET_MAX_WAIT_FACTOR * this.fleetDebounceMs;
  }

  /**
   * Debounced and coalesced: quiet time after the last trigger, at most FLEET_MAX_WAIT_FACTOR debounces
   * after the first. Public for replicas: the fleet lease's holder hears of other replicas' changes.
   */
  scheduleFleet(): void {
    if (this.closed) return;
    const now = performance.now();
    this.fleetFirstAt ??= now;
    if (this.fleetTimer) clearTimeout(this.fleetTimer);
    const delay = Math.max(0, Math.min(this.fleetDebounceMs, this.fleetFirstAt + this.fleetMaxWaitMs() - now));
    this.fleetTimer = setTimeout(() => {
      this.fleetTimer = null;
      this.fleetFirstAt = null;
      if (!this.fleetDue) this.fleetDueAt = performance.now();
      this.fleetDue = true;
      this.pump();
    }, delay);
  }

  /** One cluster: stored objects → model → rules → recordAnalysis (in the worker when there is one). Errors are logged, never thrown. */
  async analyseCluster(cluster: string, lane = this.laneOf(cluster)): Promise<AnalysisOutcome | null> {
    const started = performance.now();
    try {
      const at = this.now();
      this.afterSnapshot.delete(cluster);
      const changes = this.changes.take(cluster);
      // Replicas: only the lease holder analyses, and its writes are fenced by the lease's generation.
      const fence = this.gate ? this.gate.fence(cluster) : undefined;
      if (fence === null) return null;
      const result = this.worker ? await this.worker.run(cluster, at, changes, fence, lane) : await this.local.run(fence ? fencedStore(this.store, fence) : this.store, cluster, at, changes);
      if (!result) return null;
      for (const ruleId of result.failedRules) this.log.error({ cluster, rule: ruleId }, 'a rule failed during analysis; its findings are missing from this run');
      const seconds = (performance.now() - started) / 1000;
      this.failures.delete(cluster);
      this.runs.set(cluster, (this.runs.get(cluster) ?? 0) + 1);
      if (result.mode) this.modes[result.mode]++;
      if (result.overlays) this.overlays.set(cluster, result.overlays);
      else this.overlays.delete(cluster);
      this.log.info({ cluster, objects: result.objects, findings: result.findings, mode: result.mode, rulesRun: result.rulesRun, ...(result.rebuilt ? { rebuilt: true } : {}), ...result.outcome, seconds: Number(seconds.toFixed(3)) }, 'cluster analysed');
      this.onAnalysed?.(cluster, seconds, result.outcome, null);
      this.scheduleFleet();
      return result.outcome;
    } catch (err) {
      const message = errorLine(err);
      // Retried on its own (a busy database, a crashed worker): a quiet agent sends no next batch to wait for.
      const failures = (this.failures.get(cluster) ?? 0) + 1;
      this.failures.set(cluster, failures);
      const retryMs = Math.min(MAX_RETRY_MS, this.debounceMs * 2 ** Math.min(failures, 16));
      if (message.startsWith('LeaseLostError')) {
        // Another replica holds the cluster now and analyses it: no retry here.
        this.log.warn({ cluster }, 'lease lost during the analysis: its results were not written (the new holder analyses the cluster)');
        this.onAnalysed?.(cluster, (performance.now() - started) / 1000, null, message);
        return null;
      }
      this.log.error({ cluster, err: message, retryInMs: retryMs }, 'cluster analysis failed; it runs again on the next batch or after the retry delay');
      this.onAnalysed?.(cluster, (performance.now() - started) / 1000, null, message);
      if (!this.timers.has(cluster)) this.schedule(cluster, retryMs);
      return null;
    }
  }

  /** Every cluster's credentials, RBAC and CA material together: blast radius and trust, stored under FLEET_CLUSTER. */
  async analyseFleet(): Promise<AnalysisOutcome | null> {
    const started = performance.now();
    try {
      const at = this.now();
      // Replicas: only the fleet lease's holder runs the pass, its writes fenced by the lease.
      const fence = this.gate ? this.gate.fence(FLEET_CLUSTER) : undefined;
      if (fence === null) return null;
      const heard = this.fleetChanges.snapshot();
      const result = this.worker
        ? await this.worker.fleet(at, heard, fence)
        : await analyseStoredFleet(fence ? fencedStore(this.store, fence) : this.store, at, { inputs: this.localFleet, heard });
      // A pass where nothing changed recorded nothing: the last radius (and its time) stand.
      if (!result.unchanged || !this.lastFleet) this.lastFleet = { at: at.toISOString(), radius: result.radius };
      if (fence) await this.gate!.fleetAnalysed(new Date(this.lastFleet.at), this.lastFleet.radius, fence);
      if (!result.unchanged) {
        for (const u of result.radius.unusable ?? []) {
          this.log.warn({ cluster: u.cluster, reason: u.reason }, "the fleet pass left out this cluster's credentials and CA material: its stored Secret facts or RBAC could not be read; the cluster's next snapshot replaces them");
        }
      }
      const seconds = (performance.now() - started) / 1000;
      this.runs.set(FLEET_CLUSTER, (this.runs.get(FLEET_CLUSTER) ?? 0) + 1);
      this.log.info({ cluster: FLEET_CLUSTER, clusters: result.clusters, reloaded: result.reloaded, unchanged: result.unchanged ?? false, ...result.outcome, seconds: Number(seconds.toFixed(3)) }, 'fleet analysed');
      this.onAnalysed?.(FLEET_CLUSTER, seconds, result.outcome, null);
      return result.outcome;
    } catch (err) {
      const message = errorLine(err);
      this.log.error({ cluster: FLEET_CLUSTER, err: message }, 'fleet analysis failed; it runs again on the next change');
      this.onAnalysed?.(FLEET_CLUSTER, (performance.now() - started) / 1000, null, message);
      return null;
    }
  }

  /**
   * Runs `fn` over one cluster's model (posture, tenants), one at a time with the analyses of its
   * lane, so memory on this thread stays at one model. Null when the cluster has no complete snapshot.
   */
  async withModel<T>(cluster: string, fn: (model: MeshModel) => T): Promise<T | null> {
    const lane = this.laneOf(cluster);
    for (let r = this.running[lane]; r; r = this.running[lane]) await r.catch(() => undefined);
    let release!: () => void;
    const slot = new Promise<void>((resolve) => (release = resolve));
    this.running[lane] = slot;
    try {
      const cursor = await this.store.cursor(cluster);
      if (!cursor.epoch || !cursor.snapshotComplete) return null;
      const model = new MeshModel(await loadResources(this.store, cluster));
      return fn(model);
    } finally {
      this.running[lane] = null;
      release();
      this.pump();
    }
  }
}

export interface ClusterRunResult {
  outcome: AnalysisOutcome;
  objects: number;
  findings: number;
  failedRules: string[];
  /** Incremental runs: whether the cached objects were used, and how many rules ran. */
  mode?: 'full' | 'incremental';
  rulesRun?: number;
  rebuilt?: boolean;
  /** Changes overlaid on the kept model after this run (incremental analysers). */
  overlays?: number;
}

/**
 * The whole per-cluster analysis against a store: what the worker thread runs (./analysis-worker.ts),
 * and the main thread when there is no worker. Null when the cluster is unknown, revoked, or has no
 * complete snapshot yet.
 */
export async function analyseStoredCluster(store: Store, cluster: string, rules: readonly Rule[], at: Date): Promise<ClusterRunResult | null> {
  const record = await store.getCluster(cluster);
  if (!record || record.revokedAt) return null;
  // The cursor before loading: what this analysis covers. Batches stored meanwhile schedule another run.
  const cursor = await store.cursor(cluster);
  if (!cursor.epoch || !cursor.snapshotComplete) return null;
  let resources: Resource[] | null = await loadResources(store, cluster);
  const objects = resources.length;
  const telemetry = (await telemetryFactsFor(store, cluster))?.facts; // issue 15: INS rules and "seen in traffic"
  // As scan reports a cluster: findings on ReplicaSets, Pods and Jobs folded into their controller's.
  const result = analyse({ files: [], resources, errors: [], notes: [] }, { rules, locator: new LiveLocator(), compactFindings: true, telemetry, foldOwned: true });
  resources = null;
  const findings = result.findings.map(findingInput);
  const outcome = await store.recordAnalysis(cluster, findings, at);
  await store.markAnalysed(cluster, cursor.seq, cursor.epoch, at);
  return { outcome, objects, findings: findings.length, failedRules: result.failures.map((f) => f.ruleId) };
}

export interface FleetRunResult {
  outcome: AnalysisOutcome;
  clusters: number;
  radius: BlastRadius;
  /** Clusters whose fleet slice was read from the store in this pass (the others were kept). */
  reloaded?: number;
  /** No slice changed and no cluster came or went: nothing was computed or recorded (radius is the last one). */
  unchanged?: boolean;
}

/** What the main thread heard of one cluster since it last heard of a snapshot (see FleetChangeLog). */
export interface FleetHeard {
  epoch: string;
  /** The last stored delta heard of; every seq from the first heard to this one was heard. */
  seq: number;
  /** The last of those that may have changed a FLEET_KINDS object (a fleet kind among its keys, or the first heard, after a gap). */
  fleetSeq: number;
}

/**
 * Per cluster, the deltas heard from ingest as far as the fleet pass cares: whether a batch changed an
 * object of FLEET_KINDS. Anything keys cannot describe (a snapshot, a delta too big to list, a gap in
 * the seqs, such as a batch another replica stored) forgets or marks the cluster, so its slice is read
 * again: the log can make the pass read more than needed, never less.
 */
export class FleetChangeLog {
  private readonly heard = new Map<string, FleetHeard>();

  /** Notes a stored batch; true when it may have changed the cluster's fleet slice. */
  note(cluster: string, info?: { epoch: string; seq: number; type: 'snapshot' | 'delta'; keys?: readonly ObjectKey[] }): boolean {
    if (!info || info.type !== 'delta' || !info.keys) {
      this.heard.delete(cluster);
      return true;
    }
    const h = this.heard.get(cluster);
    if (!h || h.epoch !== info.epoch || info.seq !== h.seq + 1) {
      this.heard.set(cluster, { epoch: info.epoch, seq: info.seq, fleetSeq: info.seq });
      return true;
    }
    h.seq = info.seq;
    if (info.keys.some((k) => FLEET_KINDS.has(k.kind))) {
      h.fleetSeq = info.seq;
      return true;
    }
    return false;
  }

  /** A copy for one pass (plain data: it crosses to the worker thread). */
  snapshot(): Map<string, FleetHeard> {
    return new Map([...this.heard].map(([c, h]) => [c, { ...h }]));
  }
}

interface FleetSlice {
  epoch: string;
  /** The cluster's stored seq when the slice was read (read before it: the slice is at least this new). */
  seq: number;
  input: ClusterInput;
}

/**
 * The fleet pass's inputs kept between passes: each cluster's FLEET_KINDS slice as a small model. A
 * slice is kept while the cluster's cursor has not moved, or moved only through deltas heard to touch
 * no fleet kind; otherwise it is read again (filtered in the store). Lives where the pass runs (the
 * fleet worker thread, or the main thread without one); a new thread starts empty.
 */
export class FleetInputs {
  private readonly slices = new Map<string, FleetSlice>();
  private members = '';
  private last: FleetRunResult | null = null;
  /** Counters for tests and logs. */
  readonly stats = { passes: 0, reloaded: 0, kept: 0, unchanged: 0 };

  /** The eligible clusters' inputs, reading only slices that may have changed. */
  async collect(store: Store, heard: ReadonlyMap<string, FleetHeard> | null): Promise<{ inputs: ClusterInput[]; reloaded: number; changed: boolean }> {
    const inputs: ClusterInput[] = [];
    const eligible = new Set<string>();
    let reloaded = 0;
    for (const c of await store.listClusters()) {
      if (c.name === FLEET_CLUSTER || c.revokedAt || !c.cursor.snapshotComplete || c.cursor.epoch === null) continue;
      eligible.add(c.name);
      const kept = this.slices.get(c.name);
      const h = heard?.get(c.name);
      const fresh =
        kept !== undefined &&
        kept.epoch === c.cursor.epoch &&
        (kept.seq === c.cursor.seq || (h !== undefined && h.epoch === kept.epoch && c.cursor.seq <= h.seq && h.fleetSeq <= kept.seq && kept.seq <= c.cursor.seq));
      if (fresh) {
        inputs.push(kept.input);
        this.stats.kept++;
        continue;
      }
      const resources = await loadResources(store, c.name, FLEET_KINDS);
      const slice: FleetSlice = { epoch: c.cursor.epoch, seq: c.cursor.seq, input: { name: c.name, model: new MeshModel(resources), files: [] } };
      this.slices.set(c.name, slice);
      inputs.push(slice.input);
      reloaded++;
      this.stats.reloaded++;
    }
    for (const name of [...this.slices.keys()]) if (!eligible.has(name)) this.slices.delete(name);
    const members = [...eligible].sort().join('\n');
    const changed = reloaded > 0 || members !== this.members;
    this.members = members;
    return { inputs, reloaded, changed };
  }

  /** The last recorded result (null: none, or the last pass failed, so the next one records again). */
  lastResult(): FleetRunResult | null {
    return this.last;
  }

  remember(result: FleetRunResult | null): void {
    this.last = result;
  }

  /** Clusters whose slice is kept (tests). */
  held(): number {
    return this.slices.size;
  }
}

/**
 * The fleet pass against a store (in the fleet worker, or this thread without one). With `inputs`
 * (kept slices) and `heard` (FleetChangeLog.snapshot()), only slices that may have changed are read,
 * and a pass where nothing changed records nothing.
 */
export async function analyseStoredFleet(store: Store, at: Date, opts: { inputs?: FleetInputs; heard?: ReadonlyMap<string, FleetHeard> | null } = {}): Promise<FleetRunResult> {
  const kept = opts.inputs ?? new FleetInputs();
  kept.stats.passes++;
  const last = kept.lastResult();
  // Until this pass has recorded, a failure must make the next one record again.
  kept.remember(null);
  const { inputs, reloaded, changed } = await kept.collect(store, opts.heard ?? null);
  if (!changed && last) {
    kept.stats.unchanged++;
    const same: FleetRunResult = { ...last, outcome: { opened: 0, resolved: 0, reopened: 0, open: last.outcome.open }, reloaded: 0, unchanged: true };
    kept.remember(same);
    return same;
  }
  const radius = blastRadius(inputs);
  if (!(await store.getCluster(FLEET_CLUSTER))) {
    try {
      await store.createCluster(FLEET_CLUSTER, at);
    } catch {
      // Another replica (or a concurrent pass) made it first.
    }
  }
  const outcome = await store.recordAnalysis(FLEET_CLUSTER, fleetFindings(radius), at);
  const result: FleetRunResult = { outcome, clusters: inputs.length, radius, reloaded, unchanged: false };
  kept.remember(result);
  return result;
}

/** Runs analyseStoredCluster somewhere else (a worker thread with its own store connection). */
export interface ClusterAnalysisWorker {
  /** Cluster analyses it runs at once, one per lane (default 1). */
  readonly lanes?: number;
  /** fence: replicas only (the lease the analysis writes under). lane: 0 to lanes - 1, the same for a cluster every time (its model is kept there). */
  run(cluster: string, at: Date, changes?: ClusterChanges | null, fence?: WriteFence, lane?: number): Promise<ClusterRunResult | null>;
  /** Builds a kept cluster model again in its lane if overlays have stacked on it (IncrementalAnalyser.compact); writes nothing. */
  compact?(cluster: string, lane: number): Promise<boolean>;
  /** The fleet pass, in a slot of its own (never queued behind a cluster's analysis). */
  fleet(at: Date, heard?: ReadonlyMap<string, FleetHeard> | null, fence?: WriteFence): Promise<FleetRunResult>;
  close(): Promise<void>;
}

/** Blast-radius reach and trust problems as findings of the fleet. */
export function fleetFindings(radius: BlastRadius): FindingInput[] {
  const out: FindingInput[] = [];
  for (const origin of radius.clusters) {
    for (const reach of origin.reach) {
      const first = reach.path[0];
      if (!first) continue;
      const secret: ResourceRef = first.credential.secret;
      const strong = reach.summary === 'cluster-admin' || reach.summary === 'reads all Secrets';
      const hops = reach.path.map((h) => `${h.from} → ${h.to}`).join(', ');
      out.push({
        fingerprint: fingerprint({ ruleId: FLEET_RULES.blastRadius, cluster: origin.cluster, kind: secret.kind, namespace: secret.namespace, name: secret.name, path: `data.${first.credential.dataKey}`, key: reach.cluster }),
        ruleId: FLEET_RULES.blastRadius,
        severity: strong ? 'high' : 'medium',
        title: 'A compromised cluster reaches another through a stored credential',
        message: `whoever controls cluster ${origin.cluster} reaches cluster ${reach.cluster} (${reach.summary}) via ${hops}, starting with the credential in Secret ${secret.namespace}/${secret.name} key ${first.credential.dataKey}`,
        remediation: 'Give remote-secret credentials only the read access istiod needs on the remote cluster, and keep them out of namespaces other workloads can read.',
        resource: secret,
        location: first.credential.location,
        evidence: reach.path.map((h) => ({ role: 'hop', description: `${h.from} → ${h.to} as ${h.principal ?? 'an unknown identity'} (${h.credential.description})`, resource: h.credential.secret, location: h.credential.location })),
      });
    }
  }
  for (const t of radius.trust) {
    const ruleId = trustRuleId(t.kind);
    const first = t.evidence[0];
    const resource: ResourceRef = first?.secret ?? { cluster: FLEET_CLUSTER, apiVersion: 'v1', kind: 'Secret', namespace: 'istio-system', name: 'cacerts' };
    out.push({
      fingerprint: fingerprint({ ruleId, cluster: FLEET_CLUSTER, kind: 'Secret', namespace: resource.namespace, name: resource.name, path: first?.field ?? '', key: [...t.clusters].sort().join(',') }),
      ruleId,
      severity: t.severity,
      title: 'Clusters share or mix mesh CA material',
      message: t.message,
      remediation: 'Give each cluster its own intermediate CA under one root per mesh, and separate roots (or trust domains) for meshes meant to be separate.',
      resource,
      location: null,
      evidence: t.evidence.map((e) => ({ role: 'ca-material', description: `${e.cluster}: ${e.field} ${e.certificate}`, resource: e.secret })),
    });
  }
  return out;
}

function errorLine(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown } | null;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0].slice(0, 300) : String(err).slice(0, 300);
  return `${name}: ${message}`;
}
