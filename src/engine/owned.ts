/**
 * Findings on objects a controller in the same input runs, folded into the controller's.
 *
 * A live cluster, or a dump of one (`kubectl get all -A -o yaml`), holds each Deployment beside the
 * ReplicaSets it made (the current one and up to `revisionHistoryLimit` old ones, ten by default) and
 * their Pods; a CronJob beside its Jobs and their Pods. They carry the same pod template, so every
 * rule that judges the template found the same thing on each: one container running as UID 1337 was a
 * dozen findings. Here a finding on an object whose controller (followed up to the top, as
 * src/model/owners.ts resolves it) is in the input is dropped when the top controller has a finding of the same rule at the same place in the pod template, and no lower
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
import { OwnerLookup, namesAnOwner, ownerKey as keyOf, templateKind } from '../model/owners.js';

/** Folded objects named one by one in the controller's evidence; the rest are counted. */
const NAMED = 5;

export interface FoldResult {
  /** The findings kept, in their order; the input array itself when nothing was folded. */
  findings: readonly Finding[];
  /** Findings dropped because their top controller, or another object it runs, has the same. */
  folded: number;
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
  private readonly lookup: OwnerLookup | null = null;
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
      if (!referenced) referenced = namesAnOwner(r);
    }
    // Manifests as written name no owners: nothing to index (the relay server asks at every analysis).
    if (!referenced) {
      this.owns = false;
      return;
    }
    const lookup = new OwnerLookup(runners);
    let owns = false;
    for (const r of lookup.objects()) {
      if (lookup.topOf(r) === null) continue;
      owns = true;
      break;
    }
    this.owns = owns;
    if (owns) this.lookup = lookup;
  }

  /**
   * `findings` with those on objects a controller of the input runs folded into the controller's (see
   * the module's comment). Order is kept; an untouched finding is the same object, and when nothing
   * folds the result is `findings` itself.
   */
  fold(findings: readonly Finding[]): FoldResult {
    const lookup = this.lookup;
    if (!lookup) return { findings, folded: 0 };
    // One pass: the top controllers' own findings by rule and template place, and the findings on the
    // objects they run, grouped by the same key.
    const atTop = new Map<string, Finding>();
    const groups = new Map<string, { top: Resource; owned: Finding[] }>();
    for (const f of findings) {
      const r = lookup.find(f.resource.cluster, f.resource.namespace, f.resource.kind, f.resource.name);
      const place = r ? templatePlace(f) : null;
      if (!r || place === null) continue;
      const top = lookup.topOf(r);
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
