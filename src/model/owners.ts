/**
 * Who runs whom among the objects of one input that run pods from a template.
 *
 * A live cluster, or a dump of one (`kubectl get all -A -o yaml`), holds each Deployment beside the
 * ReplicaSets it made and their Pods, each CronJob beside its Jobs and their Pods: one application is
 * a dozen objects with the same pod template. An object's controller is its `ownerReferences` entry
 * with `controller: true`, of a kind that runs pods, in the same cluster and namespace, with the same
 * uid where both record one (a controller deleted and made again under the same name is another
 * object); a Pod whose ReplicaSet is missing belongs to the Deployment that ReplicaSet's name and the
 * Pod's `pod-template-hash` label point to. Followed to the top, that gives the object that stands for
 * the application: findings fold into it (src/engine/owned.ts) and messages count it once
 * (`collapseOwned`).
 */
import type { Resource } from './resource.js';
import { WORKLOAD_KINDS, isObject, podTemplatePath, type Workload } from './workloads.js';
import { BARE_KIND_GROUPS } from '../cluster/discovery.js';
import { OwnMemo } from './own-memo.js';

/**
 * The kinds that run pods from a template, with their API group (`Deployment` is apps', a Pod core's)
 * and the location-path prefix of their template (`spec.template.`; a Pod is its own template).
 */
const TEMPLATE_KINDS: ReadonlyMap<string, { group: string; prefix: string }> = new Map(
  WORKLOAD_KINDS.map((kind) => [kind, { group: Object.hasOwn(BARE_KIND_GROUPS, kind) ? BARE_KIND_GROUPS[kind] : '', prefix: (podTemplatePath(kind) ?? []).map((seg) => `${String(seg)}.`).join('') }]),
);

/** The API group and template path prefix of a kind that runs pods, or null for other kinds. */
export const templateKind = (kind: string) => TEMPLATE_KINDS.get(kind) ?? null;

/** The label a ReplicaSet's Pods carry its name's hash in, and the kind whose ReplicaSets they are. */
const HASH_LABELS: ReadonlyArray<readonly [string, string]> = [
  ['pod-template-hash', 'Deployment'],
  ['rollouts-pod-template-hash', 'Rollout'],
];

/** Owner references followed at most (Pod → Job → CronJob is two; a loop in the input stops here). */
const MAX_DEPTH = 4;

export const ownerKey = (cluster: string, ns: string, kind: string, name: string) => `${cluster}\u0000${ns}\u0000${kind}\u0000${name}`;

/** Whether an object names any owner: manifests as written name none, and then nothing need be indexed. */
export function namesAnOwner(r: Resource): boolean {
  const refs = r.obj?.metadata?.ownerReferences;
  return Array.isArray(refs) && refs.length > 0;
}

/**
 * The objects of one input that run pods from a template, by kind and name, and the topmost controller
 * of each. Two definitions of one object (a repository of alternatives) are left out: which one a
 * reference means is unknown.
 */
export class OwnerLookup {
  private readonly byKey = new Map<string, Resource>();
  private readonly tops = new Map<Resource, Resource | null>();

  /** `runners` must be the objects that run pods (kind and group of TEMPLATE_KINDS); others are ignored. */
  constructor(runners: Iterable<Resource>) {
    const twice = new Set<string>();
    for (const r of runners) {
      if (templateKind(r.kind)?.group !== r.group) continue;
      const key = ownerKey(r.cluster, r.namespace, r.kind, r.name);
      if (this.byKey.has(key)) twice.add(key);
      this.byKey.set(key, r);
    }
    for (const key of twice) this.byKey.delete(key);
  }

  /** The indexed object of that cluster, namespace, kind and name. */
  find(cluster: string, ns: string, kind: string, name: string): Resource | undefined {
    return this.byKey.get(ownerKey(cluster, ns, kind, name));
  }

  /** The indexed objects. */
  objects(): IterableIterator<Resource> {
    return this.byKey.values();
  }

  /** The topmost controller in the input above `r`, or null when it has none. */
  topOf(r: Resource): Resource | null {
    let top = this.tops.get(r);
    if (top === undefined) {
      top = this.climb(r);
      this.tops.set(r, top);
    }
    return top;
  }

