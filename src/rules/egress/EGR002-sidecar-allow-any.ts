import { sidecarOnAmbientOnly } from '../../tenancy/visibility.js';
import { defineRule, type EvidenceInput } from '../types.js';
import { describe } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { ISTIO_NET_GROUP, listSome, meshOutbound, meshSourceText, quote, selectorText, workloadsText } from './common.js';
import { WORKLOAD_READS } from '../reads.js';

export default defineRule({
  meta: {
    id: 'EGR002',
    title: 'Sidecar resource sets outbound traffic policy ALLOW_ANY',
    severity: 'high',
    category: 'egress',
    reads: ['networking.istio.io/Sidecar', 'Namespace', 'ConfigMap', 'install.istio.io/IstioOperator', ...WORKLOAD_READS],
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        'A Sidecar resource (networking.istio.io) sets spec.outboundTrafficPolicy.mode to ALLOW_ANY. A Sidecar overrides the mesh-wide mode for the workloads it applies to: those selected by its workloadSelector, every workload of its namespace when it has none, and every namespace without a Sidecar of its own when it sits selector-less in the root namespace.',
      why:
        'Platform teams set REGISTRY_ONLY mesh-wide so that each external dependency must be declared. A tenant who may create Sidecar resources in their namespace can quietly switch their own workloads back to ALLOW_ANY, and one selector-less Sidecar in the root namespace does it for the whole mesh. The affected sidecars then pass traffic to any host on the internet: exfiltration and command-and-control channels with no ServiceEntry to review. With egressProxy set, unknown traffic goes to that proxy instead of straight out, which is less bad but still skips the registry.',
      fix:
        'Remove outboundTrafficPolicy from the Sidecar or set it to REGISTRY_ONLY, and declare the external hosts the workload needs with ServiceEntries (exported only where needed). Restrict who may create or edit Sidecar resources (RBAC), and back the policy with default-deny egress NetworkPolicies.',
      bad: 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: shop}\nspec:\n  outboundTrafficPolicy:\n    mode: ALLOW_ANY',
      good: 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: shop}\nspec:\n  egress:\n  - hosts: ["./*", "istio-system/*"]\n  outboundTrafficPolicy:\n    mode: REGISTRY_ONLY',
      references: [
        'https://istio.io/latest/docs/reference/config/networking/sidecar/#OutboundTrafficPolicy',
        'https://istio.io/latest/docs/reference/config/networking/sidecar/',
        'https://istio.io/latest/docs/tasks/traffic-management/egress/egress-control/',
      ],
    },
  },
  check({ model, report }) {
    const sidecars = model.ofKind(ISTIO_NET_GROUP, 'Sidecar');
    if (sidecars.length === 0) return;

    // Namespaces with a selector-less Sidecar of their own: the root namespace's default does not reach them.
    const ownDefault = new Set<string>();
    for (const sc of sidecars) if (!selectorLabels(sc.obj?.spec)) ownDefault.add(sc.namespace);

    const mesh = meshOutbound(model);
    const meshIsRegistryOnly = mesh.set && mesh.valid && mesh.effective === 'REGISTRY_ONLY';

    for (const sc of sidecars) {
      const spec = sc.obj?.spec;
      if (!isObject(spec) || !isObject(spec.outboundTrafficPolicy)) continue;
      const otp = spec.outboundTrafficPolicy;
      if (otp.mode !== 'ALLOW_ANY') continue;
      // On ambient workloads no sidecar applies it: HJK016 says the Sidecar has no effect.
      if (sidecarOnAmbientOnly(model, sc)) continue;

      const evidence: EvidenceInput[] = [];
      const labels = selectorLabels(spec);
      let scope: string;
      if (labels) {
        const ws = model.selectWorkloads(sc.namespace, labels);
        scope = `workloads in ${sc.namespace} labelled ${selectorText(labels)} (${ws.length ? workloadsText(ws) : 'none in the input'})`;
        for (const w of ws.slice(0, 5)) evidence.push({ role: 'workload', description: `${describe(w.resource)} is selected by the Sidecar`, resource: w.resource });
      } else if (sc.namespace === model.rootNamespace) {
        const covered = model
          .namespaces()
          .filter((n) => !n.system && n.mode === 'sidecar' && !ownDefault.has(n.name) && n.name !== sc.namespace)
          .map((n) => n.name)
          .sort();
        scope = `the whole mesh: it sits in the root namespace ${sc.namespace} without a workloadSelector, so it is the default for every namespace without a Sidecar of its own${
          covered.length ? ` (${listSome(covered)})` : ''
        }`;
      } else {
        const ws = model.workloadsIn(sc.namespace);
        scope = `every workload in namespace ${sc.namespace} that no more specific Sidecar selects${ws.length ? ` (${workloadsText(ws)})` : ''}`;
      }

      let context: string;
      if (meshIsRegistryOnly) {
        context = `, overriding the mesh-wide REGISTRY_ONLY set in ${meshSourceText(model)}`;
        if (model.mesh.resource) evidence.push({ role: 'mesh-config', description: `${meshSourceText(model)} sets outboundTrafficPolicy.mode REGISTRY_ONLY`, resource: model.mesh.resource, path: model.mesh.path });
      } else {
        context = ', and the mesh-wide mode is not REGISTRY_ONLY either (EGR001)';
      }

      const proxy = egressProxyHost(otp);
      const effect = proxy
        ? `their traffic to unknown hosts goes to the egress proxy ${quote(proxy)} instead of being refused`
        : 'their sidecars pass traffic to any destination';
      report({
        resource: sc,
        path: ['spec', 'outboundTrafficPolicy', 'mode'],
        severity: proxy ? 'medium' : 'high',
        message: `Sidecar ${sc.namespace}/${sc.name} sets outboundTrafficPolicy.mode ALLOW_ANY for ${scope}${context}: ${effect}.`,
        evidence,
      });
    }
  },
});

/** The Sidecar's workloadSelector labels when it has a non-empty one, else null (it applies namespace-wide). */
function selectorLabels(spec: unknown): Record<string, any> | null {
  if (!isObject(spec) || !isObject(spec.workloadSelector)) return null;
  const labels = spec.workloadSelector.labels;
  return isObject(labels) && Object.keys(labels).length > 0 ? labels : null;
}

function egressProxyHost(otp: Record<string, any>): string | null {
  const p = otp.egressProxy;
  return isObject(p) && typeof p.host === 'string' && p.host.trim() ? p.host : null;
}
