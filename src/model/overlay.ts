/**
 * A model with one object added, replaced or removed, built from an existing model in microseconds
 * instead of rebuilding every index over every object (issue 12's admission decision; issue 17's
 * incremental analysis starts here).
 *
 * The overlay is a view: `Object.create(base)` with copy-on-write copies of only the indexes the
 * change touches (the kind's list, the namespace's list, the namespace's workloads and pod-label
 * index, the host index for Services and ServiceEntries; for a Namespace updated in place, the
 * namespace list with its new info). Everything else (the namespaces that exist, tenancy, mesh config,
 * injectors) is the base's, so a change that would alter those (a Namespace created or deleted, one
 * moved to another tenant) is refused and the caller builds a model from scratch. The base is never
 * modified.
 *
 * Order matters to rules (the first report of a fingerprint wins, the oldest of two Sidecars wins,
 * evidence lists are cut at N): base objects are ordered by id, and the added object takes the place
 * its id gives it (the removed object's id for a replacement, a new largest id for an addition), so
 * every index is ordered as a fresh model over the same objects in that order would order it.
 */
import { SAIL_GROUP } from './meshconfig.js';
import type { MeshModel } from './model.js';
import { kindKey, type Resource } from './resource.js';
import { GATEWAY_NAME_LABEL, ISTIO_GATEWAY_NAME_LABEL, workloadOf, type Workload } from './workloads.js';
import type { HostIndex, OwnedHost } from './hosts.js';
import { namespaceFacts, type NamespaceInfo } from './namespaces.js';
import { OwnMemo } from './own-memo.js';
import type { TenantOf } from '../tenancy/tenancy.js';
import { declaredSame } from './same-as.js';

/** The fields of MeshModel the overlay shadows (private in the class, plain properties at run time). */
interface ModelInternals {
  resources: readonly Resource[];
  workloads: Workload[];
  byKind: Map<string, Resource[]>;
  byNamespace: Map<string, Resource[]>;
  namespaceInfo: Map<string, NamespaceInfo>;
  workloadsByNs: Map<string, Workload[]>;
  podLabelIndex: Map<string, Map<string, Workload[]>>;
  hostIndex: HostIndex | null;
  syntheticMesh: Resource | null;
  workloadFor(r: Resource): Workload | undefined;
}

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/**
 * Kinds whose change reaches model-wide state the overlay shares with its base: the namespace list and
 * labels (tenancy, data-plane modes), the mesh config, the injectors, the cluster domain, the
 * gateway-API pods the model makes up.
 */
export function modelWideReason(r: Resource, root: string): string | null {
  // (A Namespace updated in place is an overlay of its own: overlayNamespaceUpdate, before this is asked.)
  if (r.group === '' && r.kind === 'Namespace') return 'a Namespace created or deleted changes the namespace list';
  if (r.group === 'install.istio.io') return 'IstioOperator changes the mesh config';
  if (r.group === SAIL_GROUP) return 'a Sail operator resource changes the mesh config';
  if (r.group === GATEWAY_API_GROUP && (r.kind === 'Gateway' || r.kind === 'GatewayClass')) return 'gateway-API Gateways and classes make up gateway pods';
  if (r.group === '' && r.kind === 'ConfigMap' && (r.namespace === root || r.name === 'istio' || r.name.startsWith('istio-'))) return 'a ConfigMap that may hold the mesh or injector config';
  return null;
}

export type OverlayResult = { model: MeshModel; refused?: undefined } | { model?: undefined; refused: string };

/**
 * `base` with `removed` (an object of base.resources, by reference) taken out and `added` put in at
 * the place its id gives it. The base's objects must have ids in their order (as MeshModel's dense
 * ids are); `added.id` is the removed object's id to replace it in place, or larger than every id. Refused, with the reason, when the change reaches
 * state the overlay does not recompute.
 */
