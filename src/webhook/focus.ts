/**
 * Focus: a rule run that looks only at the object under review.
 *
 * Rules loop over the model (`ofKind`, `workloads`, `namespaces()`) and look things up through its
 * indexes. For an admission review only findings that name the incoming object count, so the loop
 * over the incoming object's kind (or over workloads, or over namespaces) can be cut down to that
 * object, its workload, its namespace, while every lookup still sees the whole cluster. Which cuts a
 * rule tolerates depends on how it is written: a rule that compares objects of one kind with each
 * other (two namespace-wide Sidecars, two Gateways sharing a certificate) needs them all, and one
 * that asks `namespaces()` inside its loop (which namespaces import this host?) needs the full list.
 * The table below says, per rule, which loops may be cut; a rule not in it runs unfocused (exact,
 * slower). The equivalence tests (decide-equivalence.test.ts) hold every entry to the reference.
 */
import type { MeshModel } from '../model/model.js';
import { KindCut, modelView, type ModelView } from '../model/overlay.js';
import type { Resource } from '../model/resource.js';
import type { NamespaceInfo } from '../model/namespaces.js';
import type { Workload } from '../model/workloads.js';
import { computePosture, focusedPosture, providePosture } from '../posture/index.js';

export interface Focus {
  /** `ofKind(subject's kind)` lists only the subject. */
  kind?: boolean;
  /** `workloads` lists only the subject's workload. */
  workloads?: boolean;
  /** `namespaces()` lists only the subject's namespace. */
  namespaces?: boolean;
  /**
   * Every `ofKind` and `workloads` lists only the objects of the subject's namespace, the root
   * namespace and cluster-scoped kinds: for rules that judge an object through whole-model summaries
   * (the mesh posture), which would otherwise be recomputed over the whole cluster for every review.
   * Lookups by namespace, host, selector and workload stay whole.
   */
  slice?: boolean;
  /**
   * For a workload under review, the posture's policy lists (AuthorizationPolicies,
   * RequestAuthentications, PeerAuthentications) list only those that apply to it or decide its mTLS
   * mode: for rules whose findings name a workload only as a target of the policy they are on.
   */
  related?: boolean;
  /**
   * For a workload under review, `ofKind(DestinationRule)` lists only the DestinationRules whose host
   * may cover a Service selecting it (its first label is the Service's name, or it is a wildcard): for
   * rules whose findings name a workload only as a destination behind the DestinationRule's host.
   */
  hosts?: boolean;
}

export const NO_FOCUS: Focus = Object.freeze({});

/**
 * Per admission rule, the loops that may be cut (k: kind, w: workloads, n: namespaces, r: related
 * policies; see Focus).
 * Found by `node bench/decide.js --discover-focus` (the most aggressive focus under which the rule's
 * decisions equal the reference's over the equivalence corpus), taken as the common part of runs over
 * different random clusters, and held by decide-equivalence.test.ts. For the rules that judge through
 * the mesh posture, k and w also cut the posture's lists (its policies of the subject's kind, its
 * workloads) while every posture lookup stays the whole overlay's (focusedView). A rule added later
 * runs unfocused until it is given an entry here. 'r' and 'h' were added by hand to the posture rules whose
 * findings name workloads only as targets of the policy they are on, or as destinations behind a
 * DestinationRule's host (read from their report() calls),
 * and is held by the same tests.
 */
