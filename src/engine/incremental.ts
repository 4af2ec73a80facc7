/**
 * The incremental analysis engine (issue 17), shared by every door that watches a cluster change: the
 * server's per-cluster analysis (src/server/analysis-incremental.ts), `meshward scan --watch`
 * (src/cli/commands/scan-watch.ts) and the admission webhook's base (src/webhook/decide-fast.ts). It knows nothing of
 * stores, relays or informers: its input is the whole set of objects (a map key → Resource) and the
 * keys that changed since the last call; its output is the findings of every rule.
 *
 * After one changed object most of a full analysis is the same as last time, so the engine keeps:
 * - the last objects and the model built over them;
 * - the findings of each rule.
 * On a change it applies each changed object to the model as an overlay (src/model/overlay.ts: only the
 * touched indexes copied, the posture recomputed only where the change reaches), then re-runs only the
 * rules whose `meta.reads` (plus the model's structure: namespaces, as the webhook's
 * fast path does) name a changed kind, and keeps every other rule's findings. A change confined to
 * tenant namespaces re-runs the rules that declare `scope: 'namespace'` over those namespaces alone
 * (src/engine/scope.ts), and rules keep per-namespace values across runs until a change reaches the
 * namespace (RuleContext.perNamespace, `namespaceValues` here). A namespace appearing,
 * vanishing or moving in the model's namespace list re-runs every rule (tenants, "sidecars in namespace
 * X", namespaces listed in a message change whatever kind carried the namespace or its first object);
 * so does a change to what the whole model derives from a few objects (the mesh config and its root
 * namespace, the injector config, IstioOperators: modelWideReason in src/model/overlay.ts).
 * A Namespace updated in place is an overlay: every rule runs again when its mesh facts change (mode,
 * injection, waypoint), only the rules reading its other labels when they do not, the namespace-scoped
 * ones over that namespace alone (namespaceUpdateReach; docs/adding-a-rule.md, "Namespaces").
 * Whatever the overlay does not model (Namespaces created or deleted or moved to another tenant, the
 * mesh config, gateway-API Gateways, a namespace's first or last object, too deep a stack of overlays)
 * rebuilds the model from scratch, and still re-runs only the rules that read what changed.
 *
 * Order: a from-scratch analysis sorts the objects canonically (kind, namespace, name) and rules see
 * them in that order (the first report of a fingerprint wins, the oldest of two Sidecars wins, evidence
 * lists are cut at N). The engine numbers objects with gaps (ID_STEP apart) so that a new object can
 * take the id between its canonical neighbours and every index stays in the order a fresh model has;
 * when two neighbours have no id left between them the model is rebuilt (renumbered). A removed object's
 * id is not given out again before the next rebuild (the models under the overlays index workloads by
 * id). With
 * `order: 'given'` (the webhook, whose reference analyses the cache in its own order) the caller's map
 * order is the order instead, and a new object takes the id between its neighbours in that order.
 *
 * Held to a from-scratch analysis, for every rule, after every step of random creates, updates and
 * deletes by src/engine/incremental.test.ts; every kind a rule reads through the model is held to its
 * `reads` by src/rules/reads-recorded.test.ts.
 */
import { compareFindings, NamespaceValues, runRules, type RuleFailure } from './run.js';
import { findingScope, isNamespaceScoped, namespaceSliceView, scopeOfChange } from './scope.js';
import { FingerprintMemo } from './fingerprint.js';
import type { Finding, Severity } from './finding.js';
import type { Locator } from '../loader/locate.js';
import { defaultSettings, type RuleSettings } from '../config/settings.js';
import { MeshModel, type ModelOptions } from '../model/model.js';
import { isNamespaceUpdate, modelWideReason, namespaceUpdateReach, overlayModel } from '../model/overlay.js';
import { computePosture, overlayPosture, providePosture } from '../posture/index.js';
import { kindsReadThroughPosture } from '../posture/reads.js';
import { declareSame } from '../model/same-as.js';
import { compareObjects, inCanonicalOrder } from '../cli/live.js';
import { BARE_KIND_GROUPS, splitKindKey } from '../cluster/discovery.js';
import { kindKey, type Resource } from '../model/resource.js';
import { WORKLOAD_KINDS, workloadOf } from '../model/workloads.js';
import type { Rule } from '../rules/types.js';
import type { TrafficFacts } from '../insights/types.js';

