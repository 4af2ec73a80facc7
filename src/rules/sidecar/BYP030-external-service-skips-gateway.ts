import { defineRule, type EvidenceInput } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import { WORKLOAD_KINDS, isObject, type Workload } from '../../model/workloads.js';
import { computePosture } from '../../posture/index.js';
import { namedPort } from '../../posture/mtls.js';
import type { MtlsMode } from '../../posture/types.js';
import { listSome, quoteValue } from '../../engine/text.js';
import { describe } from '../../model/resource.js';
import { postureReads } from '../../posture/reads.js';
import { objectsWhere } from '../objects-where.js';
import type { Resource } from '../../model/resource.js';
import { collapseOwned } from '../../model/owners.js';

/** Pod labels that mark an Istio or Gateway API gateway deployment, whatever the install method. */
const GATEWAY_LABELS: ReadonlyArray<[string, RegExp]> = [
  ['istio', /gateway$/],
  ['app', /^istio-(ingress|egress|eastwest)gateway$/],
  ['gateway.networking.k8s.io/gateway-name', /./],
  ['istio.io/gateway-name', /./],
  ['gateway.istio.io/managed', /./],
];

function labelledGateway(w: Workload): boolean {
  return GATEWAY_LABELS.some(([k, re]) => Object.hasOwn(w.podLabels, k) && re.test(w.podLabels[k]));
}

interface ExposedPort {
  index: number;
  port: string;
  /** Effective mTLS mode on the target port of one selected workload: what decides whether plaintext gets in. */
  mode: MtlsMode;
}

export default defineRule({
  meta: {
    id: 'BYP030',
    title: 'LoadBalancer, NodePort or externalIPs Service exposes mesh workloads directly, skipping the ingress gateway',
    severity: 'high',
    category: 'sidecar-bypass',
    scope: 'namespace',
    reads: postureReads('Service', ...WORKLOAD_KINDS, 'Namespace', 'networking.istio.io/Gateway', 'security.istio.io/PeerAuthentication'),
    docs: {
      summary:
        'A Service of type LoadBalancer or NodePort (or any Service with `externalIPs`) selects workloads that run in the mesh (sidecar or ambient) and are not gateways. High when the workloads accept plaintext on an exposed port (PeerAuthentication PERMISSIVE, Istio\'s default, or DISABLE); low when every exposed port is STRICT, where outside clients cannot connect at all and the Service is broken rather than open. One level lower with `loadBalancerSourceRanges`. Gateway pods (Istio ingress, egress and east-west gateways, Gateway API gateways) and workloads outside the mesh are not reported.',
      why:
        "The ingress gateway is where a mesh terminates TLS, validates JWTs, applies rate limits, WAF filters and the AuthorizationPolicies written for north-south traffic. A LoadBalancer or NodePort Service in front of an application pod lets any client on the network (or the internet) connect to the pod directly: no gateway, no TLS, and no peer identity, so policies that rely on `requestPrincipals` from the gateway or on the gateway's own checks never run. It only works while the workload accepts plaintext, which keeps the whole workload PERMISSIVE and open to any pod in the cluster as well.",
      fix:
        'Make the Service `type: ClusterIP` and publish the workload through the ingress gateway (an Istio Gateway with a VirtualService, or a Gateway API Gateway with an HTTPRoute), where TLS, authentication and authorization apply; then set PeerAuthentication STRICT for the workload.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web-public, namespace: shop}\nspec:\n  type: LoadBalancer\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: ClusterIP        # published through the ingress gateway instead\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]',
      references: [
        'https://istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/',
        'https://istio.io/latest/docs/ops/best-practices/security/',
        'https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types',
      ],
    },
  },
  check({ model, report }) {
    const services = model.ofKind('', 'Service');
    if (!services.length) return;
    const posture = computePosture(model);
    // Exposed Services with a selector, kept per Service list (objectsWhere): a Gateway or workload
    // changed does not walk tens of thousands of Services again.
    for (const svc of objectsWhere(services, 'byp030-exposed', (r) => exposureOf(r) !== null)) {
      const spec = svc.obj.spec;
      const exposure = exposureOf(svc)!;
      const selected = model.selectWorkloads(svc.namespace, spec.selector).filter((w) => {
        const dataplane = model.dataplaneOf(w);
        if (dataplane !== 'sidecar' && dataplane !== 'ambient') return false;
        if (labelledGateway(w)) return false;
        const wp = posture.of(w);
        return !wp?.gateway && wp?.mtls.applies !== false;
      });
      if (!selected.length) continue;

      const exposed: ExposedPort[] = [];
      (Array.isArray(spec.ports) ? spec.ports : []).forEach((p: unknown, index: number) => {
        if (!isObject(p) || (typeof p.port !== 'number' && typeof p.port !== 'string')) return;
        const port = String(p.port).slice(0, 12);
        let mode: MtlsMode = 'STRICT';
        for (const w of selected) {
          const m = modeOn(posture.of(w)?.mtls, targetOf(w, p));
          if (m !== 'STRICT') mode = m;
        }
        exposed.push({ index, port, mode });
      });
      const open = exposed.filter((e) => e.mode !== 'STRICT');
      const ranges = Array.isArray(spec.loadBalancerSourceRanges) && spec.loadBalancerSourceRanges.some((r: unknown) => typeof r === 'string' && r.trim() !== '');
      const severity: Severity = open.length ? (ranges ? 'medium' : 'high') : 'low';
      const first = open[0] ?? exposed[0];
      const runners = collapseOwned(selected).workloads;
      const names = listSome(runners.map((w) => describe(w.resource)), 3);
      const effect = open.length
        ? `on port${open.length === 1 ? '' : 's'} ${listSome(open.map((e) => e.port), 5)} the workload accepts plaintext (mTLS ${listSome([...new Set(open.map((e) => e.mode))], 2)}), so clients ${ranges ? 'in loadBalancerSourceRanges' : 'outside the mesh'} reach it without the gateway's TLS, authentication and authorization`
        : 'every exposed port is mTLS STRICT, so outside clients cannot connect: the Service only works once someone makes the workload PERMISSIVE';
      report({
        resource: svc,
        path: first ? ['spec', 'ports', first.index] : ['spec', 'type'],
        severity,
        message: `Service ${svc.namespace}/${svc.name} is ${exposure}${exposure.endsWith('and') ? '' : ' that'} selects mesh workload${runners.length === 1 ? '' : 's'} ${names} directly, not an ingress gateway: ${effect}.`,
        evidence: [
          ...runners.slice(0, 5).map((w): EvidenceInput => ({ role: 'exposed-workload', description: `${describe(w.resource)} runs in the mesh (${model.dataplaneOf(w)}) and is not a gateway`, resource: w.resource, path: w.metaPath })),
          ...(ranges ? [{ role: 'source-ranges', description: `loadBalancerSourceRanges ${quoteValue(spec.loadBalancerSourceRanges, 80)} limits who can connect`, resource: svc, path: ['spec', 'loadBalancerSourceRanges'] }] : []),
        ],
      });
    }
  },
});

