import { defineRule } from '../types.js';
import type { Resource } from '../../model/resource.js';
import type { Severity } from '../../engine/finding.js';
import { computePosture, type ServiceInfo } from '../../posture/index.js';
import { listSome } from '../../posture/util.js';
import { ISTIO_GW, SERVICE, WORKLOADS } from './common.js';
import { postureReads } from '../../posture/reads.js';
import { objectsWhere } from '../objects-where.js';

/** istiod ports that must not face the internet, with what they give away. */
const PORTS: Record<number, { what: string; severity: Severity }> = {
  15010: { what: 'plaintext xDS (the whole mesh configuration, unauthenticated)', severity: 'critical' },
  15012: { what: 'xDS over TLS and the certificate authority', severity: 'high' },
  15014: { what: "istiod's monitoring and debug endpoints", severity: 'high' },
  15017: { what: "the sidecar-injection and validation webhook", severity: 'high' },
};
/** Debug HTTP of istiod itself; on a gateway 8080 is usually just the HTTP listener, so only istiod counts. */
const ISTIOD_ONLY: Record<number, { what: string; severity: Severity }> = {
  8080: { what: "istiod's plaintext debug interface", severity: 'high' },
};
const ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
const INTERNAL_LB: Array<[string, string]> = [
  ['service.beta.kubernetes.io/aws-load-balancer-internal', 'true'],
  ['service.beta.kubernetes.io/aws-load-balancer-scheme', 'internal'],
  ['networking.gke.io/load-balancer-type', 'internal'],
  ['cloud.google.com/load-balancer-type', 'internal'],
  ['service.beta.kubernetes.io/azure-load-balancer-internal', 'true'],
  ['service.beta.kubernetes.io/oci-load-balancer-internal', 'true'],
];

export default defineRule({
  meta: {
    id: 'AUT020',
    title: 'Gateway or istiod LoadBalancer Service exposes control-plane ports to any source',
    severity: 'high',
    category: 'authn-authz',
    scope: 'namespace',
    reads: postureReads(SERVICE, ISTIO_GW, ...WORKLOADS),
    docs: {
      summary:
        "A Service of type LoadBalancer that fronts an Istio gateway (east-west, ingress) or istiod exposes an istiod port, 15012 (xDS and CA), 15017 (webhooks), 15014 (monitoring and debug) or 15010 (plaintext xDS, critical), plus 8080 (debug HTTP) when it selects istiod itself, and sets no `loadBalancerSourceRanges`. One severity lower for load balancers annotated as internal (AWS, GKE, Azure, OCI).",
      why:
        "Multi-cluster installs expose istiod through the east-west gateway so that remote clusters can reach it, and the default manifests do so to the whole internet. Anyone can then talk to the CA and xDS server (ISTIO-SECURITY-2022-003 was an unauthenticated denial of service on 15012), probe the webhook, read debug endpoints (ISTIO-SECURITY-2026-001), or, on 15010, download the mesh configuration without credentials. Every future istiod vulnerability becomes remotely reachable.",
      fix:
        "Set `spec.loadBalancerSourceRanges` to the egress addresses of the remote clusters (or use an internal load balancer), drop the ports the topology does not need, and never expose 15010 or 15014. Layer a NetworkPolicy on the gateway pods.",
      bad: 'apiVersion: v1\nkind: Service\nmetadata: {name: istio-eastwestgateway, namespace: istio-system}\nspec:\n  type: LoadBalancer\n  selector: {istio: eastwestgateway}\n  ports:\n  - {name: tls-istiod, port: 15012}\n  - {name: tls-webhook, port: 15017}',
      good: 'apiVersion: v1\nkind: Service\nmetadata: {name: istio-eastwestgateway, namespace: istio-system}\nspec:\n  type: LoadBalancer\n  loadBalancerSourceRanges: [203.0.113.0/28]\n  selector: {istio: eastwestgateway}\n  ports:\n  - {name: tls-istiod, port: 15012}',
      references: [
        'https://istio.io/latest/docs/ops/best-practices/security/#lock-down-ports',
        'https://istio.io/latest/docs/setup/install/multicluster/primary-remote_multi-network/',
        'https://istio.io/latest/news/security/istio-security-2022-003/',
        'https://kubernetes.io/docs/concepts/services-networking/service/#aws-nlb-support',
      ],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    // LoadBalancer Services, kept per Service list (objectsWhere): a Gateway or workload changed does
    // not walk tens of thousands of Services again.
    for (const r of objectsWhere(model.ofKind('', 'Service'), 'aut020-load-balancers', isLoadBalancer)) {
      const s = posture.services.of(r);
      if (!s) continue;
      const ranges = s.resource.obj?.spec?.loadBalancerSourceRanges;
      if (Array.isArray(ranges) && ranges.some((x: unknown) => typeof x === 'string' && x !== '')) continue;
      const role = roleOf(posture, s);
      if (!role) continue;
      const table = role === 'istiod' ? { ...PORTS, ...ISTIOD_ONLY } : PORTS;
      const hits = s.ports.filter((p) => table[p.port] || (typeof p.targetPort === 'number' && role === 'istiod' && table[p.targetPort]));
      if (!hits.length) continue;
      const internal = INTERNAL_LB.find(([k, v]) => (s.resource.annotations[k] ?? '').toLowerCase() === v);
      let severity = hits.map((p) => (table[p.port] ?? table[p.targetPort as number]).severity).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))[0];
      if (internal) severity = ORDER[Math.min(ORDER.indexOf(severity) + 1, ORDER.length - 1)];
      const list = hits.map((p) => `${p.port} (${(table[p.port] ?? table[p.targetPort as number]).what})`);
      report({
        resource: s.resource,
        path: ['spec', 'ports', hits[0].index],
        severity,
        message: `${role === 'istiod' ? 'istiod' : 'Gateway'} Service ${s.namespace}/${s.name} is a LoadBalancer without loadBalancerSourceRanges and exposes ${listSome(list, 4)}${internal ? ' on an internal load balancer' : ''}: ${internal ? 'anything on the network' : 'anyone on the internet'} can reach the control plane.`,
        evidence: s.workloads.slice(0, 3).map((w) => ({ role: role, description: `${w.resource.kind} ${w.namespace}/${w.resource.name} is behind it`, resource: w.resource, path: w.metaPath })),
      });
    }
  },
});

/** Whether a Service fronts istiod or an Istio gateway (by its pods, or by its selector when they are not in the input). */
function roleOf(posture: ReturnType<typeof computePosture>, s: ServiceInfo): 'istiod' | 'gateway' | null {
  const sel = s.selector ?? {};
  if (sel.app === 'istiod' || sel.istio === 'pilot') return 'istiod';
  for (const w of s.workloads) {
    const wp = posture.of(w);
    if (wp?.gateway === 'istio-gateway' || wp?.gateway === 'k8s-gateway') return 'gateway';
    if (w.podLabels.app === 'istiod') return 'istiod';
  }
  if (sel.istio && /gateway$/.test(sel.istio)) return 'gateway';
  if (sel['gateway.networking.k8s.io/gateway-name'] || s.resource.labels['gateway.istio.io/managed']) return 'gateway';
  return null;
}

/** A Service of type LoadBalancer (from the object alone). */
function isLoadBalancer(r: Resource): boolean {
  return r.obj?.spec?.type === 'LoadBalancer';
}
