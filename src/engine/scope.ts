/**
 * Namespace scope: re-checking one tenant namespace instead of the whole cluster (issue 17).
 *
 * Most rules judge each object with what its own namespace holds and what the whole mesh shares (the
 * root and other system namespaces, cluster-scoped objects, the mesh config): a pod spec, an
 * AuthorizationPolicy against the workloads it selects, a PeerAuthentication against the namespace's
 * mTLS. Such a rule declares `scope: 'namespace'` (RuleMeta). For it, a change to an object of tenant
 * namespace N can only change the findings scoped to N (findingScope) and to the shared namespaces
 * (a root-namespace policy reaches N's workloads), so the incremental engine runs it over a view whose
 * loops list only N's objects, the system namespaces' and cluster-scoped ones (namespaceSliceView),
 * and replaces the rule's findings scoped to N and to the shared namespaces with that run's; every
 * other tenant namespace's findings stay. At 100,000 objects in 1,900 namespaces that is a few dozen
 * objects instead of all of them.
 *
 * What a declaration promises, and how it is held (src/engine/scope.test.ts with
 * src/testing/scope-check.ts, over the rules' docs examples, the bundled examples, the real-world
 * fixtures and random clusters):
 * - locality: removing every object of one tenant namespace (but its gateways) changes none of the
 *   rule's findings scoped to another tenant namespace;
 * - the view: the rule's findings scoped to N and to the shared namespaces over the view are its
 *   findings there over the whole model (a loop used as a lookup still finds what it needs, and a
 *   root-namespace policy's finding counts workloads through whole lookups).
 * The engine's random incremental-against-from-scratch property exercises the path end to end.
 * Changes the scope cannot hold run the rule over the whole model as before: objects of system
 * namespaces, cluster-scoped objects (Namespaces included), gateways (an Istio Gateway's selector picks
 * pods in every namespace; a Kubernetes Gateway is a waypoint other namespaces name), a namespace
 * appearing or vanishing, anything model-wide.
 */
import type { Finding } from './finding.js';
import type { MeshModel } from '../model/model.js';
import { KindCut, modelView } from '../model/overlay.js';
import type { Resource } from '../model/resource.js';
import type { NamespaceInfo } from '../model/namespaces.js';
import type { Workload } from '../model/workloads.js';
import { computePosture, providePosture, slicedPosture } from '../posture/index.js';
import type { Rule } from '../rules/types.js';

/** Whether the rule declares its findings namespace-local (see the header). */
export function isNamespaceScoped(rule: Rule): boolean {
  return rule.meta.scope === 'namespace';
}

/**
 * The namespace a finding belongs to for scoping: its object's namespace, or for a Namespace object
 * the namespace it is. '' for other cluster-scoped objects.
 */
export function findingScope(f: Pick<Finding, 'resource'>): string {
  const r = f.resource;
  return r.namespace || (r.kind === 'Namespace' && r.apiVersion === 'v1' ? r.name : '');
}

/** Kinds whose objects decide findings in other namespaces whatever a rule declares: a change of one is never scoped. */
export const CROSS_NAMESPACE_KINDS: ReadonlySet<string> = new Set(['networking.istio.io/Gateway', 'gateway.networking.k8s.io/Gateway']);

/**
 * The tenant namespace a changed object confines its change to, or null when the change must reach the
 * whole model (see the header).
 */
export function scopeOfChange(model: MeshModel, r: Resource): string | null {
  if (!r.namespace || model.isSystemNamespace(r.namespace)) return null;
  if (CROSS_NAMESPACE_KINDS.has(`${r.group}/${r.kind}`)) return null;
  return r.namespace;
}

/**
 * A view of `model` whose loops (`ofKind`, `workloads`, `namespaces()`) list only the objects of
 * `namespaces`, of the system namespaces, of cluster-scoped kinds and gateways, in the model's order;
 * so do the posture's lists. Lookups (by namespace, host, selector, workload, in the posture) stay the
 * whole model's.
 */
export function namespaceSliceView(model: MeshModel, namespaces: ReadonlySet<string>): MeshModel {
  // Built on the whole model before the view shares it: a view asked first would build the host index
  // from its cut lists.
  void model.hosts;
  const posture = computePosture(model);
  const v = modelView(model);
  const view = v as unknown as MeshModel;
  // The posture's lists cut as the model's loops are; its lookups whole.
  providePosture(view, () => slicedPosture(posture, view));
  const kept = model.namespaces().filter((n: NamespaceInfo) => namespaces.has(n.name) || model.isSystemNamespace(n.name));
  // The kept namespaces' objects, in the model's order: a few dozen to a few hundred, where a kind's
  // whole list may hold tens of thousands.
  const objects = kept.flatMap((n) => model.inNamespace(n.name)).sort((a, b) => a.id - b.id);
  const cut = new Map<string, readonly Resource[]>();
  v.focusOfKind = new KindCut((group, kind) => {
    const key = `${group}/${kind}`;
    let list = cut.get(key);
    if (!list) {
      const all = model.ofKind(group, kind);
      // Cluster-scoped kinds and gateways (which act across namespaces) come whole.
      list = (all.length && all[0].namespace === '') || CROSS_NAMESPACE_KINDS.has(key) ? all : objects.filter((r) => r.kind === kind && r.group === group);
      cut.set(key, list);
    }
    return list;
  });
  // Model order: objects' workloads by id, the gateway pods the model makes up last.
  const rank = (w: Workload) => (w.synthetic ? 1 : 0);
  v.focusWorkloads = kept.flatMap((n) => model.workloadsIn(n.name)).sort((a, b) => rank(a) - rank(b) || a.resource.id - b.resource.id);
  v.focusNamespaces = kept;
  return view;
}
