import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import type { MeshModel } from '../../model/model.js';
import { computePosture, GATEWAY_API_GROUP, type PolicyInfo } from '../../posture/index.js';
import { AP, K8S_GW, PA, RA, SERVICE, WORKLOADS } from './common.js';
import { GATEWAY_NAME_LABEL, ISTIO_GATEWAY_NAME_LABEL } from '../../model/workloads.js';
import { postureReads } from '../../posture/reads.js';

export default defineRule({
  meta: {
    id: 'AUT013',
    title: 'Security policy selects or targets no workload',
    severity: 'medium',
    category: 'authn-authz',
    reads: postureReads(AP, PA, RA, SERVICE, K8S_GW, 'networking.istio.io/ServiceEntry', ...WORKLOADS),
    // A policy is judged against its own namespace's workloads and objects (a root-namespace one against
    // every namespace's, through lookups that a namespace view answers whole): see src/engine/scope.ts.
    scope: 'namespace',
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        "An AuthorizationPolicy, RequestAuthentication or PeerAuthentication whose `selector.matchLabels` matches no workload (pods and pod templates) in its namespace, or in any namespace for the root namespace; a `targetRefs` entry naming an object that is not in the input, a kind Istio does not attach policies to, or another namespace; a Service target that only sidecars would see (they ignore targetRefs); and a PeerAuthentication with a selector in the root namespace, which Istio ignores. Pods of a Gateway-API Gateway of class `istio` count as workloads even when their Deployment is not in the input (Istio creates it, labelled `gateway.networking.k8s.io/gateway-name` and `istio.io/gateway-name`); a selector on Istio's own gateway labels (`istio: ingressgateway`, `app: istio-egressgateway`...) whose gateway is not in the input is unknown, reported at info. To keep partial inputs quiet, a selector is judged only when its namespace has workloads in the input, and a missing target only when its namespace holds objects of that kind. Medium, low for AUDIT policies and for PERMISSIVE/DISABLE PeerAuthentications that end up ignored.",
      why:
        'A policy that applies to nothing protects nothing, and nothing says so: a label typo, a renamed app or a policy written for the wrong namespace leaves the DENY, the JWT check or the STRICT mode its author relied on switched off. Istio reports the same as IST0127 (NoMatchingWorkloadsFound) and IST0101.',
      fix:
        "Fix the labels or the target so they name the workload's pods (`kubectl get pods -l app=... -n ...`), or delete the policy. Put root-namespace PeerAuthentications without a selector, and workload ones in the workload's namespace.",
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}\n---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: deny-admin, namespace: shop}\nspec:\n  selector: {matchLabels: {app: wbe}}\n  action: DENY\n  rules:\n  - to:\n    - operation: {paths: [/admin]}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}\n---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: deny-admin, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  action: DENY\n  rules:\n  - to:\n    - operation: {paths: [/admin]}',
      references: [
        'https://istio.io/latest/docs/reference/config/analysis/ist0127/',
        'https://istio.io/latest/docs/reference/config/security/authorization-policy/#AuthorizationPolicy',
        'https://istio.io/latest/docs/reference/config/security/peer_authentication/',
      ],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    const root = model.rootNamespace;
    const hasWorkloads = (ns: string) => (ns === root ? model.hasAnyWorkload() : model.workloadsIn(ns).length > 0);

    const policies: PolicyInfo[] = [...posture.authorizationPolicies, ...posture.requestAuthentications];
    for (const p of policies) {
      if (p.problems.length) continue;
      const r = p.resource;
      const label = p.kind === 'AuthorizationPolicy' ? `${p.action} policy` : 'RequestAuthentication';
      const sev: Severity = p.kind === 'AuthorizationPolicy' && p.action === 'AUDIT' ? 'low' : 'medium';
      if (p.scope === 'selector' && !p.targets.length && hasWorkloads(r.namespace) && onGatewayLabels(p.selector)) {
        report({ resource: r, path: ['spec', 'selector'], severity: 'info', message: `${label} ${r.namespace}/${r.name} ${unknownGateway(p.selector)}` });
      } else if (p.scope === 'selector' && !p.targets.length && hasWorkloads(r.namespace)) {
        report({
          resource: r,
          path: ['spec', 'selector'],
          severity: sev,
          message: `${label} ${r.namespace}/${r.name} selects ${labels(p.selector)}, which matches no workload ${r.namespace === root ? 'in any namespace' : `in namespace ${r.namespace}`}: it protects nothing.`,
        });
      }
      for (const t of p.targetRefs) {
        const path = t.index === null ? ['spec', 'targetRef'] : ['spec', 'targetRefs', t.index];
        let problem: string | null = null;
        if (t.resolved === 'invalid' || t.resolved === 'unsupported') problem = `Istio ignores this target: ${t.note}`;
        else if (t.resolved === 'missing' && holdsKind(model, r.namespace, t.kind)) problem = `${t.note}, so the policy applies to nothing through it`;
        else if (t.resolved === 'service' && t.workloads.length && t.workloads.every((w) => posture.of(w)?.dataplane === 'sidecar')) {
          problem = `Service ${t.name} is served by sidecars, which ignore policies attached with targetRefs (only waypoints apply them)`;
        }
        if (problem) report({ resource: r, path, key: `target:${t.index ?? 'single'}`, severity: sev, message: `${label} ${r.namespace}/${r.name} targets ${t.kind || '?'} ${t.name || '?'}: ${problem}.` });
      }
    }

    for (const pa of posture.peerAuthentications) {
      const r = pa.resource;
      if (pa.scope === 'ignored' && r.namespace === root && pa.ignoredReason?.includes('root namespace')) {
        report({
          resource: r,
          path: ['spec', 'selector'],
          severity: pa.mode === 'STRICT' || pa.portLevel.some((p) => p.mode === 'STRICT') ? 'medium' : 'low',
          message: `PeerAuthentication ${root}/${r.name} has a selector in the root namespace, where Istio ignores selector policies: ${settingsOf(pa)} no workload.`,
        });
      } else if (pa.scope === 'workload' && !pa.targets.length && hasWorkloads(r.namespace) && onGatewayLabels(r.obj?.spec?.selector?.matchLabels)) {
        report({ resource: r, path: ['spec', 'selector'], severity: 'info', message: `PeerAuthentication ${r.namespace}/${r.name} ${unknownGateway(r.obj?.spec?.selector?.matchLabels)}` });
      } else if (pa.scope === 'workload' && !pa.targets.length && hasWorkloads(r.namespace)) {
        report({
          resource: r,
          path: ['spec', 'selector'],
          severity: pa.mode === 'STRICT' || pa.portLevel.some((p) => p.mode === 'STRICT') ? 'medium' : 'low',
          message: `PeerAuthentication ${r.namespace}/${r.name} selects ${labels(r.obj?.spec?.selector?.matchLabels)}, which matches no workload in namespace ${r.namespace}: ${settingsOf(pa)} nothing.`,
        });
      }
    }
  },
});