export function overlayModel(base: MeshModel, removed: Resource | null, added: Resource | null): OverlayResult {
  const b = base as unknown as ModelInternals;
  if (isNamespaceUpdate(removed, added)) return overlayNamespaceUpdate(base, removed!, added!);
  for (const r of [removed, added]) {
    if (!r) continue;
    const why = modelWideReason(r, base.rootNamespace);
    if (why) return { refused: why };
  }
  if (added && added.namespace && !b.byNamespace.has(added.namespace) && !b.namespaceInfo.has(added.namespace)) return { refused: 'the object is the first in its namespace' };
  if (removed && removed.namespace && !b.namespaceInfo.get(removed.namespace)?.resource && (b.byNamespace.get(removed.namespace)?.length ?? 0) <= (added?.namespace === removed.namespace ? 0 : 1)) {
    return { refused: 'the object is the last in a namespace without a Namespace object' };
  }

  let addedWorkload: Workload | null = null;
  try {
    addedWorkload = added ? workloadOf(added) : null;
  } catch {
    return { refused: 'the object’s pod template could not be read' };
  }
  const removedWorkload = removed ? b.workloadFor(removed) ?? null : null;
  const touchesWorkloads = addedWorkload !== null || removedWorkload !== null;
  // The model makes up the pods of a gateway-API Gateway (a waypoint, say) none of whose pods is in the
  // input; only a workload whose pods carry a gateway-name label can be such a pod, so only its coming
  // or going can make one up or do away with one. Any other workload of the namespace is an overlay.
  for (const w of [removedWorkload, addedWorkload]) {
    if (w && namesGateway(w) && base.ofKindInNamespace(GATEWAY_API_GROUP, 'Gateway', w.namespace).length) return { refused: 'the pods of a gateway-API Gateway may come or go' };
  }

  const o = newView(base, new OverlayChange(b, removed, added, removedWorkload, addedWorkload, touchesWorkloads), b);
  o.byKind = overlayMap(b.byKind);
  o.byNamespace = overlayMap(b.byNamespace);
  const kinds = new Set([removed, added].filter((r): r is Resource => r !== null).map((r) => kindKey(r.group, r.kind)));
  for (const key of kinds) lazyList(o.byKind, key, () => edited(b.byKind.get(key), removed, added, insertById));
  const namespaces = new Set([removed?.namespace, added?.namespace].filter((ns): ns is string => !!ns));
  for (const ns of namespaces) lazyList(o.byNamespace, ns, () => edited(b.byNamespace.get(ns), removed?.namespace === ns ? removed : null, added?.namespace === ns ? added : null, insertById));

  if (touchesWorkloads) overlayWorkloads(b, o, removedWorkload, addedWorkload);
  if (isHostOwner(removed) || isHostOwner(added)) {
    o.hostIndex = new HostIndexOverlay(base.hosts, removed, added ? ownedHosts(base, added) : [], removed ? ownedHosts(base, removed) : []) as unknown as HostIndex;
  }
  return { model: o as unknown as MeshModel };
}

/** An existing Namespace object replaced by one of the same name (its labels or annotations changed). */
export function isNamespaceUpdate(removed: Resource | null, added: Resource | null): boolean {
  return removed !== null && added !== null && removed.group === '' && removed.kind === 'Namespace' && added.group === '' && added.kind === 'Namespace' && removed.name === added.name;
}

/**
 * What a Namespace update reaches, for choosing the rules it re-runs and where:
 * - 'content': only what the rules reading a Namespace's content read (its other labels, its
 *   annotations): those rules, the namespace-scoped ones over the namespace alone;
 * - 'facts': what every rule sees of the namespace through the model (its data-plane mode, injection
 *   and waypoint labels: namespaceFacts) in the same tenant: every rule, the namespace-scoped ones over
 *   the namespace alone (src/engine/scope.ts: their promise covers a namespace's mode too);
 * - 'everything': the tenant the policy places it in changes, or the object was read from a file (a
 *   finding placed on it names a line, which an edit above it moves), or its labels cannot be read:
 *   every rule over the whole model.
 */
