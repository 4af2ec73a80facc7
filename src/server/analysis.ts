/**
 * The server's analysis: per cluster, debounced after ingest stores a batch, the cluster's stored
 * objects become a model, the same rules as `scan` run over it (same settings defaults), and the
 * complete result replaces the cluster's open findings (Store.recordAnalysis: new ones open, missing
 * ones resolve, returning ones reopen). Then, debounced again, the cross-cluster analysis (blast
 * radius and CA trust, src/multicluster) runs over every cluster and is stored under FLEET_CLUSTER.
 *
 * Memory: one cluster's model at a time (analyses run one after another, never in parallel). The
 * fleet pass loads only the kinds blast radius and trust read (Secrets, RBAC, service accounts, the
 * mesh config), so its models hold a small slice of each cluster, never the fleet's objects.
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
import { FLEET_CLUSTER } from '../store/types.js';
import type { IngestListener } from './types.js';
import { FLEET_RULE_IDS, trustRuleId } from '../rules/multicluster/fleet.js';
import { ChangeLog, IncrementalAnalyser, type ClusterChanges } from './analysis-incremental.js';

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

export const DEFAULT_DEBOUNCE_MS = 250;
export const DEFAULT_IDLE_DEBOUNCE_MS = 50;
export const DEFAULT_FLEET_DEBOUNCE_MS = 1000;
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

/** Loads a cluster's objects (optionally only some kinds), giving the event loop a turn every YIELD_EVERY. */
export async function loadResources(store: Store, cluster: string, kinds?: ReadonlySet<string>): Promise<Resource[]> {
  const out: Resource[] = [];
  let n = 0;
  for await (const stored of store.objects(cluster)) {
    if (++n % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
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
  private readonly rules: readonly Rule[];
  private readonly now: () => Date;
  private readonly onAnalysed: AnalysisOptions['onAnalysed'];
  private readonly worker: ClusterAnalysisWorker | null;
  private readonly idleDebounceMs: number;
  private readonly gate: AnalysisGate | null;
  /** The keys each cluster's next analysis must re-read (incremental analysis). */
  private readonly changes = new ChangeLog();
  /** Incremental analysis on this thread when there is no worker. */
  private readonly local: IncrementalAnalyser;
  /** Clusters waiting for their quiet time to end. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Clusters whose quiet time ended, in order, waiting for the one analysis slot. */
  private readonly ready: string[] = [];
  private readonly readySet = new Set<string>();
  private fleetTimer: NodeJS.Timeout | null = null;
  private fleetDirty = false;
  private running: Promise<unknown> | null = null;
  private closed = false;
  private lastFleet: { at: string; radius: BlastRadius } | null = null;
  /** Waiters for idle(). */
  private idleWaiters: Array<() => void> = [];
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
    this.worker = opts.worker ?? null;
    this.idleDebounceMs = Math.min(opts.idleDebounceMs ?? DEFAULT_IDLE_DEBOUNCE_MS, this.debounceMs);
    this.local = new IncrementalAnalyser(this.rules, opts.cacheObjects);
    this.gate = opts.gate ?? null;
  }

  onStored(cluster: string, info?: Parameters<IngestListener['onStored']>[1]): void {
    if (info) this.changes.note(cluster, info);
    else this.changes.forget(cluster);
    // Nothing running or queued: a short wait (a burst still coalesces); otherwise the usual one.
    const idle = this.running === null && this.ready.length === 0 && this.timers.size === 0;
    this.schedule(cluster, idle ? this.idleDebounceMs : this.debounceMs);
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
    return this.timers.size === 0 && this.ready.length === 0 && this.fleetTimer === null && !this.fleetDirty && this.running === null;
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
    this.fleetDirty = false;
    await this.running;
    await this.worker?.close();
    this.settle();
  }

  /** Queues every registered cluster (at start: batches stored before a restart may not have been analysed). */
  async scheduleAll(): Promise<void> {
    for (const c of await this.store.listClusters()) {
      if (c.name !== FLEET_CLUSTER && !c.revokedAt && c.cursor.snapshotComplete && (!this.gate || this.gate.fence(c.name))) this.schedule(c.name, 0);
    }
  }

  private pump(): void {
    if (this.running || this.closed) {
      this.settle();
      return;
    }
    const next = this.ready.shift();
    if (next !== undefined) {
      this.readySet.delete(next);
      this.running = this.analyseCluster(next).finally(() => {
        this.running = null;
        this.pump();
      });
      return;
    }
    if (this.fleetDirty && this.fleetTimer === null) {
      this.fleetDirty = false;
      this.running = this.analyseFleet().finally(() => {
        this.running = null;
        this.pump();
      });
      return;
    }
    this.settle();
  }

  /** Runs the fleet pass once its quiet time ends (replicas: the fleet lease's holder hears of other replicas' changes). */
  scheduleFleet(): void {
    if (this.closed) return;
    if (this.fleetTimer) clearTimeout(this.fleetTimer);
    this.fleetTimer = setTimeout(() => {
      this.fleetTimer = null;
      this.fleetDirty = true;
      this.pump();
    }, this.fleetDebounceMs);
  }

  /** One cluster: stored objects → model → rules → recordAnalysis (in the worker when there is one). Errors are logged, never thrown. */
  async analyseCluster(cluster: string): Promise<AnalysisOutcome | null> {
    const started = performance.now();
    try {
      const at = this.now();
      const changes = this.changes.take(cluster);
      // Replicas: only the lease holder analyses, and its writes are fenced by the lease's generation.
      const fence = this.gate ? this.gate.fence(cluster) : undefined;
      if (fence === null) return null;
      const result = this.worker ? await this.worker.run(cluster, at, changes, fence) : await this.local.run(fence ? fencedStore(this.store, fence) : this.store, cluster, at, changes);
      if (!result) return null;
      for (const ruleId of result.failedRules) this.log.error({ cluster, rule: ruleId }, 'a rule failed during analysis; its findings are missing from this run');
      const seconds = (performance.now() - started) / 1000;
      this.runs.set(cluster, (this.runs.get(cluster) ?? 0) + 1);
      if (result.mode) this.modes[result.mode]++;
      this.log.info({ cluster, objects: result.objects, findings: result.findings, mode: result.mode, rulesRun: result.rulesRun, ...result.outcome, seconds: Number(seconds.toFixed(3)) }, 'cluster analysed');
      this.onAnalysed?.(cluster, seconds, result.outcome, null);
      this.scheduleFleet();
      return result.outcome;
    } catch (err) {
      const message = errorLine(err);
      if (message.startsWith('LeaseLostError')) this.log.warn({ cluster }, 'lease lost during the analysis: its results were not written (the new holder analyses the cluster)');
      else this.log.error({ cluster, err: message }, 'cluster analysis failed; it runs again on the next batch');
      this.onAnalysed?.(cluster, (performance.now() - started) / 1000, null, message);
      return null;
    }
  }

  /** Every cluster's credentials, RBAC and CA material together: blast radius and trust, stored under FLEET_CLUSTER. */
  async analyseFleet(): Promise<AnalysisOutcome | null> {
    const started = performance.now();
    try {
      const at = this.now();
      const fence = this.gate ? this.gate.fence(FLEET_CLUSTER) : undefined;
      if (fence === null) return null;
      const result = this.worker ? await this.worker.fleet(at, fence) : await analyseStoredFleet(fence ? fencedStore(this.store, fence) : this.store, at);
      this.lastFleet = { at: at.toISOString(), radius: result.radius };
      if (fence) await this.gate!.fleetAnalysed(at, result.radius, fence);
      const seconds = (performance.now() - started) / 1000;
      this.runs.set(FLEET_CLUSTER, (this.runs.get(FLEET_CLUSTER) ?? 0) + 1);
      this.log.info({ cluster: FLEET_CLUSTER, clusters: result.clusters, ...result.outcome, seconds: Number(seconds.toFixed(3)) }, 'fleet analysed');
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
   * Runs `fn` over one cluster's model (posture, tenants), one at a time with the analyses so memory
   * stays at one model. Null when the cluster has no complete snapshot.
   */
  async withModel<T>(cluster: string, fn: (model: MeshModel) => T): Promise<T | null> {
    while (this.running) await this.running.catch(() => undefined);
    let release!: () => void;
    const slot = new Promise<void>((resolve) => (release = resolve));
    this.running = slot;
    try {
      const cursor = await this.store.cursor(cluster);
      if (!cursor.epoch || !cursor.snapshotComplete) return null;
      const model = new MeshModel(await loadResources(this.store, cluster));
      return fn(model);
    } finally {
      this.running = null;
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
  const result = analyse({ files: [], resources, errors: [], notes: [] }, { rules, locator: new LiveLocator(), compactFindings: true });
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
}

/** The fleet pass against a store (in the worker, or this thread without one). */
export async function analyseStoredFleet(store: Store, at: Date): Promise<FleetRunResult> {
  const inputs: ClusterInput[] = [];
  for (const c of await store.listClusters()) {
    if (c.name === FLEET_CLUSTER || c.revokedAt || !c.cursor.snapshotComplete) continue;
    const resources = await loadResources(store, c.name, FLEET_KINDS);
    inputs.push({ name: c.name, model: new MeshModel(resources), files: [] });
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
  return { outcome, clusters: inputs.length, radius };
}

/** Runs analyseStoredCluster somewhere else (a worker thread with its own store connection). */
export interface ClusterAnalysisWorker {
  run(cluster: string, at: Date, changes?: ClusterChanges | null, fence?: WriteFence): Promise<ClusterRunResult | null>;
  fleet(at: Date, fence?: WriteFence): Promise<FleetRunResult>;
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
