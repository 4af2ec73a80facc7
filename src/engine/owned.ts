/**
 * Findings on objects a controller in the same input runs, folded into the controller's.
 *
 * A live cluster, or a dump of one (`kubectl get all -A -o yaml`), holds each Deployment beside the
 * ReplicaSets it made (the current one and up to `revisionHistoryLimit` old ones, ten by default) and
 * their Pods; a CronJob beside its Jobs and their Pods. They carry the same pod template, so every
 * rule that judges the template found the same thing on each: one container running as UID 1337 was a
 * dozen findings. Here a finding on an object whose controller (its `ownerReferences` entry with
 * `controller: true`, followed up to the top; a Pod whose ReplicaSet is missing goes to the Deployment
 * that ReplicaSet's name and the Pod's pod-template-hash point to) is in the input is dropped when the
 * top controller has a finding of the same rule at the same place in the pod template, and no lower
 * severity; the controller's finding names the objects it stands for as evidence. What only the running objects
 * have (the injector's istio-init in every Pod of a Deployment) is one finding on the first of them,
 * naming the rest; a finding one object has at a place no other has stays where it is.
 *
 * Scan (files, live clusters, `--watch`) and the relay server's analyses fold; the admission webhook
 * does not: it judges the object under review against the cluster, a Pod's own findings included.
 */
import { severityRank, type Evidence, type Finding } from './finding.js';
import { plainFinding } from './run.js';
import type { Resource, ResourceRef } from '../model/resource.js';
import { WORKLOAD_KINDS, isObject, podTemplatePath } from '../model/workloads.js';
import { BARE_KIND_GROUPS } from '../cluster/discovery.js';

/**
 * The kinds that run pods from a template, with their API group (`Deployment` is apps', a Pod core's)
 * and the location-path prefix of their template (`spec.template.`; a Pod is its own template).
 */
const TEMPLATE_KINDS: ReadonlyMap<string, { group: string; prefix: string }> = new Map(
  WORKLOAD_KINDS.map((kind) => [kind, { group: Object.hasOwn(BARE_KIND_GROUPS, kind) ? BARE_KIND_GROUPS[kind] : '', prefix: (podTemplatePath(kind) ?? []).map((seg) => `${String(seg)}.`).join('') }]),
);
const templateKind = (kind: string) => TEMPLATE_KINDS.get(kind) ?? null;

/** Owner references followed at most (Pod → Job → CronJob is two; a loop in the input stops here). */
const MAX_DEPTH = 4;
/** Folded objects named one by one in the controller's evidence; the rest are counted. */
const NAMED = 5;

export interface FoldResult {
  /** The findings kept, in their order; the input array itself when nothing was folded. */
  findings: readonly Finding[];
  /** Findings dropped because their top controller, or another object it runs, has the same. */
  folded: number;
}

const keyOf = (cluster: string, ns: string, kind: string, name: string) => `${cluster}\u0000${ns}\u0000${kind}\u0000${name}`;

/**
 * The object's controller in the input: its `ownerReferences` entry with `controller: true`, of a kind
 * that runs pods from a template, in the same cluster and namespace, and with the same uid where both
 * record one (a controller deleted and made again under the same name is another object).
 */