  private climb(r: Resource): Resource | null {
    let top: Resource | null = null;
    let at = r;
    const seen = new Set<Resource>([r]);
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const up = this.controllerOf(at);
      if (!up || seen.has(up)) break;
      seen.add(up);
      top = up;
      at = up;
    }
    return top;
  }

  /** The object's controller in the input (see the module's comment). */
  private controllerOf(r: Resource): Resource | null {
    const refs = isObject(r.obj?.metadata) ? r.obj.metadata.ownerReferences : undefined;
    if (!Array.isArray(refs)) return null;
    for (const ref of refs) {
      if (!isObject(ref) || ref.controller !== true || typeof ref.kind !== 'string' || typeof ref.name !== 'string' || ref.kind === 'Pod') continue;
      const controller = templateKind(ref.kind);
      if (!controller) continue;
      const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
      if ((apiVersion.includes('/') ? apiVersion.split('/')[0] : '') !== controller.group) continue;
      const owner = this.find(r.cluster, r.namespace, ref.kind, ref.name);
      if (!owner) {
        // `kubectl get deploy,pods` leaves the ReplicaSets out: a Pod's ReplicaSet is its Deployment's (or Rollout's).
        const maker = ref.kind === 'ReplicaSet' ? this.makerOfReplicaSet(r, ref.name) : null;
        if (maker) return maker;
        continue;
      }
      if (owner === r) continue;
      const uid = isObject(owner.obj?.metadata) ? owner.obj.metadata.uid : undefined;
      if (typeof ref.uid === 'string' && typeof uid === 'string' && ref.uid !== uid) continue;
      return owner;
    }
    return null;
  }

  /**
   * The Deployment (or Argo Rollout) that made a Pod's ReplicaSet when the ReplicaSet is not in the
   * input: Kubernetes names a Deployment's ReplicaSets `<deployment>-<pod-template-hash>` and labels
   * their Pods with that hash (Argo Rollouts: `rollouts-pod-template-hash`), so the Deployment (Rollout)
   * of that name in the Pod's namespace, if its selector's labels are the Pod's, made it.
   */
  private makerOfReplicaSet(pod: Resource, replicaSet: string): Resource | null {
    for (const [label, kind] of HASH_LABELS) {
      const hash = pod.labels[label];
      if (typeof hash !== 'string' || !hash || !replicaSet.endsWith(`-${hash}`)) continue;
      const maker = this.find(pod.cluster, pod.namespace, kind, replicaSet.slice(0, -hash.length - 1));
      const wanted = maker?.obj?.spec?.selector?.matchLabels;
      if (!maker || !isObject(wanted) || Object.keys(wanted).length === 0) continue;
      if (Object.entries(wanted).every(([k, v]) => pod.labels[k] === v)) return maker;
    }
    return null;
  }
}

/** A list of workloads with those that another workload of the list runs taken out, and counted. */
export interface CollapsedWorkloads {
  /** The workloads no other workload of the list runs, in the list's order. */
  workloads: readonly Workload[];
  /** How many were taken out (ReplicaSets, Jobs, Pods whose controller is in the list). */
  owned: number;
  /** Their kinds, in the order first met. */
  ownedKinds: readonly string[];
  /** For each workload taken out, the workload of the list it stands under (its top controller). */
  runBy: ReadonlyMap<Workload, Workload>;
}

const NO_RUNS: ReadonlyMap<Workload, Workload> = new Map();

/**
 * `ws` with every workload whose controller (followed to the top, see the module's comment) is also in
 * `ws` taken out: a Deployment with its ReplicaSets and Pods is one workload in a message, not eight.
 * Nothing is lost: what was taken out runs the pod template of a workload that stays. Costs a loop
 * when no workload of the list names an owner (manifests as written), a map of the list otherwise.
 */
export function collapseOwned(ws: readonly Workload[]): CollapsedWorkloads {
  // A rule's message counts, lists and cites the same list (workloadCount, workloadList,
  // workloadEvidence): collapse it once. The length guards against a list grown after it was collapsed.
  const memo = collapsed.get(ws);
  if (memo && memo.length === ws.length) return memo.result;
  const result = collapse(ws);
  collapsed.set(ws, { length: ws.length, result });
  return result;
}

// On the list itself (OwnMemo), not in a module-level WeakMap: a review's lists are garbage a
// millisecond later, and a WeakMap entry would carry them through minor collections into old space.
const collapsed = new OwnMemo<readonly Workload[], { length: number; result: CollapsedWorkloads }>('collapsed-owned');

function collapse(ws: readonly Workload[]): CollapsedWorkloads {
  let any = false;
  for (const w of ws) {
    if (!w.synthetic && namesAnOwner(w.resource)) {
      any = true;
      break;
    }
  }
  if (!any) return { workloads: ws, owned: 0, ownedKinds: [], runBy: NO_RUNS };
  const real = ws.filter((w) => !w.synthetic);
  const lookup = new OwnerLookup(real.map((w) => w.resource));
  const workloadOf = new Map(real.map((w) => [w.resource, w]));
  const kept: Workload[] = [];
  const ownedKinds: string[] = [];
  const runBy = new Map<Workload, Workload>();
  for (const w of ws) {
    const top = w.synthetic ? null : lookup.topOf(w.resource);
    // A top that is itself run by another (a loop of owner references) stands for nothing: both stay.
    const topWorkload = top && lookup.topOf(top) === null ? workloadOf.get(top) : undefined;
    if (!topWorkload) {
      kept.push(w);
      continue;
    }
    runBy.set(w, topWorkload);
    if (!ownedKinds.includes(w.resource.kind)) ownedKinds.push(w.resource.kind);
  }
  return { workloads: kept, owned: ws.length - kept.length, ownedKinds, runBy };
}

/**
 * `the 6 ReplicaSets and Pods they run` for what collapseOwned took out (`it runs` after one
 * workload), or '' when nothing was.
 */
export function ownedText(c: CollapsedWorkloads): string {
  if (!c.owned) return '';
  const kinds = c.ownedKinds.map((k) => (c.owned === 1 ? k : `${k}s`));
  const joined = kinds.length === 1 ? kinds[0] : `${kinds.slice(0, -1).join(', ')} and ${kinds[kinds.length - 1]}`;
  return `${c.owned === 1 ? 'the' : `the ${c.owned}`} ${joined} ${c.workloads.length === 1 ? 'it runs' : 'they run'}`;
}