export function namespaceUpdateReach(base: MeshModel, removed: Resource, added: Resource): 'content' | 'facts' | 'everything' {
  const was = base.namespace(removed.name);
  let now: NamespaceInfo;
  try {
    now = base.infoOfNamespaceObject(added);
  } catch {
    return 'everything';
  }
  if (removed.source !== null || added.source !== null || removed.cluster !== added.cluster || removed.apiVersion !== added.apiVersion) return 'everything';
  if (movesTenant(base, removed.name, added.labels)) return 'everything';
  return namespaceFacts(was) === namespaceFacts(now) ? 'content' : 'facts';
}

/** Whether namespace `ns` with these labels would belong to another tenant than it does in `base`. */
export function movesTenant(base: MeshModel, ns: string, labels: Record<string, string>): boolean {
  if (!base.tenancy.hasPolicy) return false;
  const was: TenantOf = base.tenancy.tenantOf(ns);
  const now = base.tenancy.placeWith(ns, labels);
  return was.name !== now.name || was.platform !== now.platform || was.explicit !== now.explicit;
}

/**
 * A Namespace object replaced by one of the same name: the namespace keeps its place in namespaces()
 * and every index but the namespace list and the Namespace kind's list is the base's. Refused when the
 * model does not read its namespace from the replaced object (two Namespace objects of one name), or
 * when the new labels move the namespace to another tenant (the tenancy is shared with the base).
 * The posture follows in src/posture/index.ts (kept when the facts stay, rebuilt when they change).
 */
function overlayNamespaceUpdate(base: MeshModel, removed: Resource, added: Resource): OverlayResult {
  const b = base as unknown as ModelInternals;
  if (b.namespaceInfo.get(removed.name)?.resource !== removed) return { refused: 'the model reads the namespace from another Namespace object of that name' };
  let info: NamespaceInfo;
  try {
    info = base.infoOfNamespaceObject(added);
  } catch {
    return { refused: 'the Namespace object’s labels could not be read' };
  }
  if (movesTenant(base, removed.name, added.labels)) return { refused: 'the Namespace’s new labels move it to another tenant' };
  const o = newView(base, new OverlayChange(b, removed, added, null, null, false), b);
  o.byKind = overlayMap(b.byKind);
  const key = kindKey('', 'Namespace');
  lazyList(o.byKind, key, () => edited(b.byKind.get(key), removed, added, insertById));
  // Setting an existing key keeps its place: namespaces() lists the namespace where it was.
  o.namespaceInfo = new Map(b.namespaceInfo).set(removed.name, info);
  return { model: o as unknown as MeshModel };
}

/**
 * What an overlay changed, shared by the overlay and the focused views made of it (focus.ts): the
 * whole-model lists it edits are copied only when something asks for them (focused rules never do).
 */
class OverlayChange {
  private resourcesCopy: Resource[] | null = null;
  private workloadsCopy: Workload[] | null = null;
  constructor(
    readonly base: ModelInternals,
    readonly removed: Resource | null,
    readonly added: Resource | null,
    readonly removedWorkload: Workload | null,
    readonly addedWorkload: Workload | null,
    readonly touchesWorkloads: boolean,
  ) {}

  resources(): Resource[] {
    return (this.resourcesCopy ??= edited(this.base.resources, this.removed, this.added, insertById));
  }

  workloads(): Workload[] {
    if (!this.touchesWorkloads) return this.base.workloads;
    return (this.workloadsCopy ??= edited(this.base.workloads, this.removedWorkload, this.addedWorkload, insertWorkload));
  }

  workloadFor(r: Resource): Workload | undefined {
    if (this.touchesWorkloads) {
      if (r === this.added) return this.addedWorkload ?? undefined;
      if (r === this.removed) return undefined;
    }
    return this.base.workloadFor(r);
  }
}

/**
 * The own fields of an overlay or a focused view. Every view of a base model is made by newView, with
 * these fields in this order, on one prototype per base (viewPrototype): the views of every review then
 * share one hidden class. Made with `Object.create(base)` and properties defined per object instead,
 * each review cost V8 new hidden classes and accessor pairs, allocated in old space, and turning a
 * short-lived overlay into the prototype of its focused views cost more; at 1,000 reviews a second that
 * garbage drove frequent full collections (issue 12).
 */
