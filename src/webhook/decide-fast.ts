/**
 * The fast admission decision: the same answer as the reference (decide.ts `decideReference`) in a
 * fraction of a millisecond instead of two full analyses per review.
 *
 * - The base (the cache's objects as one model, and the worst severity of every finding the admission
 *   rules make on it) depends only on the cache's version: it is built once per version and reused by
 *   every review until the cache changes. It is exactly the reference's "without" model whenever the
 *   review's old object is the cache's (always for CREATE).
 * - "With" is an overlay of the base (src/model/overlay.ts): the base's indexes with the incoming object
 *   added, replaced or removed, built in microseconds.
 * - Only the rules whose `reads` include the incoming kind run: a rule that never reads a kind cannot
 *   report on, or name, an object of that kind, nor change its findings when one comes or goes.
 * - CREATE and UPDATE count only findings naming the incoming object, so each rule runs focused
 *   (focus.ts): its loop over the incoming kind, workloads or namespaces cut to the incoming object.
 *   DELETE counts every new finding, so its rules run over the whole overlay.
 *
 * Where the fast path cannot be sure it falls back to the reference and counts why (`stats()`): the
 * cache lags the review (UPDATE/DELETE whose old object is not the cache's), a change the overlay does
 * not model (a Namespace created or deleted, the mesh config, IstioOperators, gateway-API Gateways and
 * GatewayClasses, a namespace's first or last object). An object of the root namespace or a
 * cluster-scoped one (a ClusterRole, a webhook configuration) reaches the whole mesh: its rules run
 * uncut over the whole overlay.
 *
 * Staleness: when the cache's version moves on, reviews do not wait for the new base (seconds at
 * 20,000 objects): they are decided against the last base plus the request while a rebuild is
 * scheduled (debounced, so a burst of changes costs one rebuild). `stats().baseLagVersions` and
 * `baseAgeMs` say how far behind the base is, for the server to export.
 */
import type { Finding } from '../engine/finding.js';
import { severityRank } from '../engine/finding.js';
import { compareFindings, runRules, type RuleFailure } from '../engine/run.js';
import type { MeshModel } from '../model/model.js';
import { IncrementalEngine, effectiveReads, readsNamespaceContent } from '../engine/incremental.js';
import { isNamespaceUpdate, namespaceUpdateReach, overlayModel } from '../model/overlay.js';
import { isNamespaceScoped, namespaceSliceView, scopeOfChange } from '../engine/scope.js';
import { groupOf, kindKey, type Resource, type ResourceRef } from '../model/resource.js';
import type { Rule } from '../rules/types.js';
import { BARE_KIND_GROUPS, splitKindKey } from '../cluster/discovery.js';
import { WORKLOAD_KINDS } from '../model/workloads.js';
import { admissionRules } from './admission-kinds.js';
import { focusedView, focusKey, focusOf, type Focus } from './focus.js';
import { computePosture, overlayPosture, providePosture } from '../posture/index.js';
import type { AdmissionRequest, DecisionState } from './types.js';
import { decideReference, identityOf, requestResource, type Decision, type DecideOptions } from './decide-reference.js';
import { sameJson } from '../model/same-json.js';
import { revealsIstioVersion } from '../advisories/detect.js';

// What a rule reads for choosing the rules a review runs (its `reads` and the model's structure): the
// incremental engine's definition, shared.
export { effectiveReads };

/**
 * Kinds each admission rule's findings are on or name as evidence (`workload`: any workload kind;
 * kinds without their group, so `Gateway` is Istio's and Gateway API's). A CREATE or UPDATE counts
 * only findings naming the incoming object, so a rule that never names its kind need not run: most
 * rules read workloads (every rule reads the model's structure) but few ever name one, and a
 * Deployment review would otherwise run them all. Read from the rules' report() calls and checked
 * against every finding of the equivalence corpus (decide-fast.test.ts: a kind a rule is seen naming
 * must be listed). A rule without an entry may name anything. DELETE runs every reader whatever it names.
 */
