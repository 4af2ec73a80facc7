import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import type { PathSegment } from '../../model/resource.js';
import type { Workload } from '../../model/workloads.js';
import { computePosture, type PolicyInfo } from '../../posture/index.js';
import { l7Uses, rulesOf } from '../../posture/rules.js';
import { listSome, plural } from '../../posture/util.js';
import { AP, K8S_GW, NAMESPACE, SERVICE, WORKLOADS, attachmentOf, targetPostures, wname, workloadCount, workloadEvidence, workloadList } from './common.js';
import { postureReads } from '../../posture/reads.js';

const ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export default defineRule({
  meta: {
    id: 'AUT021',
    title: 'AuthorizationPolicy on ambient workloads is not enforced as written',
    severity: 'high',
    category: 'authn-authz',
    scope: 'namespace',
    reads: postureReads(AP, NAMESPACE, SERVICE, K8S_GW, ...WORKLOADS),
    docs: {
      summary:
        "An AuthorizationPolicy reaches ambient-mode workloads in a way that ztunnel (the L4 node proxy) cannot honour. Attached by namespace, mesh or selector, it is enforced by ztunnel, whatever waypoint exists: ztunnel ignores CUSTOM policies (high: the external authorizer is skipped) and AUDIT ones (low), drops ALLOW rules that use HTTP attributes (`methods`, `paths`, `hosts`, `requestPrincipals`, `remoteIpBlocks`, HTTP `when` keys) and enforces DENY rules without those attributes (low: both fail closed, so the traffic the author meant to allow is denied, but nothing is let through). Attached with targetRefs to a Service or ServiceEntry that no waypoint serves, it is enforced by nobody (high: an ALLOW no longer restricts, a DENY no longer denies).",
      why:
        "Ambient mode splits enforcement: ztunnel sees connections and identities, only a waypoint sees HTTP. A policy written for sidecars keeps its syntax but not its meaning. The fail-open cases are the dangerous ones: an ext-authz (CUSTOM) check that silently never runs, or an ALLOW/DENY bound to a Service without a waypoint that restricts nothing. The fail-closed cases block legitimate traffic, and the usual fix under pressure, loosening the policy, opens the workload.",
      fix:
        'Deploy a waypoint (`istioctl waypoint apply -n NS --enroll-namespace`, or label the Service with `istio.io/use-waypoint`) and attach L7 policies to it with `targetRefs` (the Service, or the waypoint Gateway). Keep ztunnel policies (selector) to L4 fields: principals, namespaces, ipBlocks, ports.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: analytics\n  labels: {istio.io/dataplane-mode: ambient}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: reports, namespace: analytics}\nspec:\n  selector: {matchLabels: {app: reports}}\n  template:\n    metadata: {labels: {app: reports}}\n    spec:\n      containers:\n      - {name: reports, image: registry.example.com/analytics/reports:1.0.0}\n---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: reports, namespace: analytics}\nspec:\n  selector: {matchLabels: {app: reports}}\n  rules:\n  - to:\n    - operation: {methods: [GET]}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: analytics\n  labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: reports, namespace: analytics}\nspec:\n  selector: {matchLabels: {app: reports}}\n  template:\n    metadata: {labels: {app: reports}}\n    spec:\n      containers:\n      - {name: reports, image: registry.example.com/analytics/reports:1.0.0}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: reports, namespace: analytics}\nspec:\n  selector: {app: reports}\n  ports:\n  - {name: http, port: 80, targetPort: 8080}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: waypoint, namespace: analytics}\nspec:\n  gatewayClassName: istio-waypoint\n  listeners:\n  - {name: mesh, port: 15008, protocol: HBONE}\n---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: reports, namespace: analytics}\nspec:\n  targetRefs:\n  - {kind: Service, group: "", name: reports}\n  rules:\n  - to:\n    - operation: {methods: [GET]}',
      references: [
        'https://istio.io/latest/docs/ambient/usage/l4-policy/',
        'https://istio.io/latest/docs/ambient/usage/l7-features/',
        'https://istio.io/latest/docs/ambient/usage/waypoint/',
      ],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    for (const p of posture.authorizationPolicies) {
      if (p.problems.length) continue;
      const cases = new Map<string, { severity: Severity; text: string; path: PathSegment[]; ws: Workload[] }>();
      const add = (key: string, severity: Severity, text: string, path: PathSegment[], w: Workload) => {
        let c = cases.get(key);
        if (!c) cases.set(key, (c = { severity, text, path, ws: [] }));
        c.ws.push(w);
      };
      for (const wp of targetPostures(posture, p)) {
        if (wp.dataplane !== 'ambient' || wp.gateway) continue;
        const a = attachmentOf(posture, wp, p);
        if (!a) continue;
        const waypoint = wp.waypoint ? ` (its waypoint ${wp.waypoint.namespace}/${wp.waypoint.name} applies only targetRefs policies)` : '';
        if (a.via === 'mesh' || a.via === 'namespace' || a.via === 'selector') {
          if (p.action === 'CUSTOM') add('custom', 'high', `ztunnel does not support CUSTOM, so the external authorizer is never consulted${waypoint}`, ['spec', 'action'], wp.workload);
          else if (p.action === 'AUDIT') add('audit', 'low', `ztunnel does not support AUDIT, so nothing is audited${waypoint}`, ['spec', 'action'], wp.workload);
          else if (p.l7Fields.length) {
            const path = firstL7Path(p) ?? ['spec', 'rules'];
            if (p.action === 'ALLOW') add('allow-l7', 'low', `ztunnel cannot evaluate ${listSome(p.l7Fields, 4)}, so the rules using them never match and that traffic is denied${waypoint}`, path, wp.workload);
            else add('deny-l7', 'low', `ztunnel cannot evaluate ${listSome(p.l7Fields, 4)}, so it enforces the DENY rules without them, denying more than written${waypoint}`, path, wp.workload);
          }
        } else if ((a.via === 'service' || a.via === 'serviceentry') && a.enforcedBy === 'none') {
          const t = a.target;
          const path: PathSegment[] = t && t.index !== null ? ['spec', 'targetRefs', t.index] : ['spec', 'targetRef'];
          add(
            `nowp:${t?.name}`,
            p.action === 'AUDIT' ? 'low' : 'high',
            `it is attached to ${t?.kind ?? 'a Service'} ${t?.name ?? ''} with targetRefs, which only a waypoint applies, and no waypoint serves it, so nothing enforces it`,
            path,
            wp.workload,
          );
        }
      }
      if (!cases.size) continue;
      const list = [...cases.values()].sort((a, b) => ORDER.indexOf(a.severity) - ORDER.indexOf(b.severity));
      const worst = list[0];
      const r = p.resource;
      const all = [...new Set(list.flatMap((c) => c.ws))];
      const more = list.length > 1 ? ` Also: ${list.slice(1).map((c) => c.text).join('; ')}.` : '';
      report({
        resource: r,
        path: worst.path,
        severity: worst.severity,
        message: `${p.action} policy ${r.namespace}/${r.name} applies to ${plural(workloadCount(worst.ws), 'ambient workload')} (${workloadList(worst.ws)}), but ${worst.text}.${more}`,
        evidence: [
          ...[...new Set(all.map((w) => w.namespace))].slice(0, 3).flatMap((ns) => {
            const nsRes = model.namespace(ns).resource;
            return nsRes ? [{ role: 'namespace', description: `namespace ${ns} is in ambient mode`, resource: nsRes, path: ['metadata', 'labels', 'istio.io/dataplane-mode'] }] : [];
          }),
          ...workloadEvidence(all, (w) => `${wname(w)} is in ambient mode${posture.of(w)?.waypoint ? ` with waypoint ${posture.of(w)!.waypoint!.name}` : ', without a waypoint'}`, 'workload', 0),
        ],
      });
    }
  },
});

function firstL7Path(p: PolicyInfo): PathSegment[] | null {
  for (const rv of rulesOf(p.resource)) for (const use of l7Uses(rv)) return use.path;
  return null;
}