/** A rule's `reads` entry (`Deployment`, `apps/Deployment`, `Service`) in grouped form (`apps/Deployment`, `Service`). */
export function normaliseKind(key: string): string {
  const { group, kind } = splitKindKey(key);
  return kindKey(group ?? (Object.hasOwn(BARE_KIND_GROUPS, kind) ? BARE_KIND_GROUPS[kind] : ''), kind);
}

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
const WORKLOAD_READS = WORKLOAD_KINDS.map(normaliseKind);

function makesWorkload(r: Resource): boolean {
  try {
    return workloadOf(r) !== null;
  } catch {
    return true;
  }
}

/**
 * Kinds every rule may read through the model's structure whatever its `reads` say: namespaces (their
 * labels and mesh mode decide what `namespace()`, `dataplaneOf` and the tenancy answer). Workloads are
 * not here: a rule that asks for them (`workloads`, `workloadsIn`, `workloadFor`, `selectWorkloads`,
 * `meshModeOf`, the posture) lists WORKLOAD_READS, which src/rules/reads-recorded.test.ts holds by
 * recording every such call; src/rules/reads.test.ts holds the rest by their effect. The webhook's
 * fast path chooses rules the same way.
 */
const STRUCTURAL_READS = ['Namespace'];

/** What a rule reads, for choosing the rules a change re-runs: its `reads` and the model's structure. */
export function effectiveReads(rule: Rule): string[] {
  return [...rule.meta.reads, ...STRUCTURAL_READS];
}

/** Whether a Namespace update that keeps the namespace's facts can change the rule's findings (RuleMeta.namespaceContent). */
export function readsNamespaceContent(rule: Rule): boolean {
  return rule.meta.namespaceContent ?? rule.meta.reads.some((k) => normaliseKind(k) === kindKey('', 'Namespace'));
}

/** Gap between two neighbouring ids after a rebuild: room for 20 insertions at one place before a renumbering. */
export const ID_STEP = 2 ** 20;

/** More changed namespaces in one call than this and scoped rules run over the whole model. */
export const MAX_SCOPED_NAMESPACES = 8;

/** Overlays stacked on one model before it is rebuilt (each is a prototype link and a few copied lists). */
export const DEFAULT_MAX_OVERLAY_DEPTH = 64;

export interface IncrementalEngineOptions {
  /** Rule settings (default: `scan`'s defaults). */
  settings?: RuleSettings;
  /** The model's options (tenant policy, system namespaces, cluster domain). A change of these needs a new engine or reset(). */
  model?: ModelOptions;
  /** A locator for each run (findings placed in their objects), e.g. `() => new LiveLocator()`. */
  locator?: () => Locator;
  /** Per-rule severity overrides (the config file's). */
  severityOverrides?: Record<string, Severity>;
  /** Compact findings (RunOptions.compact). Default true. */
  compact?: boolean;
  maxOverlayDepth?: number;
  /**
   * The order rules see objects in: `canonical` (kind, namespace, name: as `scan` sorts them) or
   * `given` (the order the caller's map iterates in: the webhook's, whose reference analysis takes
   * the cache's order, where creation order decides which of two Sidecars wins). Default canonical.
   */
  order?: 'canonical' | 'given';
  /**
   * Whether a change confined to tenant namespaces re-runs namespace-scoped rules over those
   * namespaces alone (src/engine/scope.ts). Default true; false runs every chosen rule over the whole
   * model (the tests' yardstick).
   */
  scoping?: boolean;
}

export interface EngineResult {
  /** Findings of every rule that did not fail, by rule id (rules that did not run keep their last findings). */
  byRule: ReadonlyMap<string, readonly Finding[]>;
  /** Rules that failed in this run (they run again next time). */
  failures: RuleFailure[];
  mode: 'full' | 'incremental';
  /** Rules run this time. */
  rulesRun: number;
  /** Of those, the rules run over the changed namespaces alone (src/engine/scope.ts). */
  rulesScoped?: number;
  /** Whether the model was rebuilt from scratch. */
  rebuilt: boolean;
  /** The model the rules ran over (valid until the next call). */
  model: MeshModel;
  objects: number;
}