export const RULE_NAMES: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries({
    AUT001: 'ConfigMap MeshConfig IstioOperator Namespace PeerAuthentication workload',
    AUT002: 'PeerAuthentication MutatingWebhookConfiguration ValidatingWebhookConfiguration workload',
    AUT003: 'DestinationRule Service workload',
    AUT004: 'DestinationRule ConfigMap IstioOperator workload',
    AUT005: 'DestinationRule',
    AUT006: 'ConfigMap MeshConfig IstioOperator Gateway Namespace workload',
    AUT007: 'AuthorizationPolicy workload',
    AUT008: 'AuthorizationPolicy',
    AUT009: 'AuthorizationPolicy ConfigMap MeshConfig IstioOperator',
    AUT010: 'AuthorizationPolicy',
    AUT011: 'AuthorizationPolicy workload',
    AUT012: 'AuthorizationPolicy PeerAuthentication workload',
    AUT013: 'AuthorizationPolicy PeerAuthentication RequestAuthentication',
    AUT014: 'AuthorizationPolicy ConfigMap MeshConfig IstioOperator',
    AUT015: 'Gateway RequestAuthentication AuthorizationPolicy workload',
    AUT016: 'RequestAuthentication',
    AUT017: 'Gateway',
    AUT018: 'Gateway',
    AUT019: 'Gateway PeerAuthentication workload',
    AUT020: 'Service workload',
    AUT021: 'AuthorizationPolicy Namespace workload',
    AUT022: 'DestinationRule workload',
    AUT023: 'PeerAuthentication',
    AUT024: 'RequestAuthentication workload',
    AUT025: 'AuthorizationPolicy',
    AUT026: 'Gateway',
    AUT027: 'AuthorizationPolicy',
    AUT028: 'DestinationRule Service workload',
    AUT029: 'PeerAuthentication',
    AUT030: 'AuthorizationPolicy',
    AUT031: 'WasmPlugin',
    AUT032: 'AuthorizationPolicy Gateway workload',
    BYP008: 'Namespace workload',
    BYP030: 'Service ServiceEntry workload',
    EGR001: 'ConfigMap MeshConfig IstioOperator',
    EGR003: 'Namespace NetworkPolicy',
    EGR004: 'NetworkPolicy',
    EGR005: 'ServiceEntry',
    EGR006: 'ServiceEntry',
    EGR007: 'ServiceEntry',
    HJK001: 'Namespace Service ServiceEntry VirtualService',
    HJK002: 'Namespace Service ServiceEntry VirtualService Gateway',
    HJK003: 'Namespace Service ServiceEntry',
    HJK004: 'DestinationRule Namespace Service ServiceEntry',
    HJK005: 'Gateway VirtualService',
    HJK007: 'Gateway HTTPRoute GRPCRoute TLSRoute TCPRoute Service ServiceEntry',
    HJK008: 'Gateway HTTPRoute GRPCRoute TLSRoute TCPRoute',
    HJK009: 'Namespace ReferenceGrant',
    HJK010: 'EnvoyFilter WasmPlugin',
    HJK011: 'Sidecar',
    HJK012: 'ConfigMap MeshConfig IstioOperator',
    HJK013: 'ClusterRole Role ClusterRoleBinding RoleBinding',
    HJK014: 'Sidecar',
    // On the Sidecar, with its Namespace as evidence; it reads workloads (whether any pod still has a
    // sidecar to apply it) but never names one, so a workload review cannot introduce its finding.
    HJK016: 'Sidecar Namespace',
    HJK017: 'Gateway VirtualService workload',
    HJK018: 'WasmPlugin',
    HJK019: 'ClusterRole Role ClusterRoleBinding RoleBinding',
  }).map(([id, kinds]) => [id, new Set(kinds.split(' '))]),
);