/** The container port a Service port sends to: `targetPort` as a number or a named container port, else `port`. */
function targetOf(w: Workload, p: Record<string, any>): number | null {
  const t = p.targetPort;
  if (typeof t === 'number') return t;
  if (typeof t === 'string' && t.trim() !== '') return /^\d+$/.test(t.trim()) ? Number(t.trim()) : namedPort(w, t.trim());
  return typeof p.port === 'number' ? p.port : /^\d+$/.test(String(p.port)) ? Number(p.port) : null;
}

function modeOn(mtls: { mode: MtlsMode; ports: ReadonlyArray<{ port: number; mode: MtlsMode }> } | undefined, port: number | null): MtlsMode {
  if (!mtls) return 'PERMISSIVE';
  const hit = port === null ? undefined : mtls.ports.find((p) => p.port === port);
  return hit ? hit.mode : mtls.mode;
}

/**
 * How a Service is exposed outside the cluster (`a LoadBalancer`, `a NodePort`, `exposed on externalIPs
 * and`), or null when it is not, or has no selector (endpoints managed by hand: nothing to say about pods).
 */
function exposureOf(svc: Resource): string | null {
  const spec = svc.obj?.spec;
  if (!isObject(spec)) return null;
  // externalIPs expose a Service of any type on those addresses, ClusterIP included.
  const externalIPs = Array.isArray(spec.externalIPs) && spec.externalIPs.some((ip: unknown) => typeof ip === 'string' && ip.trim() !== '');
  const exposure = spec.type === 'LoadBalancer' || spec.type === 'NodePort' ? `a ${spec.type}` : externalIPs ? 'exposed on externalIPs and' : null;
  if (!exposure || !isObject(spec.selector) || Object.keys(spec.selector).length === 0) return null;
  return exposure;
}
