import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import { isObject } from '../../model/workloads.js';
import { selectsEgressGateway } from '../../model/egress-gateway.js';
import { NETPOL_GROUP, affectsEgress, egressRule, onlyDns, openIpBlocks, podsText, portsText } from './common.js';

const DNS_NOTE = 'DNS to an arbitrary resolver can still carry a tunnel; limit it to kube-dns in kube-system';

const GATEWAY_NOTE = "the egress gateway's own egress is open by design (reaching external hosts is its job); keep what it may reach tight through the ServiceEntries and routes bound to it and AuthorizationPolicies on it";

/**
 * Istio components whose egress Istio's own charts open (`global.networkPolicy.enabled`: the
 * istio-discovery, ztunnel and istio-cni charts write `egress: [{}]`), by the pod labels those charts
 * select them with, and why the egress is open.
 */
const OPEN_BY_DESIGN: ReadonlyArray<{ label: readonly [string, string]; note: string }> = [
  { label: ['app', 'istiod'], note: "istiod's egress is open in Istio's own chart: it reaches the API servers, remote clusters and the JWKS endpoints RequestAuthentications name, which vary by install" },
  { label: ['app', 'ztunnel'], note: "ztunnel's egress is open in Istio's own chart: it carries the traffic of every ambient pod on its node to wherever that pod connects; the mesh's policies decide what those pods reach" },
  { label: ['k8s-app', 'istio-cni-node'], note: "the Istio CNI node agent's egress is open in Istio's own chart: it reaches the API server, whose address varies by distribution" },
];

/**
 * Why a policy's open egress is the selected Istio component's function, or null: it selects, in a
 * platform namespace (where tenants run no pods, so none can borrow the labels), the mesh's egress
 * gateway (reaching external hosts is its job; what it may reach is decided by the ServiceEntries and
 * routes bound to it and the AuthorizationPolicies on it) or a component of OPEN_BY_DESIGN. Ingress
 * gateways are not among them: they face outside clients, and their backends are in-cluster addresses a
 * policy can name.
 */
function openByDesign(model: { isSystemNamespace(ns: string): boolean }, namespace: string, podSelector: unknown): string | null {
  if (!model.isSystemNamespace(namespace) || !isObject(podSelector) || !isObject(podSelector.matchLabels)) return null;
  if (selectsEgressGateway(podSelector)) return GATEWAY_NOTE;
  const labels = podSelector.matchLabels;
  return OPEN_BY_DESIGN.find(({ label: [k, v] }) => Object.hasOwn(labels, k) && labels[k] === v)?.note ?? null;
}

export default defineRule({
  meta: {
    id: 'EGR004',
    title: 'NetworkPolicy egress rule is open to every destination',
    severity: 'high',
    category: 'egress',
    scope: 'namespace',
    // The mesh config names the root namespace, one of the platform namespaces (openByDesign).
    reads: ['networking.k8s.io/NetworkPolicy', 'ConfigMap', 'install.istio.io/IstioOperator'],
    docs: {
      summary:
        'An egress rule of a NetworkPolicy allows every destination: it has no `to` (absent or empty), or a `to` peer whose ipBlock is 0.0.0.0/0 or ::/0 (with or without `except`). Graded: any port is high, a port list is medium, DNS only (port 53) to anywhere is low. A policy for the mesh\'s egress gateway (selecting `istio: egressgateway` or `app: istio-egressgateway` in a platform namespace, where tenants run no pods) is info: reaching external hosts is its job. So are the policies Istio\'s own charts write with `global.networkPolicy.enabled` for istiod (`app: istiod`), ztunnel (`app: ztunnel`) and the CNI node agent (`k8s-app: istio-cni-node`) in a platform namespace, whose egress those charts open on purpose. Ingress gateways keep the grade: they face outside clients, and their backends are in-cluster addresses a policy can name.',
      why:
        'NetworkPolicies are the only egress control a pod cannot switch off from inside: the sidecar and REGISTRY_ONLY can be bypassed by a pod running as UID 1337 or holding NET_ADMIN. Rules are additive, so one open rule cancels every default-deny policy for the pods it selects, and an attacker in such a pod connects straight to any server on the internet (exfiltration, command and control, cloud metadata endpoints unless excepted). A port list narrows that only a little: 443 to anywhere is how most exfiltration already travels. Even DNS to any resolver can carry a tunnel.',
      fix:
        'Replace the open rule with explicit peers: DNS only to kube-dns (namespaceSelector kubernetes.io/metadata.name=kube-system plus podSelector k8s-app=kube-dns), the Istio control plane and egress gateway by namespaceSelector, and in-cluster services by namespace and pod selectors. Reach external hosts through the egress gateway, not through ipBlock 0.0.0.0/0.',
      bad: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-egress, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - {}',
      good: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-egress, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: istio-system}}\n      podSelector: {matchLabels: {istio: egressgateway}}',
      references: [
        'https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors',
        'https://kubernetes.io/docs/concepts/services-networking/network-policies/#allow-all-egress-traffic',
        'https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/',
        'https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/#additional-security-considerations',
      ],
    },
  },
  check({ model, report }) {
    for (const np of model.ofKind(NETPOL_GROUP, 'NetworkPolicy')) {
      const spec = np.obj?.spec;
      if (!isObject(spec) || !affectsEgress(spec) || !Array.isArray(spec.egress)) continue;
      const who = podsText(np.namespace, spec.podSelector);
      const designed = openByDesign(model, np.namespace, spec.podSelector);
      const name = `NetworkPolicy ${np.namespace}/${np.name}`;
      spec.egress.forEach((raw: unknown, i: number) => {
        const rule = egressRule(raw);
        if (!rule) return;
        const noPorts = rule.ports.length === 0;
        const dns = onlyDns(rule.ports);
        const grade: Severity = designed ? 'info' : noPorts ? 'high' : dns ? 'low' : 'medium';
        const onPorts = noPorts ? 'on any port' : `on ${portsText(rule.ports)}`;
        if (rule.to.length === 0) {
          report({
            resource: np,
            path: noPorts ? ['spec', 'egress', i] : ['spec', 'egress', i, 'ports'],
            severity: grade,
            message:
              (noPorts
                ? `${name}: spec.egress[${i}] has no "to" and no "ports", so it allows all egress: ${who} may reach any destination on any port`
                : `${name}: spec.egress[${i}] has no "to": ${who} may reach any destination ${onPorts}${dns ? ` (${DNS_NOTE})` : ''}`) + (designed ? `; ${designed}.` : '.'),
          });
          return;
        }
        for (const b of openIpBlocks(rule.to)) {
          const except = b.except ? ` except ${b.except} range${b.except === 1 ? '' : 's'}` : '';
          report({
            resource: np,
            path: ['spec', 'egress', i, 'to', b.index, 'ipBlock', 'cidr'],
            severity: grade,
            message: `${name}: spec.egress[${i}] allows ipBlock ${b.cidr}${except}, every address of its family: ${who} may reach any external destination ${onPorts}${dns ? ` (${DNS_NOTE})` : ''}${designed ? `; ${designed}` : ''}.`,
          });
        }
      });
    }
  },
});