/**
 * Kinds a rule names only as evidence on findings whose fingerprint (rule, object, path, key) and
 * severity come from the object the finding is on alone. A review of such a kind changes that object's
 * evidence and message, never its fingerprint or severity, and the base already has the finding
 * (the object it is on is not the one under review): the review cannot introduce it, so the rule is
 * not run for it. HJK005: a finding on a Gateway whose hosts any namespace may bind lists the
 * VirtualServices of other namespaces bound to it; for a VirtualService review it was half the decision.
 * decide-fast.test.ts holds the claim over the equivalence corpus (the reference never introduces such a
 * finding for such a review).
 */
export const EVIDENCE_ONLY: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['HJK005', new Set(['VirtualService'])],
  // AUT001's finding is on the mesh-wide PeerAuthentication (or the root namespace, or the mesh config)
  // and graded by the mesh-wide mode alone; the workloads that inherit it are listed as evidence. A
  // workload of the root namespace is mesh-wide (every rule runs uncut); the others only join the list.
  ['AUT001', new Set(['workload'])],
]);

const WORKLOAD_KEYS: ReadonlySet<string> = new Set(WORKLOAD_KINDS.map(normaliseKind));

/**
 * Rules that name workloads only in some places (read from their report() calls): AUT004 names
 * istiod's Deployment (in the root namespace) for its VERIFY_CERTIFICATE_AT_CLIENT, and the workload
 * whose image gives the Istio version they grade by (istiod's, or with no istiod in the input the oldest
 * proxy's, which can be any namespace's: controlPlaneVersions); AUT006 names a
 * namespace's first workload only when the namespace has no Namespace object; BYP008 as said beside it.
 * Each predicate restates its rule's condition, so decide-fast.test.ts holds every one to the rule over
 * the equivalence corpus: a workload the rule names must satisfy it.
 */
export const NAMES_WORKLOAD_ONLY_IF: ReadonlyMap<string, (subject: Resource, model: MeshModel) => boolean> = new Map([
  ['AUT004', (subject: Resource, model: MeshModel) => subject.namespace === model.rootNamespace || revealsIstioVersion(model, subject)],
  ['AUT006', (subject: Resource, model: MeshModel) => !model.namespace(subject.namespace).resource],
  // BYP008 reports on the Namespace, and lists workloads only for a namespace in no mode (with a
  // Namespace object, not a system one) where some workloads join the mesh on their own and others do
  // not. Elsewhere it still reads every workload of the namespace (owners collapsed) to grade a
  // finding a workload review cannot introduce: the slowest Deployment reviews spent a sixth of their
  // decision there.
  [
    'BYP008',
    (subject: Resource, model: MeshModel) => {
      const ns = model.namespace(subject.namespace);
      return !!ns.resource && !ns.system && ns.mode === 'none' && model.meshModeOf(subject.namespace).byWorkloads;
    },
  ],
]);

/** Whether a rule's findings can be on, or name, this object (of kind `group/Kind`) in this model in a way a review of it can introduce (EVIDENCE_ONLY). */
export function mayName(rule: Rule, kind: string, subject: Resource, model: MeshModel): boolean {
  const names = RULE_NAMES.get(rule.meta.id);
  if (!names) return true;
  // The kind without its group (a group never holds '/'): called for every rule of every review.
  const bare = kind.slice(kind.lastIndexOf('/') + 1);
  const evidenceOnly = EVIDENCE_ONLY.get(rule.meta.id);
  if (evidenceOnly && (evidenceOnly.has(bare) || (evidenceOnly.has('workload') && WORKLOAD_KEYS.has(kind)))) return false;
  if (names.has(bare)) return true;
  if (!WORKLOAD_KEYS.has(kind) || !names.has('workload')) return false;
  return NAMES_WORKLOAD_ONLY_IF.get(rule.meta.id)?.(subject, model) ?? true;
}

export interface FastDeciderOptions {
  /**
   * What a review does when the cache's version has moved past the base: 'stale' (default) decides
   * against the last base and rebuilds in the background; 'wait' rebuilds first (tests, tools).
   */
  staleness?: 'stale' | 'wait';
  /** Debounce before a background rebuild, in ms (default 200). */
  rebuildDelayMs?: number;
  /** Per-rule focus table (default: focus.ts RULE_FOCUS). */
  focus?: ReadonlyMap<string, Focus>;
}

