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
import type { Resource } from '../model/resource.js';
import type { NamespaceInfo } from '../model/namespaces.js';
import type { Workload } from '../model/workloads.js';

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
}

export const NO_FOCUS: Focus = Object.freeze({});

/**
 * Per admission rule, the loops that may be cut (s: slice, k: kind, w: workloads, n: namespaces; see
 * Focus). Found by `node bench/decide.js --discover-focus` (the most aggressive focus under which the
 * rule's decisions equal the reference's over the equivalence corpus), taken as the common part of
 * two runs over different random clusters, and held by decide-equivalence.test.ts. A rule added
 * later runs unfocused until it is given an entry here.
 */
const FOCUS_KEYS: ReadonlyArray<[string, string]> = [
  ['AUT001', 'skwn'],
  ['AUT002', 's'],
  ['AUT003', 'k'],
  ['AUT004', 'kn'],
  ['AUT005', 'kwn'],
  ['AUT006', 'kw'],
  ['AUT007', 'skwn'],
  ['AUT008', 'skwn'],
  ['AUT009', 'skwn'],
  ['AUT010', 'skwn'],
  ['AUT011', 'sk'],
  ['AUT012', 'sk'],
  ['AUT013', 'skwn'],
  ['AUT014', 'skwn'],
  ['AUT015', 'sk'],
  ['AUT016', 'kwn'],
  ['AUT017', 'kwn'],
  ['AUT018', 'wn'],
  ['AUT019', 'skwn'],
  ['AUT020', 'skwn'],
  ['AUT021', 'sk'],
  ['AUT022', 'sk'],
  ['AUT023', 's'],
  ['AUT024', 'kwn'],
  ['AUT025', 'kwn'],
  ['AUT026', 'wn'],
  ['AUT027', 'skw'],
  ['AUT028', 'k'],
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
  ['EGR002', 'kwn'],
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
  ['HJK016', 'kwn'],
  ['HJK017', 'n'],
];

/**
 * The slice ('s') found by the tool is not applied: a namespace's slice leaves out objects of other
 * namespaces that still decide a verdict there (an Istio Gateway elsewhere whose selector makes a
 * workload a gateway changes AUT012 and BYP030), and the random equivalence test kept finding such cases
 * after the table was made, even with the kinds below taken whole. Cutting a rule's own loops (k, w, n)
 * keeps every lookup whole; rules that judge through the posture are not cut at all (decide-fast.ts).
 * The cost: they recompute the posture over the whole cluster for a workload or policy review (issue
 * 17's posture kept up to date in place removes it).
 */
export const RULE_FOCUS: ReadonlyMap<string, Focus> = new Map(FOCUS_KEYS.map(([id, key]) => [id, focusFromKey(key.replace('s', ''))]));

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
  return `${f.slice ? 's' : ''}${f.kind ? 'k' : ''}${f.workloads ? 'w' : ''}${f.namespaces ? 'n' : ''}`;
}

/** The focus a key names ('skwn' and its subsets). */
export function focusFromKey(key: string): Focus {
  return { slice: key.includes('s'), kind: key.includes('k'), workloads: key.includes('w'), namespaces: key.includes('n') };
}

/**
 * A view of `model` whose loops named in `focus` list only `subject` (its workload, its namespace).
 * Per-model caches (keyed by the model object) are computed afresh for the view, under its cuts.
 */
export function focusedView(model: MeshModel, subject: Resource, focus: Focus): MeshModel {
  if (!focus.kind && !focus.workloads && !focus.namespaces && !focus.slice) return model;
  const view = Object.create(model) as MeshModel & { workloads: Workload[] };
  const root = model.rootNamespace;
  const sliced = new Map<string, readonly Resource[]>();
  const base = focus.slice
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
  if (focus.kind) {
    const only: readonly Resource[] = model.ofKind(subject.group, subject.kind).includes(subject) ? [subject] : [];
    view.ofKind = (group: string, kind: string) => (group === subject.group && kind === subject.kind ? only : base(group, kind));
  } else if (focus.slice) view.ofKind = base;
  if (focus.workloads) {
    const w = model.workloadFor(subject);
    Object.defineProperty(view, 'workloads', { value: w ? [w] : [], writable: false });
  } else if (focus.slice) {
    // Model order: objects' workloads by id, the gateway pods the model makes up last.
    const rank = (w: Workload) => (w.synthetic ? 1 : 0);
    const mine = [...model.workloadsIn(subject.namespace), ...(root !== subject.namespace ? model.workloadsIn(root) : [])].sort((a, b) => rank(a) - rank(b) || a.resource.id - b.resource.id);
    Object.defineProperty(view, 'workloads', { value: mine, writable: false });
  }
  if (focus.namespaces && subject.namespace) {
    const info: NamespaceInfo[] = model.namespaces().filter((n) => n.name === subject.namespace);
    view.namespaces = () => [...info];
  }
  return view;
}