/**
 * Traffic facts for the rules (issue 15), with a key that names their version (e.g. when they were
 * stored): new facts re-run every rule (INS rules, and "seen in traffic" on the others' findings).
 */
export interface EngineTelemetry {
  facts: TrafficFacts;
  key: string;
}

/** One change as the model sees it: the object before (null: created) and after (null: deleted). */
interface Applied {
  key: string;
  before: Resource | null;
  after: Resource | null;
  /** A Namespace update, what it reaches (namespaceUpdateReach). */
  namespaceReach?: 'content' | 'facts' | 'everything';
  /** Set by the overlay: the change kept every workload's posture (POSTURE_KEEPING_KINDS). */
  postureKept?: boolean;
}

/**
 * Kinds whose change the posture overlay can show to keep every workload's posture: an Istio Gateway
 * (its selector decides which workloads are gateways; overlayPosture refuses when one becomes or stops
 * being one). The rules that read them only through the posture need not run for such a change.
 */
export const POSTURE_KEEPING_KINDS: ReadonlySet<string> = new Set(['networking.istio.io/Gateway']);

/** The changed object's kind, normalised (kindKey of its group and kind). */
function kindOfChange(a: Applied): string {
  const r = (a.after ?? a.before)!;
  return normaliseKind(kindKey(r.group, r.kind));
}

export class IncrementalEngine {
  /** key → the caller's object (to tell a real change from the same object given again). */
  private readonly given = new Map<string, Resource>();
  /** key → the engine's copy of it (its id is the engine's). */
  private readonly objects = new Map<string, Resource>();
  /** Objects per namespace: the model knows a namespace from any object in it, whatever its kind. */
  private readonly perNamespace = new Map<string, number>();
  private readonly byRule = new Map<string, readonly Finding[]>();
  /** Objects per kind key, with the kind's group and name (where a new object's canonical neighbours are). */
  private readonly perKind = new Map<string, { group: string; kind: string; n: number }>();
  private model: MeshModel | null = null;
  private telemetry: EngineTelemetry | null = null;
  private depth = 0;
  /** Larger than or equal to every id given out since the last rebuild. */
  private maxId = -1;
  /**
   * Ids of objects removed since the last rebuild. They are never given out again until then: the
   * models under the overlays still hold id-keyed indexes (MeshModel.workloadFor looks a workload up by
   * its object's id), so a new object taking a removed one's id would be answered as the removed object
   * (seed 101: a Service created where a deleted Deployment was read as that Deployment's workload).
   */
  private readonly retired = new Set<number>();
  private readonly readsOf: Map<Rule, ReadonlySet<string>>;
  /** Per rule, the kinds of POSTURE_KEEPING_KINDS it reads only through the posture (kindsReadThroughPosture). */
  private readonly throughPostureOf: Map<Rule, ReadonlySet<string>>;
  /** Rules that read a Namespace's content beyond its facts (re-run by a Namespace update that keeps them: analyse). */
  private readonly namespaceContentReaders: ReadonlySet<Rule>;
  private readonly settings: RuleSettings;
  private readonly maxDepth: number;
  private readonly scoping: boolean;
  /** Counters for tests, benchmarks and metrics. */
  readonly stats = { full: 0, incremental: 0, rebuilt: 0, overlaid: 0, scoped: 0, namespaceContentOnly: 0 };
  /** Findings' fingerprints by object, across runs: a rule run again over an unchanged object hashes nothing. */
  private readonly fingerprints = new FingerprintMemo();
  /** What rules remember per tenant namespace across runs (RuleContext.perNamespace). */
  readonly namespaceValues = new NamespaceValues();

  constructor(
    readonly rules: readonly Rule[],
    private readonly opts: IncrementalEngineOptions = {},
  ) {
    this.readsOf = new Map(rules.map((r) => [r, new Set(effectiveReads(r).map(normaliseKind))]));
    this.throughPostureOf = new Map(rules.map((r) => [r, new Set(kindsReadThroughPosture(r.meta.reads).map(normaliseKind).filter((k) => POSTURE_KEEPING_KINDS.has(k)))]));
    this.namespaceContentReaders = new Set(rules.filter(readsNamespaceContent));
    this.settings = opts.settings ?? defaultSettings();
    this.maxDepth = opts.maxOverlayDepth ?? DEFAULT_MAX_OVERLAY_DEPTH;
    this.scoping = opts.scoping ?? true;
  }

