/**
 * Incremental per-cluster analysis for the server (issue 13's speed, issue 17): the store and relay
 * glue around the door-neutral engine (src/engine/incremental.ts), which keeps the model and each
 * rule's findings and re-runs only the rules that read what changed.
 *
 * - ChangeLog (where ingest's onStored lands): per cluster, the keys of the deltas stored since the
 *   last analysis started, with the epoch and the seq range they cover. A snapshot, a gap in the seqs,
 *   a batch too big to list or too many keys in all make it "unknown" (a full reload).
 * - IncrementalAnalyser (where the analysis runs): keeps an engine and the last analysed objects for
 *   recently analysed clusters, bounded by total objects (least recently used dropped first, so memory
 *   follows the number of busy clusters, not the fleet). When the changes cover every seq from the
 *   cached one to the store's cursor, it re-reads only the changed keys and hands them to the engine.
 *   Anything else (no cache, another epoch, a gap) is a full analysis, as before.
 */
import { OwnerIndex } from '../engine/owned.js';
import { defaultSettings } from '../config/settings.js';
import { IncrementalEngine, normaliseKind } from '../engine/incremental.js';
import type { Finding } from '../engine/finding.js';
import { LiveLocator } from '../cluster/live-locator.js';
import type { Resource } from '../model/resource.js';
import type { Rule } from '../rules/types.js';
import { objectKeyString, type ObjectKey } from '../relay/protocol.js';
import type { FindingInput, Store } from '../store/types.js';
import { findingInput, resourceOf, type ClusterRunResult } from './analysis.js';
import { telemetryFactsFor } from './telemetry.js';
import { sameJson } from '../model/same-json.js';

/** What changed in a cluster since its last analysis began: every key of the deltas seq fromSeq..toSeq of epoch. */
export interface ClusterChanges {
  epoch: string;
  fromSeq: number;
  toSeq: number;
  keys: ObjectKey[];
}

/** Keys remembered per cluster between two analyses; past this the next analysis reloads everything. */
export const MAX_PENDING_KEYS = 10_000;

/** Objects the analyser keeps across runs, over every cached cluster (about 3 KB each in memory). */
export const DEFAULT_CACHE_OBJECTS = 250_000;

/**
 * Each analysis lane's share of the kept objects (src/server/analysis-worker-host.ts): lanes keep
 * their own clusters, so the budget is shared out, with a quarter more in all so that a lane given a
 * busy cluster more than the others still keeps them all. Two lanes each keeping the whole budget
 * took the server's peak RSS from 1.77 to 3.14 GB at 100 x 20,000 objects.
 */
export function laneCacheObjects(lanes: number, total = DEFAULT_CACHE_OBJECTS): number {
  return lanes <= 1 ? total : Math.ceil((total * 1.25) / lanes);
}

/**
 * Overlays the server's engine stacks on a kept cluster model before building it again. History, all
 * with bench/relay-fleet.js (12 x 20,000 objects, 9 busy clusters, 20 Service deltas/s, 30 trials):
 * while a Service or PeerAuthentication change rebuilt the whole posture, keeping models gained
 * nothing (analysis p50 0.144 s with up to 12 overlays, 0.108 s with 2, about the same rebuilding the
 * model every time) and cost memory, so the model was dropped after each analysis. Since the posture
 * follows those changes as overlays (src/posture/index.ts), a kept model makes an analysis cheaper:
 * dropped, analysis p50 0.105 s, visibility p50 / p99 1.08 / 1.86 s, 67 s of server CPU over the
 * trials, peak RSS 1.33 GB; kept with up to 4 overlays 0.079 s, 0.55 / 2.54 s, 56 s, 1.58 GB; up to 8,
 * 0.076 s, 0.36 / 2.30 s, 48 s, 1.60 GB (a second run 0.071 s, 0.41 / 2.44 s, 46 s, 1.58 GB); up to
 * 16, 0.072 s, 0.40 / 1.63 s, 43 s, 1.70 GB. On 100 x 20,000 (60 trials, two runs each): up to 8,
 * visibility p95 / p99 0.96 / 1.82 s and 1.16 / 1.25 s, 1.72 GB; up to 16, 0.99 / 1.16 s and 1.10 /
 * 1.64 s, 1.77 GB: within this machine's noise of each other. 16 is kept because each rebuild (a model
 * and a posture from scratch) is among the slowest steady analyses and an overlay costs only its own
 * lists (about 50 MB more in all). Since idle lanes compact (COMPACT_AT_OVERLAYS), few changes reach
 * the limit at 20 deltas/s; at 50 deltas/s (100 x 20,000) 53 of 897 steady analyses still did, and 32
 * cut that to 2-3 with cluster analysis p99 0.59 -> 0.35-0.40 s, but visibility p99 stayed within
 * noise (1.02 s at 16; 0.94 and 1.21 s at 32): the load, not the rebuilds, decides it there.
 * 32 since 2026-12-05: at 100,000 objects (bench/incremental.js) each compaction leaves a whole model
 * to the garbage collector, whose major collections (a 150 to 330 ms pause then, most of it V8 going
 * over WeakMap entries: src/model/same-as.ts says why) land in later changes; compacting at 16 of 32
 * instead of 8 of 16 halves the
 * compactions (11 in 187 changes instead of 23). Four runs of each, interleaved: p50 9.7 to 11.5 ms
 * against 11.4 to 14.4, p99 48 to 91 (median 50) against 46 to 67 (median 58): a small gain within
 * the noise those pauses make. 100 x 20,000 (bench/relay-fleet.js, one run): peak RSS 2,588 MB
 * (2,219 at 16), visibility p99 764 ms (518), p50 159 (154).
 */
