/**
 * Incremental per-cluster analysis (issue 13's speed, the start of issue 17). A full analysis of a
 * 20,000-object cluster loads every stored object, builds the model, runs every rule and rewrites the
 * findings: seconds. After one changed object most of that is the same as last time. So:
 *
 * - ChangeLog (where ingest's onStored lands): per cluster, the keys of the deltas stored since the
 *   last analysis started, with the epoch and the seq range they cover. A snapshot, a gap in the seqs,
 *   a batch too big to list or too many keys in all make it "unknown" (a full reload).
 * - IncrementalAnalyser (where the analysis runs): keeps the last analysed objects and the findings of
 *   each rule for recently analysed clusters, bounded by total objects (least recently used dropped
 *   first, so memory follows the number of busy clusters, not the fleet). When the changes cover every
 *   seq from the cached one to the store's cursor, it re-reads only the changed keys, re-runs only the
 *   rules whose `meta.reads` name a changed kind (src/rules/reads.test.ts holds every rule to its
 *   `reads`) over a model of just the kinds those rules read, and keeps every other rule's findings.
 *   Anything else (no cache, another epoch, a gap, a failed rule) is a full analysis, as before.
 */
import { runRules } from '../engine/run.js';
import { defaultSettings } from '../config/settings.js';
import { MeshModel } from '../model/model.js';
import { overlayModel } from '../model/overlay.js';
import { computePosture, overlayPosture, providePosture } from '../posture/index.js';
import { effectiveReads } from '../webhook/decide-fast.js';
import { inCanonicalOrder } from '../cli/live.js';
import { LiveLocator } from '../cluster/live-locator.js';
import { BARE_KIND_GROUPS, splitKindKey } from '../cluster/discovery.js';
import { kindKey, type Resource } from '../model/resource.js';
import type { Rule } from '../rules/types.js';
import { objectKeyString, type ObjectKey } from '../relay/protocol.js';
import type { FindingInput, Store } from '../store/types.js';
import { findingInput, resourceOf, type ClusterRunResult } from './analysis.js';
import { telemetryFactsFor } from './telemetry.js';

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

/** A rule's `reads` entry (`Deployment`, `apps/Deployment`, `Service`) in the store's key form (`apps/Deployment`, `Service`). */
export function normaliseKind(key: string): string {
  const { group, kind } = splitKindKey(key);
  return kindKey(group ?? (Object.hasOwn(BARE_KIND_GROUPS, kind) ? BARE_KIND_GROUPS[kind] : ''), kind);
}

interface CachedCluster {
  epoch: string;
  /** The store's seq these objects are current to. */
  seq: number;
  objects: Map<string, Resource>;
  /** Objects per namespace: the model knows a namespace from any object in it, whatever its kind. */
  perNamespace: Map<string, number>;
  /** Findings per rule of the last run (every rule that ran without failing has an entry). */
  byRule: Map<string, FindingInput[]>;
  /** The last run's model over `objects` (the same Resource objects), and how many overlays deep it is. */
  model: MeshModel;
  depth: number;
  /** Larger than every id in `model`. */
  nextId: number;
  /** When the traffic facts the last run read were stored (null: none). */
  telemetryAt: string | null;
}

/** Overlays stacked on one model before it is rebuilt (each is a prototype link and a few copied lists). */
const MAX_OVERLAY_DEPTH = 64;

/** The model a full analysis builds over `resources` (put in canonical order), with `scan`'s default settings. */
function freshModel(resources: Resource[]): MeshModel {
  return new MeshModel(inCanonicalOrder(resources));
}

/**
 * `model` with each change applied as an overlay (src/model/overlay.ts: only the touched indexes
 * copied, the posture recomputed only where the change reaches). A replacement keeps its object's id
 * and a removal leaves a gap, so every index is ordered as a fresh model orders it; an addition would
 * go last instead of to its canonical place, so it (and anything the overlay refuses) means null: rebuild.
 */
function overlaid(entry: CachedCluster, changes: Array<{ before: Resource | null; after: Resource | null }>): MeshModel | null {
  if (entry.depth + changes.length > MAX_OVERLAY_DEPTH) return null;
  let model = entry.model;
  for (const { before, after } of changes) {
    if (!before && after) return null;
    // The new object takes the old one's place: it is the one `objects` holds from now on.
    if (after) after.id = before!.id;
    const o = overlayModel(model, before, after);
    if (o.refused !== undefined) return null;
    const base = model;
    providePosture(o.model, () => overlayPosture(computePosture(base), o.model, before, after));
    model = o.model;
  }
  return model;
}

function count(m: Map<string, number>, ns: string, by: 1 | -1): void {
  const n = (m.get(ns) ?? 0) + by;
  if (n <= 0) m.delete(ns);
  else m.set(ns, n);
}

export interface IncrementalRunResult extends ClusterRunResult {
  mode: 'full' | 'incremental';
  rulesRun: number;
}

export class IncrementalAnalyser {
  /** Insertion order is recency: a hit is deleted and set again. */
  private readonly cache = new Map<string, CachedCluster>();
  private cachedObjects = 0;
  private readonly readsOf: Map<Rule, ReadonlySet<string>>;
  /** Counters for tests and metrics. */
  readonly stats = { full: 0, incremental: 0, rebuilt: 0 };