  /** Whether the engine holds a previous analysis (else the next call is a full one whatever it is told). */
  get primed(): boolean {
    return this.model !== null;
  }

  get size(): number {
    return this.objects.size;
  }

  /** An id larger than every object's in the current model (an object added after all the others). */
  get nextId(): number {
    return this.maxId + 1;
  }

  /** Changes overlaid on the model since it was last built (0 right after a build). */
  get overlays(): number {
    return this.depth;
  }

  /**
   * Builds the model again from the engine's objects, and its posture, when at least `minDepth`
   * changes are overlaid on it: done while nothing waits (the server's idle lanes), so that the
   * change that would have reached the overlay limit overlays a fresh model instead of paying for the
   * build. Findings are kept (the objects are the same objects). Whether it built.
   */
  compact(minDepth = 1): boolean {
    if (!this.model || this.depth < Math.max(1, minDepth)) return false;
    const previous = this.model;
    this.model = this.fresh(this.given);
    // The same objects: the rules' answers kept against the last host index and tenancy hold for these.
    declareSame(this.model.hosts, previous.hosts);
    declareSame(this.model.tenancy, previous.tenancy);
    computePosture(this.model);
    return true;
  }

  /** The engine's copy of an object (the one in the model, with the model's id). */
  copyOf(key: string): Resource | undefined {
    return this.objects.get(key);
  }

  /** Forgets everything: the next analysis is a full one. */
  reset(): void {
    this.given.clear();
    this.objects.clear();
    this.perNamespace.clear();
    this.perKind.clear();
    this.byRule.clear();
    this.retired.clear();
    this.model = null;
    this.depth = 0;
    this.namespaceValues.forgetAll();
  }