export interface DeciderStats {
  reviews: number;
  /** Reviews decided on the fast path. */
  fast: number;
  /** Reviews handed to the reference, by reason. */
  fallbacks: Record<string, number>;
  baseBuilds: number;
  /** Base builds that applied only the changed objects (the rest were full analyses). */
  incrementalBuilds: number;
  /** Wall time of the last base build, ms. */
  lastBuildMs: number;
  /** Objects in the base. */
  baseSize: number;
  /** Cache version the base was built from, and how many versions the cache has moved on since. */
  baseVersion: number | null;
  baseLagVersions: number;
  /** Wall-clock age of the base, ms (0 before the first build). */
  baseAgeMs: number;
}

interface Base {
  version: number;
  source: DecisionState['resources'];
  builtAt: number;
  model: MeshModel;
  /** Worst severity rank per fingerprint over the admission rules' findings on the base. */
  worst: Map<string, number>;
  failures: RuleFailure[];
  /** Identity → object; null when the cache holds the identity twice (then the reference decides). */
  byIdentity: Map<string, Resource | null>;
  nextId: number;
}

/** What a warm-up review that would need the reference gets instead (never seen by a real review). */
const SKIPPED: Decision = Object.freeze({ introduced: [], failures: [] }) as unknown as Decision;

export class FastDecider {
  private base: Base | null = null;
  private rebuildTimer: ReturnType<typeof setTimeout> | null = null;
  private pendingState: DecisionState | null = null;
  private readonly counters = { reviews: 0, fast: 0, baseBuilds: 0, incrementalBuilds: 0, lastBuildMs: 0 };
  /** Deciding a warm-up review (warm()): uncounted, never handed to the reference. */
  private warming = false;
  /** Keeps the base (model and findings) up to date with the cache incrementally. */
  private readonly engine: IncrementalEngine;
  /** The cache's objects the base was last brought up to, by identity (compared by reference on the next build). */
  private baseObjects: Map<string, Resource> | null = null;
  private readonly fallbacks = new Map<string, number>();
  private readonly rules: readonly Rule[];
  /** `group/Kind` → the rules that read it. */
  private readonly readers = new Map<string, Rule[]>();

  constructor(
    private readonly opts: DecideOptions,
    private readonly fastOpts: FastDeciderOptions = {},
  ) {
    this.rules = opts.rules ?? admissionRules();
    const settings = opts.settings;
    // The cache's order, as the reference analyses it (creation order decides which of two Sidecars wins).
    this.engine = new IncrementalEngine(this.rules, {
      settings,
      model: { tenantPolicy: opts.tenantPolicy, systemNamespaces: settings.systemNamespaces.length ? settings.systemNamespaces : undefined },
      order: 'given',
      compact: true,
    });
    for (const rule of this.rules) {
      for (const key of new Set(effectiveReads(rule).map(normaliseKind))) {
        const list = this.readers.get(key);
        if (list) list.push(rule);
        else this.readers.set(key, [rule]);
      }
    }
  }

  /**
   * Decides a review of the webhook's own before it is ready (warm-up.ts), so the code real reviews
   * run is compiled: not counted in stats(), and a review only the reference could decide is skipped
   * (false), never run (two full analyses).
   */
  warm(req: AdmissionRequest, state: DecisionState): boolean {
    this.warming = true;
    try {
      return this.decide(req, state) !== SKIPPED;
    } finally {
      this.warming = false;
    }
  }