export const SERVER_MAX_OVERLAY_DEPTH = 32;

/**
 * Overlays at which an idle lane builds a kept model again before a change has to (half the limit:
 * a busy cluster gets several chances at idle moments before it reaches SERVER_MAX_OVERLAY_DEPTH).
 * At 100 x 20,000 objects the rebuilds a change had to wait for were the slowest steady analyses
 * (0.33 to 0.67 s under load, against 0.055 s for an overlay): docs/relay.md, fourth round.
 */
export const COMPACT_AT_OVERLAYS = 16;

interface Pending {
  epoch: string;
  fromSeq: number;
  toSeq: number;
  keys: Map<string, ObjectKey>;
}

/** The main thread's record of what each cluster's next analysis must re-read. */
export class ChangeLog {
  /** null: something happened that keys cannot describe (the next analysis reloads). */
  private readonly pending = new Map<string, Pending | null>();

  note(cluster: string, info: { epoch: string; seq: number; type: 'snapshot' | 'delta'; keys?: readonly ObjectKey[] }): void {
    if (info.type !== 'delta' || !info.keys) {
      this.pending.set(cluster, null);
      return;
    }
    const had = this.pending.get(cluster);
    if (had === null) return;
    if (had === undefined) {
      const p: Pending = { epoch: info.epoch, fromSeq: info.seq, toSeq: info.seq, keys: new Map() };
      for (const k of info.keys) p.keys.set(objectKeyString(k), k);
      this.pending.set(cluster, p.keys.size > MAX_PENDING_KEYS ? null : p);
      return;
    }
    if (had.epoch !== info.epoch || info.seq !== had.toSeq + 1) {
      this.pending.set(cluster, null);
      return;
    }
    had.toSeq = info.seq;
    for (const k of info.keys) had.keys.set(objectKeyString(k), k);
    if (had.keys.size > MAX_PENDING_KEYS) this.pending.set(cluster, null);
  }

  /** What the analysis starting now covers (null: reload everything); the log starts afresh for the cluster. */
  take(cluster: string): ClusterChanges | null {
    const p = this.pending.get(cluster);
    this.pending.delete(cluster);
    return p ? { epoch: p.epoch, fromSeq: p.fromSeq, toSeq: p.toSeq, keys: [...p.keys.values()] } : null;
  }

  forget(cluster: string): void {
    this.pending.delete(cluster);
  }
}

export { normaliseKind };

interface CachedCluster {
  epoch: string;
  /** Whether the cluster's agent had been heard from within AGENT_SILENT_MS, as last checked (keep). */
  agentLive: boolean;
  /** The store's seq these objects are current to. */
  seq: number;
  objects: Map<string, Resource>;
  engine: IncrementalEngine;
  /**
   * What the last analysis this analyser recorded wrote, per rule (the engine's list and its stored
   * form), and when: the next record names only the rules whose findings differ (AnalysisScope).
   */
  recorded: { at: Date; byRule: ReadonlyMap<string, RecordedRule> } | null;
}

interface RecordedRule {
  list: readonly Finding[];
  inputs: FindingInput[];
}

export interface IncrementalRunResult extends ClusterRunResult {
  mode: 'full' | 'incremental';
  rulesRun: number;
  /** An incremental run that built the model again (its overlays at their limit, or a change overlays cannot follow). */
  rebuilt: boolean;
  /** Changes overlaid on the kept model now (the server compacts the deepest while a lane is idle). */
  overlays: number;
}

/**
 * An agent heard from (any batch, its 30-second heartbeats included) within this long of an analysis
 * counts as alive for keeping the cluster's model: three missed heartbeats.
 */
export const AGENT_SILENT_MS = 90_000;

function agentLive(lastSeenAt: string | null, at: Date): boolean {
  return lastSeenAt !== null && at.getTime() - Date.parse(lastSeenAt) <= AGENT_SILENT_MS;
}