const FOCUS_KEYS: ReadonlyArray<[string, string]> = [
  ['AUT001', 'kwn'],
  ['AUT002', 'kwnr'],
  ['AUT003', 'kwh'],
  ['AUT004', 'kn'],
  ['AUT005', 'kwn'],
  ['AUT006', 'kw'],
  ['AUT007', 'kwnr'],
  ['AUT008', 'kwn'],
  ['AUT009', 'kwn'],
  ['AUT010', 'kwn'],
  ['AUT011', 'kwnr'],
  ['AUT012', 'kwnr'],
  ['AUT013', 'kwn'],
  ['AUT014', 'kwn'],
  ['AUT030', 'kwn'],
  ['AUT031', 'kwn'],
  ['AUT032', 'kwn'],
  ['AUT015', 'kwnr'],
  ['AUT016', 'kwn'],
  ['AUT017', 'kwn'],
  ['AUT018', 'wn'],
  ['AUT019', 'kn'],
  ['AUT020', 'skwn'],
  ['AUT021', 'kwnr'],
  ['AUT022', 'skwn'],
  ['AUT023', 'wn'],
  ['AUT024', 'kn'],
  ['AUT025', 'kwn'],
  ['AUT026', 'wn'],
  ['AUT027', 'kw'],
  ['AUT028', 'kwh'],
  ['BYP001', 'kwn'],
  ['BYP002', 'kwn'],
  ['BYP003', 'kwn'],
  ['BYP004', 'kwn'],
  ['BYP005', 'kwn'],
  ['BYP006', 'kwn'],
  ['BYP007', 'kwn'],
  ['BYP008', 'kwn'],
  ['BYP009', 'kwn'],
  ['BYP010', 'kwn'],
  ['BYP011', 'kwn'],
  ['BYP012', 'kwn'],
  ['BYP013', 'kwn'],
  ['BYP014', 'kwn'],
  ['BYP015', 'kwn'],
  ['BYP030', 'skwn'],
  ['EGR001', 'kwn'],
  ['EGR002', 'skwn'],
  ['EGR003', 'kwn'],
  ['EGR004', 'kwn'],
  ['EGR005', 'kwn'],
  ['EGR006', 'kwn'],
  ['EGR007', 'kwn'],
  ['HJK001', 'kw'],
  ['HJK002', 'kwn'],
  ['HJK003', 'w'],
  ['HJK004', 'w'],
  ['HJK005', 'kwn'],
  ['HJK006', 'kw'],
  ['HJK007', 'kwn'],
  ['HJK008', 'kwn'],
  ['HJK009', 'kwn'],
  ['HJK010', 'kwn'],
  ['HJK011', 'kwn'],
  ['HJK012', 'kwn'],
  ['HJK013', 'kwn'],
  ['HJK014', 'wn'],
  ['HJK015', 'wn'],
  ['HJK016', 'skwn'],
  ['HJK017', 'wn'],
  ['HJK018', 'kwn'],
  ['HJK019', 'kwn'],
];

/**
 * The slice ('s') cuts every loop to the subject's namespace and the root namespace. It used to change
 * the posture too (computed over the slice, it missed an Istio Gateway elsewhere whose selector makes
 * a workload a gateway), so the random equivalence test kept finding cases; the posture is now always
 * the whole overlay's (focusedView), and the slice is given by hand only to rules whose findings name a
 * workload only from an object of its own namespace (a Service selecting it, a DestinationRule or
 * Sidecar beside it): AUT020, AUT022, BYP030, HJK016. The equivalence tests hold them.
 */
export const RULE_FOCUS: ReadonlyMap<string, Focus> = new Map(FOCUS_KEYS.map(([id, key]) => [id, focusFromKey(key)]));

/**
 * Kinds whose objects decide verdicts in other namespaces, so a slice takes them whole: an Istio
 * Gateway's selector picks pods in every namespace (a workload it picks is a gateway, which AUT012 and
 * the posture treat apart), and a Kubernetes Gateway is the waypoint a Service of another namespace
 * may name (istio.io/use-waypoint-namespace). Not enough on its own (see RULE_FOCUS).
 */
const CROSS_NAMESPACE_KINDS: ReadonlySet<string> = new Set(['networking.istio.io/Gateway', 'gateway.networking.k8s.io/Gateway']);

export function focusOf(ruleId: string, table: ReadonlyMap<string, Focus> = RULE_FOCUS): Focus {
  return table.get(ruleId) ?? NO_FOCUS;
}

export function focusKey(f: Focus): string {
  return `${f.slice ? 's' : ''}${f.kind ? 'k' : ''}${f.workloads ? 'w' : ''}${f.namespaces ? 'n' : ''}${f.related ? 'r' : ''}${f.hosts ? 'h' : ''}`;
}

/** The focus a key names ('skwn' and its subsets). */
export function focusFromKey(key: string): Focus {
  return { slice: key.includes('s'), kind: key.includes('k'), workloads: key.includes('w'), namespaces: key.includes('n'), related: key.includes('r'), hosts: key.includes('h') };
}

/**
 * A view of `model` whose loops named in `focus` list only `subject` (its workload, its namespace).
 * Per-model caches (keyed by the model object) are computed afresh for the view, under its cuts.
 */