export interface ModelView extends ModelInternals {
  change: OverlayChange | null;
  /** A focused view's cuts (focus.ts); null where the loop is whole. */
  focusOfKind: KindCut | null;
  focusWorkloads: Workload[] | null;
  focusNamespaces: NamespaceInfo[] | null;
}

const viewPrototypes = new OwnMemo<MeshModel, object>('model-view-prototype');

/** The prototype of every view of `base`: its loops read a focused view's cuts, then the overlay's change, then the base. */
function viewPrototype(base: MeshModel): object {
  let proto = viewPrototypes.get(base);
  if (proto) return proto;
  const b = base as unknown as ModelInternals;
  const whole = {
    ofKind: base.ofKind,
    namespaces: base.namespaces,
  };
  proto = Object.create(base, {
    resources: {
      get(this: ModelView) {
        return this.change ? this.change.resources() : b.resources;
      },
    },
    workloads: {
      get(this: ModelView) {
        return this.focusWorkloads ?? (this.change ? this.change.workloads() : b.workloads);
      },
    },
    // A lookup, whole even in a focused view (MeshModel.hasAnyWorkload).
    hasAnyWorkload: {
      value(this: ModelView) {
        return (this.change ? this.change.workloads() : b.workloads).length > 0;
      },
    },
    workloadFor: {
      value(this: ModelView, r: Resource) {
        return this.change ? this.change.workloadFor(r) : b.workloadFor(r);
      },
    },
    ofKind: {
      value(this: ModelView, group: string, kind: string) {
        return this.focusOfKind ? this.focusOfKind.ofKind(group, kind) : whole.ofKind.call(this, group, kind);
      },
    },
    namespaces: {
      value(this: ModelView) {
        return this.focusNamespaces ? [...this.focusNamespaces] : whole.namespaces.call(this);
      },
    },
  }) as object;
  viewPrototypes.set(base, proto);
  return proto;
}

/**
 * A focused view's `ofKind`. An object holding the function (given to its constructor), not the
 * function stored on the view: V8 keeps a function assigned to an object made by
 * Object.create(long-lived) alive past minor GCs, and with it the whole review (own-memo.ts).
 */
export class KindCut {
  constructor(readonly ofKind: (group: string, kind: string) => readonly Resource[]) {}
}

/** A view with `from`'s indexes (a base model's own, or an overlay's) and no cuts. */
function newView(base: MeshModel, change: OverlayChange | null, from: ModelInternals): ModelView {
  const v = Object.create(viewPrototype(base)) as ModelView;
  v.byKind = from.byKind;
  v.byNamespace = from.byNamespace;
  v.workloadsByNs = from.workloadsByNs;
  v.podLabelIndex = from.podLabelIndex;
  v.hostIndex = from.hostIndex;
  v.namespaceInfo = from.namespaceInfo;
  // The stand-in MeshConfig object (no mesh config in the input) takes the first object's cluster, and
  // a change can empty the model or put another cluster's object first: each view makes its own from
  // its own lists on first use, never the base's (its fingerprint names that cluster).
  v.syntheticMesh = null;
  v.change = change;
  v.focusOfKind = null;
  v.focusWorkloads = null;
  v.focusNamespaces = null;
  return v;
}

/**
 * The model a view stands on, and the workloads its change takes out and puts in (null when it
 * changes none); null for a model that is not a view. A whole-model answer computed once on the base
 * then serves every review's view, and stays whole on a view whose loops are cut (focus.ts).
 */