export class IncrementalAnalyser {
  /** Insertion order is recency: a hit is deleted and set again. */
  private readonly cache = new Map<string, CachedCluster>();
  private cachedObjects = 0;
  /** Counters for tests and metrics. */
  readonly stats = { full: 0, incremental: 0, rebuilt: 0 };

  constructor(
    private readonly rules: readonly Rule[],
    private readonly maxObjects = DEFAULT_CACHE_OBJECTS,
  ) {}

  /**
   * One cluster's analysis against the store; `changes` is what ChangeLog.take gave when it was
   * scheduled. Null when the cluster is unknown, revoked, or has no complete snapshot yet.
   */
  async run(store: Store, cluster: string, at: Date, changes: ClusterChanges | null): Promise<IncrementalRunResult | null> {
    const record = await store.getCluster(cluster);
    if (!record || record.revokedAt) {
      this.drop(cluster);
      return null;
    }
    // The cursor before reading: what this analysis covers. Batches stored meanwhile schedule another run.
    const cursor = await store.cursor(cluster);
    if (!cursor.epoch || !cursor.snapshotComplete) {
      this.drop(cluster);
      return null;
    }
    const cached = this.cache.get(cluster);
    this.drop(cluster);
    // Traffic facts (issue 15): new ones re-run every rule (INS rules and the "seen in traffic" pass).
    const telemetry = await telemetryFactsFor(store, cluster);
    // No changes noted and nothing stored since the cached run (a telemetry update): the cache holds.
    const unchanged = changes === null && cached !== undefined && cached.epoch === cursor.epoch && cached.seq === cursor.seq;
    const usable =
      cached !== undefined &&
      (unchanged ||
        (changes !== null &&
          cached.epoch === cursor.epoch &&
          changes.epoch === cursor.epoch &&
          changes.fromSeq <= cached.seq + 1 &&
          changes.toSeq >= cursor.seq));
    let entry: CachedCluster;
    let changed: string[] | null;
    if (usable) {
      entry = cached;
      changed = [];
      for (const key of changes?.keys ?? []) {
        const id = objectKeyString(key);
        // Read now, after the cursor: at least as new as every batch the cursor covers.
        const stored = await store.object(cluster, key);
        if (stored) entry.objects.set(id, resourceOf(stored, cluster, 0));
        else entry.objects.delete(id);
        changed.push(id);
      }
    } else {
      const objects = new Map<string, Resource>();
      for await (const stored of store.objects(cluster)) objects.set(objectKeyString(stored.key), resourceOf(stored, cluster, 0));
      // The rules as `scan` runs them (engine/scan.ts analyse): default settings, findings located in the objects.
      const engine = new IncrementalEngine(this.rules, { settings: defaultSettings(), locator: () => new LiveLocator(), compact: true, maxOverlayDepth: SERVER_MAX_OVERLAY_DEPTH });
      entry = { epoch: cursor.epoch, seq: cursor.seq, agentLive: false, objects, engine, recorded: null };
      changed = null;
    }
    entry.seq = cursor.seq;
    entry.agentLive = agentLive(record.lastSeenAt, at);
    const result = entry.engine.analyse(entry.objects, changed, telemetry ? { facts: telemetry.facts, key: telemetry.receivedAt } : null);
    const rebuilt = result.mode === 'incremental' && result.rebuilt;
    if (result.mode === 'full') this.stats.full++;
    else {
      this.stats.incremental++;
      if (rebuilt) this.stats.rebuilt++;
    }
    const findings: FindingInput[] = [];
    // Rules whose findings differ from the last recorded analysis: only those are compared in the store.
    // A rule the engine did not re-run kept its list; one it re-ran often finds exactly what it found
    // before (a Service changed, and a rule over AuthorizationPolicies that reads Services ran again):
    // checked here field by field, far cheaper than the store reading and re-serialising its findings.
    const changedRules: string[] = [];
    const recorded = entry.recorded;
    const nowRecorded = new Map<string, RecordedRule>();
    // As scan reports a cluster (and the full analysis records it): findings on ReplicaSets, Pods and
    // Jobs folded into their controller's, rule by rule. A rule whose list folds to nothing new keeps
    // its list's identity, so the comparison below stays as cheap as without.
    const owners = OwnerIndex.of(entry.objects.values());
    for (const [ruleId, made] of result.byRule) {
      const list = owners.fold(made).findings;
      const before = recorded?.byRule.get(ruleId);
      let inputs: FindingInput[];
      if (before && (before.list === list || sameFindings(before.inputs, list, before.list))) inputs = before.inputs;
      else {
        inputs = list.map(findingInput);
        if (recorded) changedRules.push(ruleId);
      }
      nowRecorded.set(ruleId, { list, inputs });
      for (const f of inputs) findings.push(f);
    }
    if (recorded) for (const ruleId of recorded.byRule.keys()) if (!result.byRule.has(ruleId)) changedRules.push(ruleId);
    const scope = recorded ? { since: recorded.at, rules: changedRules } : undefined;
    // Cleared first: if the write fails, the next analysis compares every finding.
    entry.recorded = null;
    const outcome = await store.recordAnalysis(cluster, findings, at, undefined, scope);
    entry.recorded = { at, byRule: nowRecorded };
    // The model is kept between analyses (with at most SERVER_MAX_OVERLAY_DEPTH overlays on it): see there.
    await store.markAnalysed(cluster, cursor.seq, cursor.epoch, at);
    await this.keep(store, cluster, entry, at);
    return { outcome, objects: entry.objects.size, findings: findings.length, failedRules: result.failures.map((f) => f.ruleId), mode: result.mode, rulesRun: result.rulesRun, rebuilt, overlays: entry.engine.overlays };
  }