export function focusedView(model: MeshModel, subject: Resource, focus: Focus): MeshModel {
  if (!focus.kind && !focus.workloads && !focus.namespaces && !focus.slice && !focus.related && !focus.hosts) return model;
  // A view on the shared prototype of the model's views (model/overlay.ts), not Object.create(model):
  // no hidden classes made per review.
  const v = modelView(model);
  const view = v as unknown as MeshModel;
  // The posture stays the whole model's (the overlay posture), its lists cut as the model's loops are.
  providePosture(view, () => focusedPosture(computePosture(model), view, subject, { kind: !!focus.kind, workloads: !!focus.workloads, related: !!focus.related }));
  const root = model.rootNamespace;
  const sliced = new Map<string, readonly Resource[]>();
  let base = focus.slice
    ? (group: string, kind: string): readonly Resource[] => {
        const key = `${group}/${kind}`;
        let list = sliced.get(key);
        if (!list) {
          const all = model.ofKind(group, kind);
          // Cluster-scoped kinds and kinds that act across namespaces come whole; namespaced ones from
          // the two namespaces' own lists.
          list = (all.length && all[0].namespace === '') || CROSS_NAMESPACE_KINDS.has(key) ? all : [...model.inNamespace(subject.namespace), ...(root !== subject.namespace ? model.inNamespace(root) : [])].filter((r) => r.kind === kind && r.group === group).sort((a, b) => a.id - b.id);
          sliced.set(key, list);
        }
        return list;
      }
    : (group: string, kind: string) => model.ofKind(group, kind);
  const subjectWorkload = focus.hosts ? model.workloadFor(subject) : undefined;
  if (subjectWorkload && !(subject.group === DR_GROUP && subject.kind === 'DestinationRule')) {
    const inner = base;
    const services = computePosture(model).of(subjectWorkload)?.services ?? [];
    let relevant: readonly Resource[] | null = null;
    base = (group: string, kind: string) => {
      if (group !== DR_GROUP || kind !== 'DestinationRule') return inner(group, kind);
      return (relevant ??= destinationRulesNaming(inner(group, kind), services.map((x) => x.name.toLowerCase())));
    };
  }
  if (focus.kind) {
    // The review's overlay holds the object it adds; asking the kind's list would copy it (thousands).
    const holds = (model as unknown as Partial<ModelView>).change?.added === subject || model.ofKind(subject.group, subject.kind).includes(subject);
    const only: readonly Resource[] = holds ? [subject] : [];
    v.focusOfKind = new KindCut((group: string, kind: string) => (group === subject.group && kind === subject.kind ? only : base(group, kind)));
  } else if (focus.slice || focus.hosts) v.focusOfKind = new KindCut(base);
  if (focus.workloads) {
    const w = model.workloadFor(subject);
    v.focusWorkloads = w ? [w] : [];
  } else if (focus.slice) {
    // Model order: objects' workloads by id, the gateway pods the model makes up last.
    const rank = (w: Workload) => (w.synthetic ? 1 : 0);
    const mine = [...model.workloadsIn(subject.namespace), ...(root !== subject.namespace ? model.workloadsIn(root) : [])].sort((a, b) => rank(a) - rank(b) || a.resource.id - b.resource.id);
    v.focusWorkloads = mine;
  }
  if (focus.namespaces && subject.namespace) {
    // What namespaces().filter(name) gives, without listing every namespace for every view: the model
    // lists a namespace that has a Namespace object or holds objects, as namespace() describes it.
    const ns = model.namespace(subject.namespace);
    const info: NamespaceInfo[] = ns.resource !== null || model.inNamespace(subject.namespace).length > 0 ? [ns] : [];
    v.focusNamespaces = info;
  }
  return view;
}

const DR_GROUP = 'networking.istio.io';

/** DestinationRules by the first label of their host (wildcards and odd hosts apart), per DestinationRule list. */
const drIndexes = new WeakMap<readonly Resource[], { byFirstLabel: Map<string, Resource[]>; always: Resource[] }>();

/** The DestinationRules of `all` whose host may name one of these Services (by name), or is a wildcard; in `all`'s order. */
function destinationRulesNaming(all: readonly Resource[], serviceNames: string[]): readonly Resource[] {
  let idx = drIndexes.get(all);
  if (!idx) {
    idx = { byFirstLabel: new Map(), always: [] };
    for (const dr of all) {
      const host: unknown = dr.obj?.spec?.host;
      if (typeof host !== 'string' || host.includes('*')) {
        idx.always.push(dr);
        continue;
      }
      const first = host.toLowerCase().split('.')[0];
      const list = idx.byFirstLabel.get(first);
      if (list) list.push(dr);
      else idx.byFirstLabel.set(first, [dr]);
    }
    drIndexes.set(all, idx);
  }
  const out = [...idx.always];
  for (const name of new Set(serviceNames)) out.push(...(idx.byFirstLabel.get(name) ?? []));
  return out.length > 1 ? out.sort((a, b) => a.id - b.id) : out;
}