export function viewOrigin(model: MeshModel): { base: MeshModel; workloads: readonly Workload[]; removed: Workload | null; added: Workload | null } | null {
  const m = model as unknown as Partial<ModelView>;
  if (!Object.hasOwn(m, 'change')) return null;
  const base = baseOfView(m);
  const change = m.change ?? null;
  // The whole view's workloads, whatever its loops are cut to.
  const workloads = change ? change.workloads() : base.workloads;
  if (!change?.touchesWorkloads) return { base, workloads, removed: null, added: null };
  return { base, workloads, removed: change.removedWorkload, added: change.addedWorkload };
}

/** The base model of a view (one with an own `change`): its change's, else the prototype's (viewPrototype). */
function baseOfView(m: Partial<ModelView>): MeshModel {
  return m.change ? (m.change.base as unknown as MeshModel) : (Object.getPrototypeOf(Object.getPrototypeOf(m)) as MeshModel);
}

/**
 * A view of `model` (a base model or an overlay) to cut loops on (focus.ts): the same indexes and
 * change, on the shared prototype. Its per-model caches (posture, rule indexes) are its own.
 */
export function modelView(model: MeshModel): ModelView {
  const m = model as unknown as Partial<ModelView> & ModelInternals;
  if (Object.hasOwn(m, 'change')) return newView(baseOfView(m), m.change ?? null, m);
  return newView(model, null, m);
}

/** Inserts `r` before the first object with a larger id (lists are in id order). */
function insertById(list: Resource[], r: Resource): void {
  let at = list.length;
  while (at > 0 && list[at - 1].id > r.id) at--;
  list.splice(at, 0, r);
}

function isMadeUpGatewayPod(w: Workload): boolean {
  return w.resource.group === GATEWAY_API_GROUP && w.resource.kind === 'Gateway';
}

/** Where a workload of an object goes: in object order, before the gateway pods the model makes up (always last). */
function insertWorkload(list: Workload[], w: Workload): void {
  let at = list.length;
  while (at > 0 && (isMadeUpGatewayPod(list[at - 1]) || list[at - 1].resource.id > w.resource.id)) at--;
  list.splice(at, 0, w);
}

/**
 * A copy of `list` with `removed` taken out and `added` put in. A replacement (same id, so the same
 * place in id order) goes where the removed object was; an addition goes where `place` puts it.
 */
function edited<T>(list: readonly T[] | undefined, removed: T | null, added: T | null, place: (list: T[], x: T) => void): T[] {
  const out = list ? list.slice() : [];
  const at = removed ? out.indexOf(removed) : -1;
  if (at >= 0 && added && idOf(added) === idOf(removed!)) {
    out[at] = added;
    return out;
  }
  if (at >= 0) out.splice(at, 1);
  if (added) place(out, added);
  return out;
}

function idOf(x: unknown): number {
  return (x as Resource).id ?? (x as Workload).resource.id;
}

/**
 * A Map read through to `base` except for the keys set or deleted on it: an overlay changes one or two
 * keys of maps with hundreds (namespaces) or thousands (the posture's), and copying them would cost
 * more than the rest of a review. Only get/has/set/delete: overlays read these maps by key only; a map
 * something iterates is rebuilt whole instead.
 */
export function overlayMap<K, V>(base: ReadonlyMap<K, V>): Map<K, V> {
  return new OverlayMap(base) as unknown as Map<K, V>;
}

/**
 * overlayMap's map: a class, not an object of closures, so that the few made per review share one
 * hidden class and their methods. `setLazyList` stores a list made on first read: an overlay edits
 * the incoming object's kind list and namespace list, thousands of entries at 20,000 objects, while
 * focused rules (focus.ts) mostly never read them.
 */
class OverlayMap<K, V> {
  private readonly own = new Map<K, V | typeof GONE | LazyList<unknown>>();
  constructor(private readonly base: ReadonlyMap<K, V>) {}

  get(k: K): V | undefined {
    let v = this.own.get(k);
    if (v instanceof LazyList) v = this.resolve(k, v);
    return v === GONE ? undefined : v !== undefined ? (v as V) : this.base.get(k);
  }

  has(k: K): boolean {
    let v = this.own.get(k);
    if (v instanceof LazyList) v = this.resolve(k, v);
    return v !== undefined ? v !== GONE : this.base.has(k);
  }