  decide(req: AdmissionRequest, state: DecisionState): Decision {
    if (!this.warming) this.counters.reviews++;
    const incoming = req.operation === 'DELETE' ? null : requestResource(req, 'object', this.opts.cluster);
    const old = req.operation === 'CREATE' ? null : requestResource(req, 'oldObject', this.opts.cluster);
    const subject = incoming ?? old;
    if (!subject) return { introduced: [], failures: [] };

    const base = this.baseFor(state);
    const fallback = (reason: string): Decision => {
      if (this.warming) return SKIPPED;
      this.fallbacks.set(reason, (this.fallbacks.get(reason) ?? 0) + 1);
      return decideReference(req, state, this.opts);
    };
    // A Namespace updated in place is an overlay (decideNamespaceUpdate); one created or deleted changes
    // the namespace list every rule walks.
    const namespaceObject = subject.group === '' && subject.kind === 'Namespace';
    if (namespaceObject && !(req.operation === 'UPDATE' && isNamespaceUpdate(old, incoming))) return fallback('a Namespace created or deleted');
    // An object of the root namespace (mesh-wide policies, the ingress gateways Istio installs there) or a
    // cluster-scoped one (ClusterRoles, webhook configurations) reaches the whole mesh: its rules run over
    // the whole overlay, uncut, as for a DELETE.
    const meshWide = !subject.namespace || subject.namespace === base.model.rootNamespace;
    const id = identityOf(subject);
    const cached = base.byIdentity.get(id);
    if (cached === null) return fallback('the cache holds the object twice');
    // The reference's "without" is the cache with the review's old object: the base, if they agree.
    if (old && (!cached || !sameObject(old, cached))) return fallback('the cache lags the review');
    // An UPDATE that changes nothing the rules see (sanitized, the object is its old self): a re-apply of
    // an object already in sync, `kubectl diff`, or a GitOps tool's server-side dry-run apply of every
    // object it manages on every refresh. "With" is "without", so nothing can be introduced; what the
    // reference would report is the base's failures, as any review does.
    if (incoming && old && sameObject(incoming, old)) {
      if (!this.warming) this.counters.fast++;
      return { introduced: [], failures: dedupeFailures(base.failures) };
    }

    // A replacement keeps the cached object's place (its id); a new object comes last.
    const added = incoming ? { ...incoming, id: cached ? cached.id : base.nextId } : null;
    const overlay = overlayModel(base.model, cached ?? null, added);
    if (overlay.refused !== undefined) return fallback(overlay.refused);
    // The overlay's posture is the base's with what the change reaches recomputed (built from scratch
    // for the kinds the overlay posture does not follow).
    const overlaid = overlay.model;
    providePosture(overlaid, () => overlayPosture(computePosture(base.model), overlaid, cached ?? null, added));
    if (namespaceObject) return this.decideNamespaceUpdate(base, overlaid, cached!, added!);

    const rules = this.readers.get(kindKey(subject.group, subject.kind)) ?? [];
    const { findings, failures, run } = this.collector(base);
    if (req.operation === 'DELETE' || !added || meshWide) {
      // Removing an object of a tenant namespace can change a namespace-scoped rule's findings only
      // there and in the shared namespaces (src/engine/scope.ts, as the incremental engine runs it):
      // those rules run over that namespace alone, the others over the whole overlay. A Pod deleted
      // by a rollout costs a few milliseconds instead of an analysis of every workload.
      const ns = req.operation === 'DELETE' && !meshWide ? scopeOfChange(overlay.model, subject) : null;
      const scoped = ns === null ? [] : rules.filter(isNamespaceScoped);
      run(overlay.model, scoped.length ? rules.filter((r) => !scoped.includes(r)) : rules);
      if (scoped.length) run(namespaceSliceView(overlay.model, new Set([ns!])), scoped);
    } else {
      // Rules sharing a focus share one view, so per-model caches are computed once per focus.
      const byFocus = new Map<string, { focus: Focus; rules: Rule[] }>();
      const kind = kindKey(subject.group, subject.kind);
      for (const rule of rules) {
        if (!mayName(rule, kind, added, overlay.model)) continue;
        // Rules that judge through the posture read the whole overlay's posture; their loops over it
        // are cut as their loops over the model are (focus.ts).
        const focus = focusOf(rule.meta.id, this.fastOpts.focus);
        const key = focusKey(focus);
        const group = byFocus.get(key);
        if (group) group.rules.push(rule);
        else byFocus.set(key, { focus, rules: [rule] });
      }
      for (const { focus, rules: batch } of byFocus.values()) run(focusedView(overlay.model, added, focus), batch);
    }

    if (!this.warming) this.counters.fast++;
    return { introduced: this.introduced(findings, base, subject, req.operation === 'DELETE'), failures: dedupeFailures(failures) };
  }

