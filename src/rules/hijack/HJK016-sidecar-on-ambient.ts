import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import { isObject } from '../../model/workloads.js';
import { describe } from '../../model/resource.js';
import { sidecarOnAmbientOnly } from '../../tenancy/visibility.js';
import { listSome } from './common.js';
import { WORKLOAD_READS } from '../reads.js';
import { collapseOwned } from '../../model/owners.js';

export default defineRule({
  meta: {
    id: 'HJK016',
    title: 'Sidecar resource on ambient workloads has no effect',
    severity: 'medium',
    category: 'traffic-hijack',
    scope: 'namespace',
    reads: ['networking.istio.io/Sidecar', 'Namespace', ...WORKLOAD_READS],
    docs: {
      summary:
        "A `Sidecar` sits in an ambient namespace, or its workloadSelector selects only ambient workloads. Ambient pods have no sidecar proxy, so ztunnel and waypoints ignore the resource (Istio's analyzer IST0167). High when the Sidecar is meant as an isolation control (egress `hosts` scoping, or `outboundTrafficPolicy: REGISTRY_ONLY`), medium otherwise. A selector-less Sidecar in an ambient namespace that also runs sidecar workloads is not reported (it applies to those), nor is the root namespace's mesh-wide default. HJK011 and EGR002 leave such Sidecars to this rule.",
      why:
        "Sidecar egress scoping is the documented mitigation against other tenants' VirtualServices taking a namespace's traffic, and `REGISTRY_ONLY` is the egress lock. Istio's own guidance notes that neither covers ambient mode: when the namespace moves to ambient the object stays, reviewers and meshward's older checks keep trusting it, and the workloads import every namespace's routes and reach any destination while the manifests say they are locked down.",
      fix:
        'In ambient namespaces, enforce the same intent with what ambient honours: admission control over which hosts tenants may claim (`meshward generate admission-policy`), AuthorizationPolicies on waypoints, NetworkPolicy or an egress gateway for outbound traffic. Then delete the Sidecar, or keep the namespace (or those workloads) in sidecar mode.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio.io/dataplane-mode: ambient}\n---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: shop}\nspec:\n  egress:\n  - hosts: ["./*", "istio-system/*"]\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}',
      references: [
        'https://istio.io/latest/docs/reference/config/analysis/ist0167/',
        'https://istio.io/latest/docs/ambient/usage/',
        'https://istio.io/latest/blog/2026/security-considerations-on-namespace-based-multi-tenancy/',
      ],
    },
  },
  check({ model, report }) {
    for (const sc of model.ofKind('networking.istio.io', 'Sidecar')) {
      const spec = sc.obj?.spec;
      if (!isObject(spec)) continue;
      const ns = model.namespace(sc.namespace);
      const idle = sidecarOnAmbientOnly(model, sc);
      if (!idle) continue;
      const why = `${idle.why}${idle.ambient.length ? ` (${listSome(collapseOwned(idle.ambient).workloads.map((w) => describe(w.resource)), 3)})` : ''}`;
      const scoping = Array.isArray(spec.egress) && spec.egress.length > 0;
      const locked = isObject(spec.outboundTrafficPolicy) && spec.outboundTrafficPolicy.mode === 'REGISTRY_ONLY';
      const severity: Severity = scoping || locked ? 'high' : 'medium';
      const intent = [scoping ? 'its egress hosts scoping (which namespaces\' routes the proxies import)' : '', locked ? 'its REGISTRY_ONLY egress lock' : ''].filter(Boolean);
      report({
        resource: sc,
        path: scoping ? ['spec', 'egress'] : locked ? ['spec', 'outboundTrafficPolicy', 'mode'] : ['spec'],
        severity,
        message: `Sidecar ${sc.namespace}/${sc.name} has no effect: ${why}, and ambient pods have no sidecar proxy to apply it${
          intent.length ? `, so ${intent.join(' and ')} protect${intent.length === 1 ? 's' : ''} nothing` : ''
        }.`,
        evidence: ns.resource ? [{ role: 'namespace', description: `namespace ${ns.name} is in data-plane mode ${ns.mode ?? 'unknown'}`, resource: ns.resource }] : [],
      });
    }
  },
});