  set(k: K, v: V): this {
    this.own.set(k, v);
    return this;
  }

  /** `k`'s value is the list `make` returns when first read; an empty list deletes `k`. */
  setLazyList(k: K, make: () => unknown[]): this {
    this.own.set(k, new LazyList(make));
    return this;
  }

  delete(k: K): boolean {
    const had = this.has(k);
    this.own.set(k, GONE);
    return had;
  }

  private resolve(k: K, lazy: LazyList<unknown>): V | typeof GONE {
    const list = lazy.make();
    const v = list.length ? (list as V) : GONE;
    this.own.set(k, v);
    return v;
  }
}

class LazyList<T> {
  constructor(readonly make: () => T[]) {}
}

const GONE = Symbol('deleted');

function lazyList<K, V>(m: Map<K, V[]>, k: K, make: () => V[]): void {
  (m as unknown as OverlayMap<K, V[]>).setLazyList(k, make);
}

function setOrDrop<K, V>(m: Map<K, V[]>, k: K, v: V[]): void {
  if (v.length) m.set(k, v);
  else m.delete(k);
}

function overlayWorkloads(b: ModelInternals, o: ModelInternals, gone: Workload | null, added: Workload | null): void {
  o.workloadsByNs = overlayMap(b.workloadsByNs);
  o.podLabelIndex = overlayMap(b.podLabelIndex);
  for (const ns of new Set([gone?.namespace, added?.namespace])) {
    if (ns === undefined) continue;
    const inNs = edited(b.workloadsByNs.get(ns), gone?.namespace === ns ? gone : null, added?.namespace === ns ? added : null, insertWorkload);
    setOrDrop(o.workloadsByNs, ns, inNs);
    // The namespace's label index edited for the two workloads' labels only (read by key, never
    // iterated), not rebuilt from every workload of the namespace for every review.
    const baseIdx = b.podLabelIndex.get(ns);
    const idx = baseIdx ? overlayMap(baseIdx) : new Map<string, Workload[]>();
    const out = gone?.namespace === ns ? gone : null;
    const come = added?.namespace === ns ? added : null;
    const outKeys = labelKeys(out);
    const comeKeys = labelKeys(come);
    for (const key of new Set([...outKeys, ...comeKeys])) setOrDrop(idx, key, edited(baseIdx?.get(key), outKeys.has(key) ? out : null, comeKeys.has(key) ? come : null, insertWorkload));
    if (inNs.length || baseIdx) o.podLabelIndex.set(ns, idx);
  }
}

/** Whether a workload's pods say which gateway-API Gateway they run (as Istio labels the pods it deploys). */
function namesGateway(w: Workload): boolean {
  return Object.hasOwn(w.podLabels, GATEWAY_NAME_LABEL) || Object.hasOwn(w.podLabels, ISTIO_GATEWAY_NAME_LABEL);
}

/** A workload's entries in the pod-label index (`k=v`, as MeshModel keys them). */
function labelKeys(w: Workload | null): Set<string> {
  const out = new Set<string>();
  if (w) for (const [k, v] of Object.entries(w.podLabels)) out.add(`${k}=${v}`);
  return out;
}

function isHostOwner(r: Resource | null): boolean {
  return r !== null && ((r.group === '' && r.kind === 'Service') || (r.group === 'networking.istio.io' && r.kind === 'ServiceEntry'));
}

/** The host-index entries an object makes, as MeshModel.hosts makes them. */
function ownedHosts(model: MeshModel, r: Resource): OwnedHost[] {
  if (r.kind === 'Service') {
    return indexable([{ host: `${r.name}.${r.namespace}.svc.${model.clusterDomain}`.toLowerCase(), namespace: r.namespace, resource: r, via: 'Service' }]);
  }
  const hosts = r.obj?.spec?.hosts;
  if (!Array.isArray(hosts)) return [];
  const out: OwnedHost[] = [];
  for (const h of hosts) if (typeof h === 'string') out.push({ host: model.resolveHost(h, r.namespace), namespace: r.namespace, resource: r, via: 'ServiceEntry' });
  return indexable(out);
}