  /**
   * A Namespace's labels or annotations changed (UPDATE of an existing Namespace): an overlay of the base
   * with the Namespace replaced (src/model/overlay.ts), instead of the reference's two analyses of the
   * whole cache (0.4 to 0.6 s at 20,000 objects, holding up every other review). Findings count when
   * they are on the Namespace or name it, as for any review. When the update keeps what every rule sees
   * of the namespace (mode, injection and waypoint labels: namespaceUpdateReach), only the rules that
   * read its content run (RuleMeta.namespaceContent); when it changes them (`istio-injection:
   * disabled`), every admission rule runs. Either way the rules that declare `scope: 'namespace'` run
   * over the namespace alone (src/engine/scope.ts: such a change can change only their findings scoped
   * to it), the others over the whole overlay.
   */
  private decideNamespaceUpdate(base: Base, model: MeshModel, cached: Resource, added: Resource): Decision {
    const reach = namespaceUpdateReach(base.model, cached, added);
    const { findings, failures, run } = this.collector(base);
    const chosen = reach === 'content' ? this.rules.filter(readsNamespaceContent) : this.rules;
    const scoped = reach !== 'everything' && !model.isSystemNamespace(added.name) ? chosen.filter(isNamespaceScoped) : [];
    run(model, scoped.length ? chosen.filter((r) => !scoped.includes(r)) : chosen);
    // Findings of the slice scoped elsewhere are the base's (the scope's promise): only those scoped to the namespace are new.
    if (scoped.length) run(namespaceSliceView(model, new Set([added.name])), scoped);
    if (!this.warming) this.counters.fast++;
    return { introduced: this.introduced(findings, base, added, false), failures: dedupeFailures(failures) };
  }

  /** Findings and failures of the rule runs of one review (the base's failures first), and how to add a run's. */
  private collector(base: Base): { findings: Finding[]; failures: RuleFailure[]; run: (model: MeshModel, batch: readonly Rule[]) => void } {
    const findings: Finding[] = [];
    const failures: RuleFailure[] = [...base.failures];
    const run = (model: MeshModel, batch: readonly Rule[]) => {
      if (!batch.length) return;
      const res = runRules(model, batch, { settings: this.opts.settings });
      findings.push(...res.findings);
      failures.push(...res.failures);
    };
    return { findings, failures, run };
  }

  /** The findings a review introduces: worse than the base's, and (but for DELETE) on or naming `subject`. */
  private introduced(findings: readonly Finding[], base: Base, subject: Resource, any: boolean): Finding[] {
    const on = (ref: ResourceRef | undefined) =>
      ref !== undefined && ref.kind === subject.kind && ref.namespace === subject.namespace && ref.name === subject.name && groupOf(ref.apiVersion) === subject.group;
    const out = findings.filter((f) => {
      const was = base.worst.get(f.fingerprint);
      if (was !== undefined && was >= severityRank(f.severity)) return false;
      return any || on(f.resource) || f.evidence.some((e) => on(e.resource));
    });
    return out.sort(compareFindings);
  }

  /** The root namespace of the base's mesh (null before the first build). */
  get rootNamespace(): string | null {
    return this.base?.model.rootNamespace ?? null;
  }

  stats(): DeciderStats {
    const b = this.base;
    return {
      ...this.counters,
      fallbacks: Object.fromEntries(this.fallbacks),
      baseSize: b?.model.resources.length ?? 0,
      baseVersion: b?.version ?? null,
      baseLagVersions: b && this.pendingState ? Math.max(0, this.pendingState.version - b.version) : 0,
      baseAgeMs: b ? Date.now() - b.builtAt : 0,
    };
  }