  /**
   * Analyses `objects`. `changed` lists every key whose object was created, replaced or deleted since
   * the last call (a key in neither the last objects nor `objects` is ignored); null (or no previous
   * analysis) means a full analysis. Objects are not modified: the engine keeps shallow copies.
   * `telemetry` (when given) is what the rules see as traffic facts; another key than last time re-runs every rule.
   */
  analyse(objects: ReadonlyMap<string, Resource>, changed: Iterable<string> | null, telemetry: EngineTelemetry | null = null): EngineResult {
    const telemetryChanged = (telemetry?.key ?? null) !== (this.telemetry?.key ?? null);
    this.telemetry = telemetry;
    if (changed === null || this.model === null) return this.full(objects);
    const applied: Applied[] = [];
    const changedKinds = new Set<string>();
    const present = new Map<string, boolean>();
    // A change to what the whole model derives from a few objects (the mesh config and its root namespace,
    // the injector config, the cluster domain, namespace modes) reaches every rule through the model,
    // whatever its `reads` say: every rule runs again (src/rules/reads-recorded.test.ts leaves these
    // reads out for that reason). The model is rebuilt for such a change anyway.
    let modelWide = false;
    for (const key of new Set(changed)) {
      const now = objects.get(key) ?? null;
      const was = this.given.get(key) ?? null;
      if (now === was) continue;
      const before = this.objects.get(key) ?? null;
      const after = now ? { ...now } : null;
      // A replacement keeps its object's place.
      if (before && after) after.id = before.id;
      let namespaceReach: Applied['namespaceReach'];
      if (before && after && isNamespaceUpdate(before, after)) {
        namespaceReach = namespaceUpdateReach(this.model, before, after);
        if (namespaceReach !== 'content') changedKinds.add(kindKey('', 'Namespace'));
      } else for (const r of [before, after]) {
        if (!r) continue;
        // Both the object's own group and the grouped form of its bare kind: `reads: [Deployment]` means
        // apps/Deployment, and a workload read through the model is one whatever group it came with.
        changedKinds.add(kindKey(r.group, r.kind));
        changedKinds.add(normaliseKind(r.kind));
        // Workloads are read through the model whatever made them: a Deployment of an odd group, a
        // gateway-API Gateway or GatewayClass (the model makes up the gateway pods Istio deploys).
        if (r.group === GATEWAY_API_GROUP || (r === before ? this.model.workloadFor(r) !== undefined : makesWorkload(r))) for (const k of WORKLOAD_READS) changedKinds.add(k);
        if (!present.has(r.namespace)) present.set(r.namespace, this.perNamespace.has(r.namespace));
        if (modelWideReason(r, this.model.rootNamespace) !== null) modelWide = true;
      }
      if (before) this.counted(before, -1);
      if (now && after) {
        this.given.set(key, now);
        this.objects.set(key, after);
        this.counted(after, +1);
      } else {
        this.given.delete(key);
        this.objects.delete(key);
      }
      applied.push({ key, before, after, namespaceReach });
    }
    // A Namespace update that keeps what every rule sees of the namespace (namespaceUpdateReach) re-runs
    // the rules that read its content (readsNamespaceContent), not every rule through the model's structure.
    const namespaceContentChanged = applied.some((a) => a.namespaceReach === 'content');
    if (namespaceContentChanged) this.stats.namespaceContentOnly++;
    const namespacesChanged = [...present].some(([ns, was]) => this.perNamespace.has(ns) !== was);
    // The model lists a namespace without a Namespace object where its first object is: removing or
    // adding that object (of any kind) can reorder namespaces() without adding or removing one, and
    // every rule that walks namespaces() (AUT006's "mesh namespaces (shop, team-a)") sees the new order.
    const namespacesBefore = namespaceOrder(this.model);
    let rebuilt = false;
    if (applied.length) {
      const over = this.overlaid(this.model, applied, objects);
      if (over) {
        this.model = over;
        this.depth += applied.length;
        this.stats.overlaid++;
      } else {
        this.model = this.fresh(objects);
        rebuilt = true;
      }
    }
    const namespacesMoved = !sameList(namespacesBefore, namespaceOrder(this.model));
    const everything = modelWide || namespacesChanged || namespacesMoved || telemetryChanged;
    // Kinds every change of which kept every workload's posture (none when the model was rebuilt).
    const postureKept = new Set<string>();
    if (!rebuilt) {
      for (const a of applied) if (a.postureKept) postureKept.add(kindOfChange(a));
      for (const a of applied) if (!a.postureKept) postureKept.delete(kindOfChange(a));
    }
    const reaches = (r: Rule, k: string) => changedKinds.has(k) && !(postureKept.has(k) && this.throughPostureOf.get(r)!.has(k));
    const rules = everything
      ? this.rules
      : this.rules.filter((r) => !this.byRule.has(r.meta.id) || [...this.readsOf.get(r)!].some((k) => reaches(r, k)) || (namespaceContentChanged && this.namespaceContentReaders.has(r)));
    const scope = everything ? null : this.scopeOf(applied);
    // What rules remember per namespace holds while every change stays in the namespaces it names.
    // Of the rules run again only: one not run read nothing the changes touched (an Istio Gateway's
    // change skips AUT006, whose per-namespace gaps would otherwise all be made again on the next run).
    const running = rules.map((r) => r.meta.id);
    if (scope) this.namespaceValues.forget(scope, running);
    else if (everything || applied.length) this.namespaceValues.forgetAll(running);
    this.stats.incremental++;
    return this.run(rules, 'incremental', rebuilt, scope);
  }

  /**
   * The tenant namespaces the changes are confined to (src/engine/scope.ts), or null when one of them
   * reaches further (a system namespace's object, a cluster-scoped one, a gateway) or they touch many
   * namespaces (a slice that large costs what the whole model does).
   */
  private scopeOf(applied: readonly Applied[]): ReadonlySet<string> | null {
    // Traffic facts relate workloads across namespaces (who called whom), and they rank findings up
    // after the rules ran: with them every rule runs over the whole model.
    if (!applied.length || !this.scoping || this.telemetry) return null;
    const out = new Set<string>();
    for (const { before, after, namespaceReach } of applied) {
      // A tenant namespace's Namespace object changed in its content or its mesh facts, in the same
      // tenant: the rules that declare the scope promise that only findings scoped to that namespace
      // can change (src/testing/scope-check.ts).
      if ((namespaceReach === 'content' || namespaceReach === 'facts') && after && !this.model!.isSystemNamespace(after.name)) out.add(after.name);
      else if (namespaceReach === 'everything') return null;
      else {
        for (const r of [before, after]) {
          if (!r) continue;
          const ns = scopeOfChange(this.model!, r);
          if (ns === null) return null;
          out.add(ns);
        }
      }
      if (out.size > MAX_SCOPED_NAMESPACES) return null;
    }
    return out;
  }