  constructor(
    private readonly rules: readonly Rule[],
    private readonly maxObjects = DEFAULT_CACHE_OBJECTS,
  ) {
    // As the admission webhook's fast path chooses rules: `reads` plus the model's structure
    // (namespaces and workloads), a margin over what src/rules/reads.test.ts can prove.
    this.readsOf = new Map(rules.map((r) => [r, new Set(effectiveReads(r).map(normaliseKind))]));
  }

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
    const telemetryAt = telemetry?.receivedAt ?? null;
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
    let rules: readonly Rule[];
    let model: MeshModel;
    if (usable) {
      entry = cached;
      const changedKinds = new Set<string>();
      const present = new Map<string, boolean>();
      const applied: Array<{ before: Resource | null; after: Resource | null }> = [];
      for (const key of changes?.keys ?? []) {
        changedKinds.add(key.kind);
        const id = objectKeyString(key);
        // Read now, after the cursor: at least as new as every batch the cursor covers.
        const stored = await store.object(cluster, key);
        const before = entry.objects.get(id);
        const after = stored ? resourceOf(stored, cluster, 0) : null;
        applied.push({ before: before ?? null, after });
        for (const r of [before, after]) if (r && !present.has(r.namespace)) present.set(r.namespace, entry.perNamespace.has(r.namespace));
        if (before) count(entry.perNamespace, before.namespace, -1);
        if (after) {
          entry.objects.set(id, after);
          count(entry.perNamespace, after.namespace, +1);
        } else entry.objects.delete(id);
      }
      const namespacesChanged = [...present].some(([ns, was]) => entry.perNamespace.has(ns) !== was);
      // A namespace that appeared or vanished changes what every rule may see (tenants, "sidecars in
      // namespace X"), whatever kind carried it: then every rule runs.
      rules = namespacesChanged || entry.telemetryAt !== telemetryAt ? this.rules : this.rules.filter((r) => !entry.byRule.has(r.meta.id) || [...this.readsOf.get(r)!].some((k) => changedKinds.has(k)));
      // The whole cluster is the model (one of only the kinds the rules read would lose namespaces and
      // objects the model derives from other kinds): the last one with the changes overlaid, or rebuilt.
      const over = overlaid(entry, applied);
      if (over) {
        model = over;
        entry.depth += applied.length;
      } else {
        model = freshModel([...entry.objects.values()]);
        entry.depth = 0;
        entry.nextId = entry.objects.size;
        this.stats.rebuilt++;
      }
      entry.model = model;
      this.stats.incremental++;
    } else {
      const objects = new Map<string, Resource>();
      const perNamespace = new Map<string, number>();
      for await (const stored of store.objects(cluster)) {
        const r = resourceOf(stored, cluster, 0);
        objects.set(objectKeyString(stored.key), r);
        count(perNamespace, r.namespace, +1);
      }
      model = freshModel([...objects.values()]);
      entry = { epoch: cursor.epoch, seq: cursor.seq, objects, perNamespace, byRule: new Map(), model, depth: 0, nextId: objects.size, telemetryAt };
      rules = this.rules;
      this.stats.full++;
    }
    entry.seq = cursor.seq;
    entry.telemetryAt = telemetryAt;
    // The rules as `scan` runs them (engine/scan.ts analyse): default settings, findings located in the objects.
    const result = runRules(model, rules, { settings: defaultSettings(), locator: new LiveLocator(), compact: true, telemetry: telemetry?.facts });
    const failed = new Set(result.failures.map((f) => f.ruleId));
    const fresh = new Map<string, FindingInput[]>();
    for (const r of rules) if (!failed.has(r.meta.id)) fresh.set(r.meta.id, []);
    for (const f of result.findings) fresh.get(f.ruleId)?.push(findingInput(f));
    for (const r of rules) {
      if (failed.has(r.meta.id)) entry.byRule.delete(r.meta.id);
      else entry.byRule.set(r.meta.id, fresh.get(r.meta.id)!);
    }
    const findings: FindingInput[] = [];
    for (const list of entry.byRule.values()) for (const f of list) findings.push(f);
    const outcome = await store.recordAnalysis(cluster, findings, at);
    await store.markAnalysed(cluster, cursor.seq, cursor.epoch, at);
    this.keep(cluster, entry);
    return { outcome, objects: entry.objects.size, findings: findings.length, failedRules: [...failed], mode: usable ? 'incremental' : 'full', rulesRun: rules.length };
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

  private keep(cluster: string, entry: CachedCluster): void {
    // A cluster bigger than the whole budget is never kept (it would evict everything and still not fit).
    if (entry.objects.size > this.maxObjects) return;
    this.cache.set(cluster, entry);
    this.cachedObjects += entry.objects.size;
    for (const [name, c] of this.cache) {
      if (this.cachedObjects <= this.maxObjects) break;
      this.cache.delete(name);
      this.cachedObjects -= c.objects.size;
    }
  }
}
