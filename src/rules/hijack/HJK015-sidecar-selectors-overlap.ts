import { defineRule } from '../types.js';
import type { Resource } from '../../model/resource.js';
import { isObject, type Workload } from '../../model/workloads.js';
import { describe } from '../../model/resource.js';
import { sidecarHasSelector } from '../../tenancy/visibility.js';
import { olderFirst } from '../../posture/util.js';
import { listSome } from './common.js';
import { WORKLOAD_READS } from '../reads.js';
import { collapseOwned } from '../../model/owners.js';

export default defineRule({
  meta: {
    id: 'HJK015',
    title: 'Sidecars with overlapping workloadSelectors: each workload gets only one',
    severity: 'medium',
    category: 'traffic-hijack',
    scope: 'namespace',
    reads: ['networking.istio.io/Sidecar', ...WORKLOAD_READS],
    docs: {
      summary:
        "Two or more `Sidecar`s in one namespace have `workloadSelector`s that select the same workload. Istio applies one Sidecar per workload, the oldest by creation time, and ignores the others for that workload (Istio's analyzer IST0110). The Sidecar that loses on some workload is reported, naming the workloads.",
      why:
        "Per-workload Sidecars narrow what a sensitive workload may reach and which routing configuration it imports. When two select the same pods, the one in force depends on creation order: a label added for one team's Sidecar can silently take a workload out of the stricter one, giving it the other Sidecar's scoping — importing other namespaces' routes, or `ALLOW_ANY` egress — without any object changing in review.",
      fix: 'Make the workloadSelectors disjoint (one Sidecar per set of workloads), or merge the Sidecars into one.',
      bad: 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: locked, namespace: payments}\nspec:\n  workloadSelector: {labels: {app: ledger}}\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: debug, namespace: payments}\nspec:\n  workloadSelector: {labels: {debug: "true"}}\n  outboundTrafficPolicy: {mode: ALLOW_ANY}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ledger, namespace: payments}\nspec:\n  selector: {matchLabels: {app: ledger}}\n  template:\n    metadata: {labels: {app: ledger, debug: "true"}}\n    spec:\n      containers: [{name: app, image: example/ledger:1.0}]',
      references: [
        'https://istio.io/latest/docs/reference/config/networking/sidecar/',
        'https://istio.io/latest/docs/reference/config/analysis/ist0110/',
      ],
    },
  },
  check({ model, report }) {
    // Per namespace: workload → the selector Sidecars that pick it.
    const byNs = new Map<string, Resource[]>();
    for (const sc of model.ofKind('networking.istio.io', 'Sidecar')) {
      // A non-map `labels` fails Istio's validation: such a Sidecar selects nothing.
      if (!sidecarHasSelector(sc.obj?.spec) || !isObject(sc.obj.spec.workloadSelector.labels)) continue;
      const list = byNs.get(sc.namespace);
      if (list) list.push(sc);
      else byNs.set(sc.namespace, [sc]);
    }
    for (const [ns, list] of byNs) {
      if (list.length < 2) continue;
      list.sort(olderFirst);
      const pickers = new Map<Workload, Resource[]>();
      for (const sc of list) {
        for (const w of model.selectWorkloads(ns, sc.obj.spec.workloadSelector.labels)) {
          const p = pickers.get(w);
          if (p) p.push(sc);
          else pickers.set(w, [sc]);
        }
      }
      // For each losing Sidecar: the workloads it loses and who wins them.
      const losses = new Map<Resource, Array<{ w: Workload; winner: Resource }>>();
      for (const [w, scs] of pickers) {
        if (scs.length < 2) continue;
        for (const loser of scs.slice(1)) {
          const l = losses.get(loser);
          if (l) l.push({ w, winner: scs[0] });
          else losses.set(loser, [{ w, winner: scs[0] }]);
        }
      }
      for (const [sc, all] of losses) {
        // A Deployment's ReplicaSets and Pods are lost with it: named once (src/model/owners.ts).
        const named = new Set(collapseOwned(all.map((x) => x.w)).workloads);
        const lost = all.filter((x) => named.has(x.w));
        const winners = [...new Set(lost.map((x) => x.winner.name))];
        const dated = [sc, ...lost.map((x) => x.winner)].every((r) => typeof r.obj?.metadata?.creationTimestamp === 'string');
        report({
          resource: sc,
          path: ['spec', 'workloadSelector', 'labels'],
          message: `Sidecar ${ns}/${sc.name} selects ${listSome(lost.map((x) => describe(x.w.resource)), 3)}, which Sidecar ${listSome(winners, 3)} also select${winners.length === 1 ? 's' : ''}: Istio applies one Sidecar per workload, the oldest${
            dated ? ` (${listSome(winners, 3)})` : ' in the cluster (the manifests carry no creationTimestamp, so creation order decides)'
          }, and ignores this one for ${lost.length === 1 ? 'it' : 'them'}.`,
          evidence: [
            ...lost.slice(0, 5).map((x) => ({ role: 'workload', description: `${describe(x.w.resource)} is selected by Sidecars ${sc.name} and ${x.winner.name}`, resource: x.w.resource })),
            ...winners.slice(0, 3).map((name) => ({ role: 'competing-sidecar', description: `Sidecar ${ns}/${name} selects the same workloads`, resource: list.find((r) => r.name === name) })),
          ],
        });
      }
    }
  },
});