  private counted(r: Resource, by: 1 | -1): void {
    count(this.perNamespace, r.namespace, by);
    const key = kindKey(r.group, r.kind);
    const k = this.perKind.get(key) ?? { group: r.group, kind: r.kind, n: 0 };
    k.n += by;
    if (k.n <= 0) this.perKind.delete(key);
    else this.perKind.set(key, k);
  }

  private full(objects: ReadonlyMap<string, Resource>): EngineResult {
    this.reset();
    for (const [key, r] of objects) {
      this.given.set(key, r);
      const copy = { ...r };
      this.objects.set(key, copy);
      this.counted(copy, +1);
    }
    this.model = this.fresh(objects);
    this.stats.full++;
    return this.run(this.rules, 'full', true);
  }

  /** A model from scratch over the current objects, in the engine's order, numbered ID_STEP apart. */
  private fresh(given: ReadonlyMap<string, Resource>): MeshModel {
    // Canonical: each object's sort key made once (inCanonicalOrder), not twice per comparison: at
    // 100,000 objects the comparator's keys were about half of a rebuild.
    const list = this.opts.order === 'given' ? [...given.keys()].map((k) => this.objects.get(k)!).filter((r) => r !== undefined) : inCanonicalOrder([...this.objects.values()]);
    for (let i = 0; i < list.length; i++) list[i].id = i * ID_STEP;
    this.maxId = (list.length - 1) * ID_STEP;
    this.retired.clear();
    this.depth = 0;
    this.stats.rebuilt++;
    return new MeshModel(list, this.opts.model);
  }

  /**
   * `model` with each change applied as an overlay. A replacement keeps its object's id; an addition
   * takes an id between its neighbours (canonical, or in the caller's order); a removal leaves a gap:
   * every index stays ordered as a fresh model orders it. Null when the overlay refuses a change or an
   * addition finds no free id.
   */
  private overlaid(model: MeshModel, changes: Applied[], given: ReadonlyMap<string, Resource>): MeshModel | null {
    if (this.depth + changes.length > this.maxDepth) return null;
    const additions = changes.filter((c) => c.after && !c.before);
    // Retired before any addition takes an id, whatever the order of the batch.
    for (const c of changes) if (c.before && !c.after) this.retired.add(c.before.id);
    // In the caller's order, one walk gives new objects their ids and checks that no object moved (a
    // cache that re-lists a replaced object elsewhere): a moved object means a rebuild in the new order.
    if (this.opts.order === 'given' && !this.idsInGivenOrder(given, new Set(additions.map((c) => c.key)))) return null;
    for (const change of changes) {
      const { before, after } = change;
      if (after && !before && this.opts.order !== 'given') {
        const id = idBetween(model, after, this.perKind.values(), this.retired);
        if (id === null) return null;
        after.id = id;
      }
      if (after) this.maxId = Math.max(this.maxId, after.id);
      if (movesNamespace(model, before, after)) return null;
      const o = overlayModel(model, before, after);
      if (o.refused !== undefined) return null;
      const base = model;
      if (POSTURE_KEEPING_KINDS.has(kindOfChange(change))) {
        // Made now, not on first use: whether it kept every posture decides which rules run.
        const posture = overlayPosture(computePosture(base), o.model, before, after);
        change.postureKept = posture !== null;
        providePosture(o.model, () => posture);
      } else providePosture(o.model, () => overlayPosture(computePosture(base), o.model, before, after));
      model = o.model;
    }
    return model;
  }

