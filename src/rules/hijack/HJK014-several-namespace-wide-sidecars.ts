import { defineRule } from '../types.js';
import { namespaceWideSidecars } from '../../tenancy/visibility.js';
import { listSome } from './common.js';

export default defineRule({
  meta: {
    id: 'HJK014',
    title: 'Several Sidecars without a workloadSelector in one namespace: all but one are ignored',
    severity: 'medium',
    category: 'traffic-hijack',
    scope: 'namespace',
    reads: ['networking.istio.io/Sidecar'],
    docs: {
      summary:
        "A namespace holds more than one `Sidecar` without a `workloadSelector`. Istio applies exactly one namespace-wide Sidecar, the oldest by creation time, and ignores the others (Istio's analyzer IST0111). Each ignored Sidecar is reported; in the root namespace it is the mesh-wide default that is ambiguous.",
      why:
        "A namespace-wide Sidecar is how a tenant's proxies are scoped: which namespaces' routing configuration they import (the mitigation for cross-tenant host hijacking) and whether they may reach unregistered destinations. With two of them, which one is in force depends on creation order, not on what the manifests say: a re-created object, a restore from backup or a GitOps re-sync silently swaps the scoping, and the one the team reviewed may be the one Istio ignores, leaving the namespace importing every namespace's routes or open to any destination.",
      fix: 'Merge the namespace-wide Sidecars into one (one per namespace, and one in the root namespace for the mesh default); give the others a `workloadSelector` if they were meant for specific workloads.',
      bad: 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: shop}\nspec:\n  egress:\n  - hosts: ["./*", "istio-system/*"]\n---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: debug, namespace: shop}\nspec:\n  egress:\n  - hosts: ["*/*"]',
      good: 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: shop}\nspec:\n  egress:\n  - hosts: ["./*", "istio-system/*"]',
      references: [
        'https://istio.io/latest/docs/reference/config/networking/sidecar/',
        'https://istio.io/latest/docs/reference/config/analysis/ist0111/',
      ],
    },
  },
  check({ model, report }) {
    for (const [ns, list] of namespaceWideSidecars(model)) {
      if (list.length < 2) continue;
      const [winner, ...ignored] = list;
      const dated = list.every((sc) => typeof sc.obj?.metadata?.creationTimestamp === 'string');
      const which = dated
        ? `Istio applies the oldest, ${winner.name} (created ${String(winner.obj.metadata.creationTimestamp).slice(0, 40)}), and ignores this one`
        : `Istio applies only the oldest in the cluster and ignores the others; the manifests carry no creationTimestamp, so which one wins depends on creation order (${winner.name} if they were created in input order)`;
      const scope = ns === model.rootNamespace ? `the root namespace ${ns} (the mesh-wide default)` : `namespace ${ns}`;
      for (const sc of ignored) {
        report({
          resource: sc,
          path: ['spec'],
          message: `Sidecar ${ns}/${sc.name} is one of ${list.length} Sidecars without a workloadSelector in ${scope} (${listSome(list.map((s) => s.name), 5)}): ${which}. The namespace's proxy scoping is whatever the winner says, not what this object says.`,
          evidence: [{ role: 'applied-sidecar', description: `Sidecar ${ns}/${winner.name} is the one Istio applies${dated ? '' : ' if creation followed input order'}`, resource: winner }],
        });
      }
    }
  },
});
