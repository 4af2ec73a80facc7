import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import { isObject } from '../../model/workloads.js';
import { selectsEgressGateway } from '../../model/egress-gateway.js';
import { NETPOL_GROUP, affectsEgress, egressRule, onlyDns, openIpBlocks, podsText, portsText } from './common.js';

const DNS_NOTE = 'DNS to an arbitrary resolver can still carry a tunnel; limit it to kube-dns in kube-system';

/**
 * A policy for the mesh's egress gateway: it selects pods by one of its labels, in a platform namespace
 * (a tenant cannot run a pod there to borrow the label). Reaching external hosts is the egress
 * gateway's job, so its open egress is its function, not a hole: what it may reach is decided by the
 * ServiceEntries, Gateways and VirtualServices routed through it and the AuthorizationPolicies on it.
 */
function forEgressGateway(model: { isSystemNamespace(ns: string): boolean }, namespace: string, podSelector: unknown): boolean {
  return model.isSystemNamespace(namespace) && isObject(podSelector) && isObject(podSelector.matchLabels) && selectsEgressGateway(podSelector);
}
const GATEWAY_NOTE = "the egress gateway's own egress is open by design (reaching external hosts is its job); keep what it may reach tight through the ServiceEntries and routes bound to it and AuthorizationPolicies on it";

export default defineRule({
  meta: {
    id: 'EGR004',
    title: 'NetworkPolicy egress rule is open to every destination',
    severity: 'high',
    category: 'egress',
    scope: 'namespace',
    // The mesh config names the root namespace, one of the platform namespaces (forEgressGateway).
    reads: ['networking.k8s.io/NetworkPolicy', 'ConfigMap', 'install.istio.io/IstioOperator'],
    docs: {
      summary:
        'An egress rule of a NetworkPolicy allows every destination: it has no `to` (absent or empty), or a `to` peer whose ipBlock is 0.0.0.0/0 or ::/0 (with or without `except`). Graded: any port is high, a port list is medium, DNS only (port 53) to anywhere is low. A policy for the mesh\'s egress gateway (selecting `istio: egressgateway` or `app: istio-egressgateway` in a platform namespace, where tenants run no pods) is info: reaching external hosts is its job.',
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
      const gateway = forEgressGateway(model, np.namespace, spec.podSelector);
      const name = `NetworkPolicy ${np.namespace}/${np.name}`;
      spec.egress.forEach((raw: unknown, i: number) => {
        const rule = egressRule(raw);
        if (!rule) return;
        const noPorts = rule.ports.length === 0;
        const dns = onlyDns(rule.ports);
        const grade: Severity = gateway ? 'info' : noPorts ? 'high' : dns ? 'low' : 'medium';
        const onPorts = noPorts ? 'on any port' : `on ${portsText(rule.ports)}`;
        if (rule.to.length === 0) {
          report({
            resource: np,
            path: noPorts ? ['spec', 'egress', i] : ['spec', 'egress', i, 'ports'],
            severity: grade,
            message:
              (noPorts
                ? `${name}: spec.egress[${i}] has no "to" and no "ports", so it allows all egress: ${who} may reach any destination on any port`
                : `${name}: spec.egress[${i}] has no "to": ${who} may reach any destination ${onPorts}${dns ? ` (${DNS_NOTE})` : ''}`) + (gateway ? `; ${GATEWAY_NOTE}.` : '.'),
          });
          return;
        }
        for (const b of openIpBlocks(rule.to)) {
          const except = b.except ? ` except ${b.except} range${b.except === 1 ? '' : 's'}` : '';
          report({
            resource: np,
            path: ['spec', 'egress', i, 'to', b.index, 'ipBlock', 'cidr'],
            severity: grade,
            message: `${name}: spec.egress[${i}] allows ipBlock ${b.cidr}${except}, every address of its family: ${who} may reach any external destination ${onPorts}${dns ? ` (${DNS_NOTE})` : ''}${gateway ? `; ${GATEWAY_NOTE}` : ''}.`,
          });
        }
      });
    }
  },
});