  /**
   * Gives each added key an id between its neighbours in the caller's iteration order (one walk over
   * the objects: a cache lists a new object among its kind, not last). False when a gap is too small.
   */
  private idsInGivenOrder(given: ReadonlyMap<string, Resource>, added: ReadonlySet<string>): boolean {
    let prevId = -ID_STEP;
    let run: Resource[] = [];
    const place = (nextId: number): boolean => {
      const step = (nextId - prevId) / (run.length + 1);
      for (let i = 0; i < run.length; i++) {
        const id = freeId(Math.floor(prevId + step * (i + 1)), prevId, nextId, this.retired);
        if (id === null || id <= prevId || id >= nextId || id === -1 || (i > 0 && id <= run[i - 1].id)) return false;
        run[i].id = id;
      }
      run = [];
      return true;
    };
    for (const key of given.keys()) {
      const r = this.objects.get(key);
      if (!r) continue;
      if (added.has(key)) run.push(r);
      else {
        // The caller moved an object (its order is not the model's any more): rebuild.
        if (r.id <= prevId) return false;
        if (run.length && !place(r.id)) return false;
        prevId = r.id;
      }
    }
    return run.length ? place(Math.max(prevId, this.maxId) + (run.length + 1) * ID_STEP) : true;
  }

  /**
   * Runs `rules`: over the whole model, or, for the namespace-scoped ones that ran before when the
   * change is confined to `scope`, over those namespaces alone, their findings scoped there replacing
   * the last run's (src/engine/scope.ts).
   */
  private run(rules: readonly Rule[], mode: 'full' | 'incremental', rebuilt: boolean, scope: ReadonlySet<string> | null = null): EngineResult {
    const model = this.model!;
    const scoped = scope ? rules.filter((r) => isNamespaceScoped(r) && this.byRule.has(r.meta.id)) : [];
    const whole = scoped.length ? rules.filter((r) => !scoped.includes(r)) : rules;
    const failures: RuleFailure[] = [];
    if (whole.length || !scoped.length) {
      const result = this.runOver(model, whole);
      failures.push(...result.failures);
      this.keep(whole, result, null);
    }
    if (scoped.length) {
      const result = this.runOver(namespaceSliceView(model, scope!), scoped);
      failures.push(...result.failures);
      this.keep(scoped, result, scope);
      this.stats.scoped += scoped.length;
    }
    return { byRule: this.byRule, failures, mode, rulesRun: rules.length, rulesScoped: scoped.length, rebuilt, model, objects: this.objects.size };
  }

  private runOver(model: MeshModel, rules: readonly Rule[]): { findings: Finding[]; failures: RuleFailure[] } {
    return runRules(model, rules, {
      settings: this.settings,
      locator: this.opts.locator?.(),
      compact: this.opts.compact ?? true,
      ...(this.opts.severityOverrides ? { severityOverrides: this.opts.severityOverrides } : {}),
      ...(this.telemetry ? { telemetry: this.telemetry.facts } : {}),
      fingerprints: this.fingerprints,
      namespaceValues: this.namespaceValues,
    });
  }

  /**
   * Keeps each rule's findings of a run (in the run's order: compareFindings). A scoped run's replace
   * only the last run's findings scoped to `scope` and to the shared namespaces: the other tenant
   * namespaces' are merged back in, in order.
   */
  private keep(rules: readonly Rule[], result: { findings: Finding[]; failures: RuleFailure[] }, scope: ReadonlySet<string> | null): void {
    const failed = new Set(result.failures.map((f) => f.ruleId));
    const fresh = new Map<string, Finding[]>();
    for (const r of rules) if (!failed.has(r.meta.id)) fresh.set(r.meta.id, []);
    const model = this.model!;
    // A scoped run gives again the findings scoped to the changed namespaces and to the shared ones
    // (system namespaces, cluster-scoped objects: a root-namespace policy reaches every namespace).
    const redone = (f: Finding) => {
      const ns = findingScope(f);
      return scope!.has(ns) || ns === '' || model.isSystemNamespace(ns);
    };
    for (const f of result.findings) if (!scope || redone(f)) fresh.get(f.ruleId)?.push(f);
    for (const r of rules) {
      const id = r.meta.id;
      if (failed.has(id)) this.byRule.delete(id);
      else if (!scope) this.byRule.set(id, fresh.get(id)!);
      else this.byRule.set(id, mergeInOrder(this.byRule.get(id)!.filter((f) => !redone(f)), fresh.get(id)!));
    }
  }
}