/** What HostIndex.add keeps. */
function indexable(list: OwnedHost[]): OwnedHost[] {
  return list.filter((o) => o.host.length <= 253 && !o.host.startsWith('*'));
}

/**
 * The host index with one owner's entries taken out and another's added, in the order a fresh index
 * lists them: Services before ServiceEntries, each in object (id) order.
 */
class HostIndexOverlay {
  private allCache: OwnedHost[] | null = null;
  constructor(
    readonly base: HostIndex,
    private readonly removed: Resource | null,
    private readonly added: OwnedHost[],
    /** The removed owner's entries, as the base lists them (ownedHosts): changedHosts without a walk of every host. */
    private readonly removedOwned: OwnedHost[],
  ) {}

  /**
   * The hosts whose owners differ from the base's: the removed owner's and the added one's, except
   * where the replacement owns the same hosts as the same namespace, kind and name (a Service or a
   * ServiceEntry whose labels, ports or selector changed). What a rule keeps per host owner (who owns
   * it, in which namespace, through which kind, under which name) holds for such a host: answers
   * reading more of the owner object must not be kept against the host index.
   */
  changedHosts(): Set<string> {
    const entry = (o: OwnedHost) => `${o.host}\n${o.namespace}\n${o.via}\n${o.resource.name}`;
    const count = new Map<string, { host: string; n: number }>();
    const tally = (o: OwnedHost, by: number) => {
      const k = entry(o);
      const c = count.get(k) ?? { host: o.host, n: 0 };
      c.n += by;
      count.set(k, c);
    };
    for (const o of this.added) tally(o, 1);
    for (const o of this.removedOwned) tally(o, -1);
    const out = new Set<string>();
    for (const { host, n } of count.values()) if (n !== 0) out.add(host);
    return out;
  }

  get domain(): string {
    return this.base.domain;
  }

  get all(): OwnedHost[] {
    return (this.allCache ??= this.merge(this.base.all, this.added));
  }

  ownersOf(host: string): readonly OwnedHost[] {
    return this.merge(this.base.ownersOf(host), this.added.filter((o) => o.host === host));
  }

  impliedOwner(host: string): string | null {
    return this.base.impliedOwner(host);
  }

  covered(pattern: string): readonly OwnedHost[] {
    if (pattern === '*') return this.all;
    if (pattern.startsWith('*.')) {
      const suffix = pattern.slice(1);
      return this.merge(this.base.covered(pattern), this.added.filter((o) => o.host.endsWith(suffix)));
    }
    return this.ownersOf(pattern);
  }

  private merge(list: readonly OwnedHost[], extra: OwnedHost[]): OwnedHost[] {
    const kept = this.removed ? list.filter((o) => o.resource !== this.removed) : [...list];
    if (!extra.length) return kept;
    const rank = (o: OwnedHost) => (o.via === 'Service' ? 0 : 1);
    const after = (o: OwnedHost) => rank(o) > rank(extra[0]) || (rank(o) === rank(extra[0]) && o.resource.id > extra[0].resource.id);
    let at = kept.findIndex(after);
    if (at < 0) at = kept.length;
    kept.splice(at, 0, ...extra);
    return kept;
  }
}

/**
 * The hosts whose owners differ between host index `prev` and `index`: none when `index` was declared
 * to hold what `prev` held (declareSame: a compaction), the changed owner's when `index` is an overlay's made
 * directly on `prev` or on such an index; null when that cannot be told (then anything may have).
 */
export function hostsChangedSince(index: HostIndex, prev: object): ReadonlySet<string> | null {
  if (declaredSame(index, prev)) return NO_HOSTS;
  if (!(index instanceof HostIndexOverlay)) return null;
  return index.base === prev || declaredSame(index.base, prev) ? index.changedHosts() : null;
}

const NO_HOSTS: ReadonlySet<string> = new Set();