  /** Stops a scheduled rebuild (server shutdown, tests). */
  close(): void {
    if (this.rebuildTimer) clearTimeout(this.rebuildTimer);
    this.rebuildTimer = null;
  }

  /**
   * Brings the base up to `state` now (the server calls this once the cache has synced). The base is
   * kept by the incremental engine (src/engine/incremental.ts): the cache's objects are compared with
   * the last base's by reference (one pass, no analysis), and only the changed ones are applied to the
   * model and re-checked by the rules that read their kinds. The first build, a different cache, or a
   * change the engine cannot apply in place is a full analysis, as before.
   */
  rebuild(state: DecisionState): void {
    this.pendingState = null;
    const started = performance.now();
    const objects = new Map<string, Resource>();
    // An identity the cache holds twice (never in a real cache) keeps both, under their own keys.
    const seen = new Map<string, number>();
    for (const r of state.resources()) {
      const id = identityOf(r);
      const n = seen.get(id) ?? 0;
      seen.set(id, n + 1);
      objects.set(n ? `${id}\u0000#${n}` : id, r);
    }
    const previous = this.base?.source === state.resources ? this.baseObjects : null;
    let changed: string[] | null = null;
    if (previous) {
      changed = [];
      for (const [k, r] of objects) if (previous.get(k) !== r) changed.push(k);
      for (const k of previous.keys()) if (!objects.has(k)) changed.push(k);
    }
    const result = this.engine.analyse(objects, changed);
    this.baseObjects = objects;
    const byIdentity = new Map<string, Resource | null>();
    for (const [key, r] of objects) {
      const id = identityOf(r);
      byIdentity.set(id, byIdentity.has(id) ? null : this.engine.copyOf(key)!);
    }
    const model = result.model;
    // Built now so that overlays share them instead of building their own.
    void model.hosts;
    void model.meshConfigResource;
    const worst = new Map<string, number>();
    for (const list of result.byRule.values()) for (const f of list) worst.set(f.fingerprint, Math.max(worst.get(f.fingerprint) ?? -1, severityRank(f.severity)));
    this.base = { version: state.version, source: state.resources, builtAt: Date.now(), model, worst, failures: result.failures, byIdentity, nextId: this.engine.nextId };
    this.counters.baseBuilds++;
    if (result.mode === 'incremental') this.counters.incrementalBuilds++;
    this.counters.lastBuildMs = performance.now() - started;
  }

  private baseFor(state: DecisionState): Base {
    const b = this.base;
    if (!b || b.source !== state.resources) {
      this.rebuild(state);
      return this.base!;
    }
    if (b.version === state.version) return b;
    if (this.fastOpts.staleness === 'wait') {
      this.rebuild(state);
      return this.base!;
    }
    this.pendingState = state;
    if (!this.rebuildTimer) {
      this.rebuildTimer = setTimeout(() => {
        this.rebuildTimer = null;
        const next = this.pendingState;
        if (next) this.rebuild(next);
      }, this.fastOpts.rebuildDelayMs ?? 200);
      this.rebuildTimer.unref?.();
    }
    return b;
  }
}

/** The grouped form of a rule's kind key, as admission-kinds.ts reads it (`Deployment` → apps/Deployment). */
function normaliseKind(key: string): string {
  const { group, kind } = splitKindKey(key);
  const g = group ?? (Object.hasOwn(BARE_KIND_GROUPS, kind) ? BARE_KIND_GROUPS[kind] : '');
  return kindKey(g, kind);
}

/** Whether the review's old object is the cache's (both sanitized the same way). */
function sameObject(a: Resource, b: Resource): boolean {
  return a.apiVersion === b.apiVersion && sameJson(a.obj, b.obj);
}

function dedupeFailures(failures: RuleFailure[]): RuleFailure[] {
  const seen = new Set<string>();
  return failures.filter((f) => (seen.has(f.ruleId) ? false : (seen.add(f.ruleId), true)));
}