  /**
   * Builds a kept cluster's model again if at least `minDepth` changes are overlaid on it
   * (IncrementalEngine.compact): the server asks while the cluster's lane has nothing queued. Whether it built.
   */
  compact(cluster: string, minDepth = COMPACT_AT_OVERLAYS): boolean {
    return this.cache.get(cluster)?.engine.compact(minDepth) ?? false;
  }

  /** Clusters and objects held now (tests, logs). */
  held(): { clusters: number; objects: number } {
    return { clusters: this.cache.size, objects: this.cachedObjects };
  }

  drop(cluster: string): void {
    const c = this.cache.get(cluster);
    if (!c) return;
    this.cache.delete(cluster);
    this.cachedObjects -= c.objects.size;
  }

  /**
   * Keeps `entry`, then drops models until the budget holds: those of clusters whose agent is silent
   * first, then the others, least recently analysed first within each (the new one too, if it is the
   * silent one left). A fleet's first analyses after a flood of snapshots (agents that connect, send,
   * and go, or a replica taking clusters over) then do not push out the models of clusters whose
   * agents are still sending, whose next change would otherwise cost a full analysis; when every agent
   * is alive, as in a healthy fleet, this is plain least-recently-analysed.
   */
  private async keep(store: Store, cluster: string, entry: CachedCluster, at: Date): Promise<void> {
    // A cluster bigger than the whole budget is never kept (it would evict everything and still not fit).
    if (entry.objects.size > this.maxObjects) return;
    this.cache.set(cluster, entry);
    this.cachedObjects += entry.objects.size;
    if (this.cachedObjects <= this.maxObjects) return;
    // Whose agents are alive now: one that sent its snapshot and went away counted as alive when its
    // cluster was analysed just after (only when a model must go: a few reads, not one per analysis).
    // A read that fails keeps what was known: the analysis is already recorded, and must not fail for this.
    for (const [name, c] of this.cache) {
      if (c !== entry && c.agentLive) c.agentLive = await store.getCluster(name).then((r) => agentLive(r?.lastSeenAt ?? null, at), () => c.agentLive);
    }
    for (const dropLive of [false, true]) {
      for (const [name, c] of this.cache) {
        if (this.cachedObjects <= this.maxObjects) return;
        if (c.agentLive !== dropLive) continue;
        this.cache.delete(name);
        this.cachedObjects -= c.objects.size;
      }
    }
  }
}

/**
 * Whether an engine's findings are, in order, exactly the stored forms given: every field the store
 * keeps (Store.recordAnalysis compares severity, rule, namespace and the body, as JSON text: sameJson
 * compares the same way without making the text). Anything else counts as a difference. `made`: the
 * findings the stored forms were made from, in the same order; a finding that is the very same object
 * (the engine gave back an earlier run's finding, RunOptions.fingerprints) is equal without reading it.
 */
export function sameFindings(stored: readonly FindingInput[], fresh: readonly Finding[], made?: readonly Finding[]): boolean {
  if (stored.length !== fresh.length) return false;
  for (let i = 0; i < fresh.length; i++) {
    const a = stored[i];
    const b = fresh[i];
    if (made?.[i] === b) continue;
    if (
      a.fingerprint !== b.fingerprint ||
      a.ruleId !== b.ruleId ||
      a.severity !== b.severity ||
      a.title !== b.title ||
      a.message !== b.message ||
      a.remediation !== b.remediation ||
      !sameJson(a.resource, b.resource) ||
      !sameJson(a.location ?? null, b.location ?? null) ||
      !sameJson(a.evidence, b.evidence) ||
      !sameJson(a.seenInTraffic, b.seenInTraffic)
    ) {
      return false;
    }
  }
  return true;
}