/**
 * What a PeerAuthentication sets, for "... applies to nothing": its workload-wide mode, and the
 * port-level modes when it has any. A policy that only overrides ports (a PERMISSIVE exception on a
 * webhook port, `mtls` left out) is no "UNSET" policy to its author, whose exception is what matters.
 */
function settingsOf(pa: { mode: string | null; portLevel: ReadonlyArray<{ port: number; mode: string | null }> }): string {
  const ports = pa.portLevel.map((p) => `${p.mode ?? 'UNSET'} on port ${p.port}`);
  if (!ports.length) return `its ${pa.mode ?? 'UNSET'} mode applies to`;
  const list = ports.length > 3 ? `${ports.slice(0, 3).join(', ')} and ${ports.length - 3} more` : ports.join(', ');
  const many = ports.length > 1 ? 'port-level modes' : 'port-level mode';
  return pa.mode ? `its ${pa.mode} mode and its ${many} (${list}) apply to` : `its ${many} (${list}; no workload-wide mode) ${ports.length > 1 ? 'apply' : 'applies'} to`;
}

/**
 * Does a selector name only the labels of Istio's own gateways (`istio: ingressgateway`, `app:
 * istio-egressgateway`, the Gateway-API `gateway-name` labels)? Those pods come from the Istio
 * installation or from a Gateway, often kept outside the repository scanned: their absence from the
 * input says nothing about the cluster.
 */
function onGatewayLabels(sel: unknown): boolean {
  if (!sel || typeof sel !== 'object') return false;
  const entries = Object.entries(sel as Record<string, unknown>);
  return (
    entries.length > 0 &&
    entries.every(([k, v]) => {
      const value = String(v);
      if (k === 'istio') return /gateway$/.test(value);
      if (k === 'app') return /^istio-.*gateway$/.test(value);
      return k === GATEWAY_NAME_LABEL || k === ISTIO_GATEWAY_NAME_LABEL;
    })
  );
}

function unknownGateway(sel: unknown): string {
  return `selects ${labels(sel)}, the labels of an Istio gateway whose installation (Deployment, or Gateway-API Gateway) is not in the input: whether it matches a workload is unknown, not known to be nothing. Scan the gateway with its policies to check the selector.`;
}

function labels(sel: unknown): string {
  if (!sel || typeof sel !== 'object') return '{}';
  const pairs = Object.entries(sel as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`);
  return pairs.length ? pairs.join(',') : '{}';
}

/** Whether the input holds objects of the target's kind in that namespace (else a missing target is just partial input). */
function holdsKind(model: MeshModel, ns: string, kind: string): boolean {
  switch (kind) {
    case 'Service':
      return model.ofKindInNamespace('', 'Service', ns).length > 0;
    case 'Gateway':
      return model.ofKindInNamespace(GATEWAY_API_GROUP, 'Gateway', ns).length > 0;
    case 'ServiceEntry':
      return model.ofKindInNamespace('networking.istio.io', 'ServiceEntry', ns).length > 0;
    default:
      return false;
  }
}
