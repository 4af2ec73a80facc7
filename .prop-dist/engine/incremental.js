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
 * rules whose `meta.reads` (plus the model's structure: namespaces and workloads, as the webhook's
 * fast path does) name a changed kind, and keeps every other rule's findings. A namespace appearing or
 * vanishing re-runs every rule (tenants, "sidecars in namespace X" change whatever kind carried it).
 * Whatever the overlay does not model (Namespaces, the mesh config, gateway-API Gateways, a
 * namespace's first or last object, too deep a stack of overlays) rebuilds the model from scratch, and
 * still re-runs only the rules that read what changed.
 *
 * Order: a from-scratch analysis sorts the objects canonically (kind, namespace, name) and rules see
 * them in that order (the first report of a fingerprint wins, the oldest of two Sidecars wins, evidence
 * lists are cut at N). The engine numbers objects with gaps (ID_STEP apart) so that a new object can
 * take the id between its canonical neighbours and every index stays in the order a fresh model has;
 * when two neighbours have no id left between them the model is rebuilt (renumbered). With
 * `order: 'given'` (the webhook, whose reference analyses the cache in its own order) the caller's map
 * order is the order instead, and a new object takes the id between its neighbours in that order.
 *
 * Held to a from-scratch analysis, for every rule, after every step of random creates, updates and
 * deletes by src/engine/incremental.test.ts.
 */
import { runRules } from './run.js';
import { defaultSettings } from '../config/settings.js';
import { MeshModel } from '../model/model.js';
import { overlayModel } from '../model/overlay.js';
import { computePosture, overlayPosture, providePosture } from '../posture/index.js';
import { compareObjects } from '../cli/live.js';
import { BARE_KIND_GROUPS, splitKindKey } from '../cluster/discovery.js';
import { kindKey } from '../model/resource.js';
import { WORKLOAD_KINDS, workloadOf } from '../model/workloads.js';
/** A rule's `reads` entry (`Deployment`, `apps/Deployment`, `Service`) in grouped form (`apps/Deployment`, `Service`). */
export function normaliseKind(key) {
    const { group, kind } = splitKindKey(key);
    return kindKey(group ?? (Object.hasOwn(BARE_KIND_GROUPS, kind) ? BARE_KIND_GROUPS[kind] : ''), kind);
}
const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
const WORKLOAD_READS = WORKLOAD_KINDS.map(normaliseKind);
function makesWorkload(r) {
    try {
        return workloadOf(r) !== null;
    }
    catch {
        return true;
    }
}
/**
 * Kinds every rule may read through the model's structure whatever its `reads` say: namespaces (their
 * mesh mode) and workloads (`workloadsIn`, `dataplaneOf`). src/rules/reads.test.ts holds each rule's
 * `reads` to what its findings depend on (posture rules list the posture's kinds through
 * `postureReads`), but only over the kinds its generator makes; this stays as a margin until it covers
 * every kind. The webhook's fast path chooses rules the same way.
 */
const STRUCTURAL_READS = ['Namespace', ...WORKLOAD_KINDS];
/** What a rule reads, for choosing the rules a change re-runs: its `reads` and the model's structure. */
export function effectiveReads(rule) {
    return [...rule.meta.reads, ...STRUCTURAL_READS];
}
/** Gap between two neighbouring ids after a rebuild: room for 20 insertions at one place before a renumbering. */
export const ID_STEP = 2 ** 20;
/** Overlays stacked on one model before it is rebuilt (each is a prototype link and a few copied lists). */
export const DEFAULT_MAX_OVERLAY_DEPTH = 64;
export class IncrementalEngine {
    rules;
    opts;
    /** key → the caller's object (to tell a real change from the same object given again). */
    given = new Map();
    /** key → the engine's copy of it (its id is the engine's). */
    objects = new Map();
    /** Objects per namespace: the model knows a namespace from any object in it, whatever its kind. */
    perNamespace = new Map();
    byRule = new Map();
    /** Objects per kind key, with the kind's group and name (where a new object's canonical neighbours are). */
    perKind = new Map();
    model = null;
    telemetry = null;
    depth = 0;
    /** Larger than or equal to every id given out since the last rebuild. */
    maxId = -1;
    readsOf;
    settings;
    maxDepth;
    /** Counters for tests, benchmarks and metrics. */
    stats = { full: 0, incremental: 0, rebuilt: 0, overlaid: 0 };
    constructor(rules, opts = {}) {
        this.rules = rules;
        this.opts = opts;
        this.readsOf = new Map(rules.map((r) => [r, new Set(effectiveReads(r).map(normaliseKind))]));
        this.settings = opts.settings ?? defaultSettings();
        this.maxDepth = opts.maxOverlayDepth ?? DEFAULT_MAX_OVERLAY_DEPTH;
    }
    /** Whether the engine holds a previous analysis (else the next call is a full one whatever it is told). */
    get primed() {
        return this.model !== null;
    }
    get size() {
        return this.objects.size;
    }
    /** An id larger than every object's in the current model (an object added after all the others). */
    get nextId() {
        return this.maxId + 1;
    }
    /** The engine's copy of an object (the one in the model, with the model's id). */
    copyOf(key) {
        return this.objects.get(key);
    }
    /** Forgets everything: the next analysis is a full one. */
    reset() {
        this.given.clear();
        this.objects.clear();
        this.perNamespace.clear();
        this.perKind.clear();
        this.byRule.clear();
        this.model = null;
        this.depth = 0;
    }
    /**
     * Analyses `objects`. `changed` lists every key whose object was created, replaced or deleted since
     * the last call (a key in neither the last objects nor `objects` is ignored); null (or no previous
     * analysis) means a full analysis. Objects are not modified: the engine keeps shallow copies.
     * `telemetry` (when given) is what the rules see as traffic facts; another key than last time re-runs every rule.
     */
    analyse(objects, changed, telemetry = null) {
        const telemetryChanged = (telemetry?.key ?? null) !== (this.telemetry?.key ?? null);
        this.telemetry = telemetry;
        if (changed === null || this.model === null)
            return this.full(objects);
        const applied = [];
        const changedKinds = new Set();
        const present = new Map();
        for (const key of new Set(changed)) {
            const now = objects.get(key) ?? null;
            const was = this.given.get(key) ?? null;
            if (now === was)
                continue;
            const before = this.objects.get(key) ?? null;
            const after = now ? { ...now } : null;
            // A replacement keeps its object's place.
            if (before && after)
                after.id = before.id;
            for (const r of [before, after]) {
                if (!r)
                    continue;
                // Both the object's own group and the grouped form of its bare kind: `reads: [Deployment]` means
                // apps/Deployment, and a workload read through the model is one whatever group it came with.
                changedKinds.add(kindKey(r.group, r.kind));
                changedKinds.add(normaliseKind(r.kind));
                // Workloads are read through the model whatever made them: a Deployment of an odd group, a
                // gateway-API Gateway or GatewayClass (the model makes up the gateway pods Istio deploys).
                if (r.group === GATEWAY_API_GROUP || (r === before ? this.model.workloadFor(r) !== undefined : makesWorkload(r)))
                    for (const k of WORKLOAD_READS)
                        changedKinds.add(k);
                if (!present.has(r.namespace))
                    present.set(r.namespace, this.perNamespace.has(r.namespace));
            }
            if (before)
                this.counted(before, -1);
            if (now && after) {
                this.given.set(key, now);
                this.objects.set(key, after);
                this.counted(after, +1);
            }
            else {
                this.given.delete(key);
                this.objects.delete(key);
            }
            applied.push({ key, before, after });
        }
        const namespacesChanged = [...present].some(([ns, was]) => this.perNamespace.has(ns) !== was);
        const rules = namespacesChanged || telemetryChanged ? this.rules : this.rules.filter((r) => !this.byRule.has(r.meta.id) || [...this.readsOf.get(r)].some((k) => changedKinds.has(k)));
        let rebuilt = false;
        if (applied.length) {
            const over = this.overlaid(this.model, applied, objects);
            if (over) {
                this.model = over;
                this.depth += applied.length;
                this.stats.overlaid++;
            }
            else {
                this.model = this.fresh(objects);
                rebuilt = true;
            }
        }
        this.stats.incremental++;
        return this.run(rules, 'incremental', rebuilt);
    }
    counted(r, by) {
        count(this.perNamespace, r.namespace, by);
        const key = kindKey(r.group, r.kind);
        const k = this.perKind.get(key) ?? { group: r.group, kind: r.kind, n: 0 };
        k.n += by;
        if (k.n <= 0)
            this.perKind.delete(key);
        else
            this.perKind.set(key, k);
    }
    full(objects) {
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
    fresh(given) {
        const list = this.opts.order === 'given' ? [...given.keys()].map((k) => this.objects.get(k)).filter((r) => r !== undefined) : [...this.objects.values()].sort(compareObjects);
        for (let i = 0; i < list.length; i++)
            list[i].id = i * ID_STEP;
        this.maxId = (list.length - 1) * ID_STEP;
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
    overlaid(model, changes, given) {
        if (this.depth + changes.length > this.maxDepth)
            return null;
        const additions = changes.filter((c) => c.after && !c.before);
        // In the caller's order, one walk gives new objects their ids and checks that no object moved (a
        // cache that re-lists a replaced object elsewhere): a moved object means a rebuild in the new order.
        if (this.opts.order === 'given' && !this.idsInGivenOrder(given, new Set(additions.map((c) => c.key))))
            return null;
        for (const { before, after } of changes) {
            if (after && !before && this.opts.order !== 'given') {
                const id = idBetween(model, after, this.perKind.values());
                if (id === null)
                    return null;
                after.id = id;
            }
            if (after)
                this.maxId = Math.max(this.maxId, after.id);
            if (movesNamespace(model, before, after))
                return null;
            const o = overlayModel(model, before, after);
            if (o.refused !== undefined)
                return null;
            const base = model;
            providePosture(o.model, () => overlayPosture(computePosture(base), o.model, before, after));
            model = o.model;
        }
        return model;
    }
    /**
     * Gives each added key an id between its neighbours in the caller's iteration order (one walk over
     * the objects: a cache lists a new object among its kind, not last). False when a gap is too small.
     */
    idsInGivenOrder(given, added) {
        let prevId = -ID_STEP;
        let run = [];
        const place = (nextId) => {
            const step = (nextId - prevId) / (run.length + 1);
            for (let i = 0; i < run.length; i++) {
                const id = Math.floor(prevId + step * (i + 1));
                if (id <= prevId || id >= nextId || id === -1 || (i > 0 && id <= run[i - 1].id))
                    return false;
                run[i].id = id;
            }
            run = [];
            return true;
        };
        for (const key of given.keys()) {
            const r = this.objects.get(key);
            if (!r)
                continue;
            if (added.has(key))
                run.push(r);
            else {
                // The caller moved an object (its order is not the model's any more): rebuild.
                if (r.id <= prevId)
                    return false;
                if (run.length && !place(r.id))
                    return false;
                prevId = r.id;
            }
        }
        return run.length ? place(Math.max(prevId, this.maxId) + (run.length + 1) * ID_STEP) : true;
    }
    run(rules, mode, rebuilt) {
        const model = this.model;
        const result = runRules(model, rules, {
            settings: this.settings,
            locator: this.opts.locator?.(),
            compact: this.opts.compact ?? true,
            ...(this.opts.severityOverrides ? { severityOverrides: this.opts.severityOverrides } : {}),
            ...(this.telemetry ? { telemetry: this.telemetry.facts } : {}),
        });
        const failed = new Set(result.failures.map((f) => f.ruleId));
        const fresh = new Map();
        for (const r of rules)
            if (!failed.has(r.meta.id))
                fresh.set(r.meta.id, []);
        for (const f of result.findings)
            fresh.get(f.ruleId)?.push(f);
        for (const r of rules) {
            if (failed.has(r.meta.id))
                this.byRule.delete(r.meta.id);
            else
                this.byRule.set(r.meta.id, fresh.get(r.meta.id));
        }
        return { byRule: this.byRule, failures: result.failures, mode, rulesRun: rules.length, rebuilt, model, objects: this.objects.size };
    }
}
/** Every finding of an engine result, rule by rule. */
export function allFindings(result) {
    const out = [];
    for (const list of result.byRule.values())
        for (const f of list)
            out.push(f);
    return out;
}
function count(m, ns, by) {
    const n = (m.get(ns) ?? 0) + by;
    if (n <= 0)
        m.delete(ns);
    else
        m.set(ns, n);
}
/**
 * Whether the change moves a namespace in the model's namespace list: a namespace without a Namespace
 * object is listed where its first object (in canonical order) is, so a new first object or the
 * removal of the first one may reorder namespaces (and the messages that list them). The overlay
 * shares the base's list, so such a change rebuilds. Live clusters have a Namespace object for every
 * namespace: there this never happens.
 */
function movesNamespace(model, before, after) {
    const r = after ?? before;
    if (!r.namespace || (before && after && before.id === after.id) || model.namespace(r.namespace).resource)
        return false;
    const first = model.inNamespace(r.namespace)[0];
    return first === undefined || (after ? after.id < first.id : first === before);
}
/**
 * A free id between `r`'s canonical neighbours in `model` (objects of one kind are one run in canonical
 * order, so the neighbours are in its kind's list or at the ends of other kinds' lists); null when they
 * are adjacent integers. `kinds` names every kind the model holds (a few hundred at most).
 */
function idBetween(model, r, kinds) {
    const same = model.ofKind(r.group, r.kind);
    let lo = 0;
    let hi = same.length;
    while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareObjects(same[mid], r) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    let prev = same[lo - 1];
    let next = same[lo];
    const needPrev = prev === undefined;
    const needNext = next === undefined;
    if (needPrev || needNext) {
        for (const k of kinds) {
            if (k.group === r.group && k.kind === r.kind)
                continue;
            const list = model.ofKind(k.group, k.kind);
            if (!list.length)
                continue;
            // Another kind's objects are all before r or all after it.
            const first = list[0];
            const last = list[list.length - 1];
            if (needPrev && compareObjects(last, r) < 0 && (prev === undefined || last.id > prev.id))
                prev = last;
            if (needNext && compareObjects(first, r) > 0 && (next === undefined || first.id < next.id))
                next = first;
        }
    }
    const low = prev ? prev.id : -ID_STEP;
    const high = next ? next.id : low + 2 * ID_STEP;
    const id = Math.floor((low + high) / 2);
    // -1 is the model's stand-in MeshConfig object.
    return id > low && id < high && id !== -1 ? id : null;
}
