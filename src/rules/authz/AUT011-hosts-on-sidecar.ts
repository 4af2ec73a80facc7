import { defineRule } from '../types.js';
import { computePosture } from '../../posture/index.js';
import { operationFields, rulesOf } from '../../posture/rules.js';
import { plural } from '../../posture/util.js';
import { AP, ISTIO_GW, K8S_GW, WORKLOADS, attachmentOf, targetPostures, wname, workloadCount, workloadEvidence, workloadList } from './common.js';
import { postureReads } from '../../posture/reads.js';
import { objectsWhere } from '../objects-where.js';
import type { Resource } from '../../model/resource.js';

export default defineRule({
  meta: {
    id: 'AUT011',
    title: 'AuthorizationPolicy matches hosts on workloads that are not gateways',
    severity: 'medium',
    category: 'authn-authz',
    scope: 'namespace',
    reads: postureReads(AP, ISTIO_GW, K8S_GW, ...WORKLOADS),
    docs: {
      summary:
        'An AuthorizationPolicy with `hosts` or `notHosts` applies to application workloads (sidecars or ambient pods), not only to ingress or egress gateways. Gateways are recognised by the pods an Istio `Gateway` selects, the labels Istio gives gateway deployments, or Gateway-API gateway pods.',
      why:
        "On a sidecar, the Host header is whatever the calling workload puts there: a compromised or malicious client in the mesh sends the host the policy expects and passes an ALLOW, or any other host and slips a DENY. Istio's guidance is to match hosts only at gateways, where the Host header decides routing, and to rely on identities (principals, namespaces) between workloads.",
      fix:
        'Move the host match to an AuthorizationPolicy on the gateway (selector on the gateway pods, or targetRefs to the Gateway). On the workloads, match `from.source.principals` or `namespaces`. If a host match must stay, pair it with a default-deny.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}\n---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  rules:\n  - to:\n    - operation: {hosts: [shop.example.com, "shop.example.com:*"]}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - {name: web, image: registry.example.com/shop/web:2.4.0}\n---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  rules:\n  - from:\n    - source: {principals: [cluster.local/ns/istio-system/sa/istio-ingressgateway]}',
      references: ['https://istio.io/latest/docs/ops/best-practices/security/#writing-host-match-policies'],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    // Only policies matching on hosts can be reported: kept per policy list (objectsWhere), so a Gateway
    // or workload changed does not read every policy's rules again.
    for (const r of objectsWhere(model.ofKind('security.istio.io', 'AuthorizationPolicy'), 'aut011-hosts', (x) => hostsField(x) !== undefined)) {
      const p = posture.policy(r);
      if (!p || p.problems.length) continue;
      const first = hostsField(r)!;
      const apps = targetPostures(posture, p).filter((wp) => !wp.gateway && wp.dataplane !== 'none' && attachmentOf(posture, wp, p)?.enforcedBy !== 'none');
      if (!apps.length) continue;
      const ws = apps.map((wp) => wp.workload);
      const n = workloadCount(ws);
      report({
        resource: r,
        path: first.path,
        message: `AuthorizationPolicy ${r.namespace}/${r.name} matches ${first.field} on ${plural(n, 'workload')} that ${n === 1 ? 'is not a gateway' : 'are not gateways'} (${workloadList(ws)}): between workloads the caller writes the Host header, so the match proves nothing about who is calling.`,
        evidence: workloadEvidence(ws, (w) => `${wname(w)} is an application workload`),
      });
    }
  },
});

/** The policy's first `hosts` or `notHosts` operation field, if any (from the object alone). */
function hostsField(r: Resource): ReturnType<typeof operationFields>[number] | undefined {
  return rulesOf(r)
    .flatMap((rv) => operationFields(rv))
    .find((f) => f.field === 'hosts' || f.field === 'notHosts');
}