function controllerOf(r: Resource, byKey: ReadonlyMap<string, Resource>): Resource | null {
  const refs = isObject(r.obj?.metadata) ? r.obj.metadata.ownerReferences : undefined;
  if (!Array.isArray(refs)) return null;
  for (const ref of refs) {
    if (!isObject(ref) || ref.controller !== true || typeof ref.kind !== 'string' || typeof ref.name !== 'string' || ref.kind === 'Pod') continue;
    const controller = templateKind(ref.kind);
    if (!controller) continue;
    const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
    if ((apiVersion.includes('/') ? apiVersion.split('/')[0] : '') !== controller.group) continue;
    const owner = byKey.get(keyOf(r.cluster, r.namespace, ref.kind, ref.name));
    if (!owner) {
      // `kubectl get deploy,pods` leaves the ReplicaSets out: a Pod's ReplicaSet is its Deployment's.
      const deployment = ref.kind === 'ReplicaSet' ? deploymentOfReplicaSet(r, ref.name, byKey) : null;
      if (deployment) return deployment;
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
 * The Deployment that made a Pod's ReplicaSet when the ReplicaSet is not in the input: Kubernetes names
 * a Deployment's ReplicaSets `<deployment>-<pod-template-hash>` and labels their Pods with that hash, so
 * the Deployment of that name in the Pod's namespace, if its selector's labels are the Pod's, made it.
 */
function deploymentOfReplicaSet(pod: Resource, replicaSet: string, byKey: ReadonlyMap<string, Resource>): Resource | null {
  const hash = pod.labels['pod-template-hash'];
  if (typeof hash !== 'string' || !hash || !replicaSet.endsWith(`-${hash}`)) return null;
  const deployment = byKey.get(keyOf(pod.cluster, pod.namespace, 'Deployment', replicaSet.slice(0, -hash.length - 1)));
  const wanted = deployment?.obj?.spec?.selector?.matchLabels;
  if (!deployment || !isObject(wanted) || Object.keys(wanted).length === 0) return null;
  for (const [k, v] of Object.entries(wanted)) if (pod.labels[k] !== v) return null;
  return deployment;
}

/** The topmost controller in the input above `r`, or null when it has none. */
function topController(r: Resource, byKey: ReadonlyMap<string, Resource>): Resource | null {
  let top: Resource | null = null;
  let at = r;
  const seen = new Set<Resource>([r]);
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const up = controllerOf(at, byKey);
    if (!up || seen.has(up)) break;
    seen.add(up);
    top = up;
    at = up;
  }
  return top;
}

/** Where in the pod template a finding is (its path with the kind's template prefix taken off), or null. */
function templatePlace(f: Finding): string | null {
  const path = f.location?.path;
  const prefix = templateKind(f.resource.kind)?.prefix;
  if (!path || prefix === undefined || !path.startsWith(prefix)) return null;
  return path.slice(prefix.length);
}

const refText = (ref: ResourceRef) => `${ref.kind} ${ref.namespace}/${ref.name}`;
const refOrder = (ref: ResourceRef) => `${ref.kind}\u0000${ref.name}`;
const sameRef = (ref: ResourceRef, r: Resource) => ref.cluster === r.cluster && ref.kind === r.kind && ref.namespace === r.namespace && ref.name === r.name;

/**
 * The objects of one input that run pods from a template, by name, and who controls whom: made once
 * per analysis and used for every rule's findings (the relay server folds rule by rule).
 */
export class OwnerIndex {
  private readonly byKey = new Map<string, Resource>();
  private readonly tops = new Map<Resource, Resource | null>();
  /** Whether any object's controller is in the input: when none is, fold() has nothing to do. */
  readonly owns: boolean;

  static of(resources: Iterable<Resource>): OwnerIndex {
    return new OwnerIndex(resources);
  }

  private constructor(resources: Iterable<Resource>) {
    const runners: Resource[] = [];
    let referenced = false;
    for (const r of resources) {
      if (templateKind(r.kind)?.group !== r.group) continue;
      runners.push(r);
      if (!referenced) referenced = Array.isArray(r.obj?.metadata?.ownerReferences) && r.obj.metadata.ownerReferences.length > 0;
    }
    // Manifests as written name no owners: nothing to index (the relay server asks at every analysis).
    if (!referenced) {
      this.owns = false;
      return;
    }
    // Two definitions of one object (a repository of alternatives): which one a reference means is unknown.
    const twice = new Set<string>();
    for (const r of runners) {
      const key = keyOf(r.cluster, r.namespace, r.kind, r.name);
      if (this.byKey.has(key)) twice.add(key);
      this.byKey.set(key, r);
    }
    for (const key of twice) this.byKey.delete(key);
    let owns = false;
    for (const r of this.byKey.values()) if (this.topOf(r) !== null) owns = true;
    this.owns = owns;
  }

  private topOf(r: Resource): Resource | null {
    let top = this.tops.get(r);
    if (top === undefined) {
      top = topController(r, this.byKey);
      this.tops.set(r, top);
    }
    return top;
  }

  private resourceOf(ref: ResourceRef): Resource | undefined {
    return this.byKey.get(keyOf(ref.cluster, ref.namespace, ref.kind, ref.name));
  }

  /**
   * `findings` with those on objects a controller of the input runs folded into the controller's (see
   * the module's comment). Order is kept; an untouched finding is the same object, and when nothing
   * folds the result is `findings` itself.
   */
  fold(findings: readonly Finding[]): FoldResult {
    if (!this.owns) return { findings, folded: 0 };
    // One pass: the top controllers' own findings by rule and template place, and the findings on the
    // objects they run, grouped by the same key.
    const atTop = new Map<string, Finding>();
    const groups = new Map<string, { top: Resource; owned: Finding[] }>();
    for (const f of findings) {
      const r = this.resourceOf(f.resource);
      const place = r ? templatePlace(f) : null;
      if (!r || place === null) continue;
      const top = this.topOf(r);
      const at = top ?? r;
      const key = `${keyOf(at.cluster, at.namespace, at.kind, at.name)}\u0000${f.ruleId}\u0000${place}`;
      if (!top) {
        atTop.set(key, f);
        continue;
      }
      const group = groups.get(key);
      if (group) group.owned.push(f);
      else groups.set(key, { top, owned: [f] });
    }
    // Each finding on an owned object goes into its top controller's at the same place; where the
    // controller has none (what the injector or the kubelet added: every Pod of a Deployment has its
    // istio-init), into one owned object's: the most severe, then the first by kind and name, so that a
    // cluster read live and the same objects in a file fold alike whatever their order.
    const standsFor = new Map<Finding, { top: Resource; owned: Finding[] }>();
    const dropped = new Set<Finding>();
    for (const [key, { top, owned }] of groups) {
      const target = atTop.get(key) ?? owned.reduce((best, f) => (severityRank(f.severity) > severityRank(best.severity) || (f.severity === best.severity && refOrder(f.resource) < refOrder(best.resource)) ? f : best));
      const folded = owned.filter((f) => f !== target && severityRank(f.severity) <= severityRank(target.severity)).sort((a, b) => (refOrder(a.resource) < refOrder(b.resource) ? -1 : 1));
      if (!folded.length) continue;
      for (const f of folded) dropped.add(f);
      standsFor.set(target, { top, owned: folded });
    }
    if (dropped.size === 0) return { findings, folded: 0 };

    const out: Finding[] = [];
    for (const f of findings) {
      if (dropped.has(f)) continue;
      const entry = standsFor.get(f);
      if (!entry) {
        out.push(f);
        continue;
      }
      const { top, owned } = entry;
      const also = sameRef(f.resource, top) ? '' : ' also';
      const evidence: Evidence[] = owned.slice(0, NAMED).map((o) => ({
        role: 'same-in-owned',
        description: `${refText(o.resource)}, which ${top.kind} ${top.namespace}/${top.name}${also} runs, has the same finding`,
        resource: o.resource,
        location: o.location,
      }));
      if (owned.length > NAMED) evidence.push({ role: 'same-in-owned', description: `and ${owned.length - NAMED} more objects ${top.kind} ${top.namespace}/${top.name} runs have the same finding` });
      out.push({ ...plainFinding(f), evidence: [...f.evidence, ...evidence] });
    }
    return { findings: out, folded: dropped.size };
  }
}

/** foldOwnedFindings(findings, resources) is OwnerIndex.of(resources).fold(findings). */
export function foldOwnedFindings(findings: readonly Finding[], resources: Iterable<Resource>): FoldResult {
  return OwnerIndex.of(resources).fold(findings);
}

export function foldedNote(n: number, where = ''): string | null {
  if (!n) return null;
  if (n === 1) return `${where}one finding on an object that a controller in the input runs (a ReplicaSet, Pod or Job) was folded into the same finding on the controller, which names it as evidence`;
  return `${where}${n} findings on objects that a controller in the input runs (ReplicaSets, Pods, Jobs) were folded into the same finding on the controller, which names them as evidence`;
}