/** Two lists each in compareFindings order, as one. */
function mergeInOrder(a: readonly Finding[], b: readonly Finding[]): Finding[] {
  if (!b.length) return a as Finding[];
  if (!a.length) return b as Finding[];
  const out: Finding[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(compareFindings(a[i], b[j]) <= 0 ? a[i++] : b[j++]);
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

/** Every finding of an engine result, rule by rule. */
export function allFindings(result: Pick<EngineResult, 'byRule'>): Finding[] {
  const out: Finding[] = [];
  for (const list of result.byRule.values()) for (const f of list) out.push(f);
  return out;
}

/** The model's namespaces in the order rules see them. */
function namespaceOrder(model: MeshModel): string[] {
  return model.namespaces().map((n) => n.name);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function count(m: Map<string, number>, ns: string, by: 1 | -1): void {
  const n = (m.get(ns) ?? 0) + by;
  if (n <= 0) m.delete(ns);
  else m.set(ns, n);
}

/**
 * Whether the change moves a namespace in the model's namespace list: a namespace without a Namespace
 * object is listed where its first object (in canonical order) is, so a new first object or the
 * removal of the first one may reorder namespaces (and the messages that list them). The overlay
 * shares the base's list, so such a change rebuilds. Live clusters have a Namespace object for every
 * namespace: there this never happens.
 */
function movesNamespace(model: MeshModel, before: Resource | null, after: Resource | null): boolean {
  const r = after ?? before!;
  if (!r.namespace || (before && after && before.id === after.id) || model.namespace(r.namespace).resource) return false;
  const first = model.inNamespace(r.namespace)[0];
  return first === undefined || (after ? after.id < first.id : first === before);
}

/**
 * A free id between `r`'s canonical neighbours in `model` (objects of one kind are one run in canonical
 * order, so the neighbours are in its kind's list or at the ends of other kinds' lists); null when they
 * are adjacent integers. `kinds` names every kind the model holds (a few hundred at most).
 */
function idBetween(model: MeshModel, r: Resource, kinds: Iterable<{ group: string; kind: string }>, retired: ReadonlySet<number>): number | null {
  const same = model.ofKind(r.group, r.kind);
  let lo = 0;
  let hi = same.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareObjects(same[mid], r) < 0) lo = mid + 1;
    else hi = mid;
  }
  let prev: Resource | undefined = same[lo - 1];
  let next: Resource | undefined = same[lo];
  const needPrev = prev === undefined;
  const needNext = next === undefined;
  if (needPrev || needNext) {
    for (const k of kinds) {
      if (k.group === r.group && k.kind === r.kind) continue;
      const list = model.ofKind(k.group, k.kind);
      if (!list.length) continue;
      // Another kind's objects are all before r or all after it.
      const first = list[0];
      const last = list[list.length - 1];
      if (needPrev && compareObjects(last, r) < 0 && (prev === undefined || last.id > prev.id)) prev = last;
      if (needNext && compareObjects(first, r) > 0 && (next === undefined || first.id < next.id)) next = first;
    }
  }
  const low = prev ? prev.id : -ID_STEP;
  const high = next ? next.id : low + 2 * ID_STEP;
  return freeId(Math.floor((low + high) / 2), low, high, retired);
}

/**
 * `want`, or the nearest id to it strictly between `low` and `high` that is neither retired (a removed
 * object's, see IncrementalEngine.retired) nor -1 (the model's stand-in MeshConfig object); null when
 * there is none. At most `retired.size + 1` ids on each side are tried: the set is small (it empties
 * at every rebuild, and overlays stack at most DEFAULT_MAX_OVERLAY_DEPTH changes).
 */
function freeId(want: number, low: number, high: number, retired: ReadonlySet<number>): number | null {
  const free = (id: number) => id > low && id < high && id !== -1 && !retired.has(id);
  for (let d = 0; d <= retired.size + 1; d++) {
    if (free(want + d)) return want + d;
    if (free(want - d)) return want - d;
  }
  return null;
}
