import { defineRule, type EvidenceInput } from '../types.js';
import type { PathSegment, Resource } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { isEmptySelector } from '../../model/selectors.js';
import { NETPOL_GROUP, affectsEgress, firstOpenRule, listSome, meshOutbound, podsText } from './common.js';
import { WORKLOAD_READS } from '../reads.js';

export default defineRule({
  meta: {
    id: 'EGR003',
    title: 'Mesh namespace has no NetworkPolicy that restricts egress',
    severity: 'medium',
    category: 'egress',
    scope: 'namespace',
    reads: ['Namespace', 'networking.k8s.io/NetworkPolicy', 'ConfigMap', 'install.istio.io/IstioOperator', ...WORKLOAD_READS],
    docs: {
      summary:
        'A tenant namespace in sidecar or ambient mode (by its label, or because its workloads join the mesh one by one with the pod label sidecar.istio.io/inject: "true", istio.io/rev or istio.io/dataplane-mode: ambient) has no NetworkPolicy that selects all its pods (empty podSelector) and restricts their egress, or it has one that selects all pods with an egress rule allowing every destination on every port (no `to` and no `ports`, or a 0.0.0.0/0 or ::/0 ipBlock without ports).',
      why:
        "REGISTRY_ONLY is best effort, not a boundary. It is enforced by the sidecar, and the sidecar only sees what iptables hands it: a process running as UID or GID 1337, a container with NET_ADMIN or NET_RAW, or a capture-exclusion annotation sends packets that never reach the proxy. In ambient mode ztunnel does not apply REGISTRY_ONLY at all. Without a NetworkPolicy, such a pod can connect to any address, so an attacker who gets code execution in one pod exfiltrates data or reaches a command-and-control server regardless of the mesh config. Only a NetworkPolicy enforced by the CNI, allowing egress just to DNS, the control plane and an egress gateway, turns the mesh's egress policy into a boundary.",
      fix:
        'Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Egress]` to every mesh namespace that allows only DNS to kube-dns in kube-system, the Istio control plane and egress gateway in istio-system (or your egress namespace), and the in-cluster services the namespace needs. Send all external traffic through the egress gateway (ServiceEntry, Gateway and VirtualService) and make sure no other policy in the namespace re-opens egress to everything.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n# and no NetworkPolicy with policyTypes [Egress] in shop',
      good: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny-egress, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}\n      podSelector: {matchLabels: {k8s-app: kube-dns}}\n    ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]\n  - to:\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: istio-system}}',
      references: [
        'https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/#additional-security-considerations',
        'https://istio.io/latest/docs/ops/best-practices/security/#understand-traffic-capture-limitations',
        'https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-egress-traffic',
        'https://kubernetes.io/docs/concepts/services-networking/network-policies/',
      ],
    },
  },
  check({ model, report }) {
    // Index NetworkPolicies by namespace once.
    const byNs = new Map<string, Resource[]>();
    for (const np of model.ofKind(NETPOL_GROUP, 'NetworkPolicy')) {
      const list = byNs.get(np.namespace);
      if (list) list.push(np);
      else byNs.set(np.namespace, [np]);
    }
    const allowAny = meshOutbound(model).effective === 'ALLOW_ANY';

    for (const info of model.namespaces()) {
      if (info.system || !info.resource) continue;
      // A namespace is in the mesh by its label or because its workloads opt in one by one (the model decides).
      const { mode, byWorkloads } = model.meshModeOf(info.name);
      if (mode !== 'sidecar' && mode !== 'ambient') continue;

      let restricting: Resource | null = null;
      let opener: { np: Resource; rule: number } | null = null;
      const partial: Resource[] = [];
      for (const np of byNs.get(info.name) ?? []) {
        const spec = np.obj?.spec;
        if (!isObject(spec) || !affectsEgress(spec)) continue;
        // A podSelector of the wrong type is rejected by the API server: it protects nothing.
        if (spec.podSelector !== undefined && spec.podSelector !== null && !isObject(spec.podSelector)) continue;
        if (!isEmptySelector(spec.podSelector)) {
          partial.push(np);
          continue;
        }
        const open = firstOpenRule(spec);
        if (open >= 0) opener ??= { np, rule: open };
        else restricting ??= np;
      }
      if (restricting && !opener) continue;

      const nsRes = info.resource;
      const labelPath: PathSegment[] = byWorkloads ? ['metadata'] : modeLabelPath(info.labels, mode);
      const modeText = byWorkloads ? `${mode} mode, through its workloads' own opt-in` : `${mode} mode`;
      const evidence: EvidenceInput[] = [
        { role: 'namespace', description: `${info.name} is in ${modeText}`, resource: nsRes, path: labelPath },
      ];
      let problem: string;
      if (opener) {
        problem = `NetworkPolicy ${opener.np.name} lets ${podsText(info.name, {})} reach any destination (spec.egress[${opener.rule}])`;
        evidence.push({ role: 'network-policy', description: `${opener.np.namespace}/${opener.np.name} allows all egress`, resource: opener.np, path: ['spec', 'egress', opener.rule] });
      } else {
        problem = 'no NetworkPolicy restricts egress for all its pods';
        if (partial.length) problem += ` (only for some: ${listSome(partial.map((p) => p.name), 3)})`;
      }
      const consequence =
        mode === 'ambient'
          ? 'ztunnel does not enforce REGISTRY_ONLY, so nothing limits where its pods connect'
          : allowAny
            ? 'with the mesh in ALLOW_ANY (EGR001), nothing limits where its pods connect'
            : 'REGISTRY_ONLY is the only egress control, and a pod that bypasses its sidecar (UID 1337, NET_ADMIN, capture exclusions) reaches any address';
      report({
        resource: nsRes,
        path: labelPath,
        message: `Namespace ${info.name} is in the mesh (${modeText}) but ${problem}: ${consequence}.`,
        evidence,
      });
    }
  },
});

/** The label that puts the namespace in the mesh, as a path inside the Namespace object. */
function modeLabelPath(labels: Record<string, string>, mode: string): PathSegment[] {
  let key: string;
  if (mode === 'ambient') key = 'istio.io/dataplane-mode';
  else key = labels['istio-injection'] === 'enabled' ? 'istio-injection' : 'istio.io/rev';
  return ['metadata', 'labels', key];
}
