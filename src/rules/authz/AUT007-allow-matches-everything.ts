import { defineRule } from '../types.js';
import { computePosture, type PolicyInfo, type MeshPosture } from '../../posture/index.js';
import { matchesEverything, rulesOf } from '../../posture/rules.js';
import { plural } from '../../posture/util.js';
import { AP, WORKLOADS, targetPostures, wname, workloadCount, workloadEvidence, workloadList } from './common.js';
import { postureReads } from '../../posture/reads.js';

export default defineRule({
  meta: {
    id: 'AUT007',
    title: 'ALLOW AuthorizationPolicy has a rule that matches every request',
    severity: 'high',
    category: 'authn-authz',
    scope: 'namespace',
    reads: postureReads(AP, ...WORKLOADS),
    docs: {
      summary:
        'An ALLOW AuthorizationPolicy has a rule with no `from`, `to` or `when` (`rules: [{}]`): it allows every request, from any source, to every workload the policy applies to. High when it cancels a default-deny (an allow-nothing policy covers some of those workloads), medium otherwise.',
      why:
        'An ALLOW rule that matches everything turns the policy into allow-all. Put next to a default-deny (or in the root namespace, mesh-wide) it silently undoes it for every workload it reaches: any pod in the mesh, and over PERMISSIVE mTLS any pod in the cluster, can call them. It is often left over from debugging (`rules: [{}]` looks harmless) or written when `spec: {}` (allow-nothing) was meant.',
      fix:
        'Replace the empty rule with positive matches for the callers and operations the workload needs (`from.source.principals`, `to.operation.methods` / `paths`), or delete the policy. If the intent was deny-all, use `spec: {}` with no rules.',
      bad: 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: allow-all, namespace: shop}\nspec:\n  action: ALLOW\n  rules:\n  - {}',
      good: 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  action: ALLOW\n  rules:\n  - from:\n    - source: {principals: [cluster.local/ns/istio-system/sa/istio-ingressgateway]}\n    to:\n    - operation: {methods: [GET]}',
      references: [
        'https://istio.io/latest/docs/reference/config/security/authorization-policy/',
        'https://istio.io/latest/docs/ops/best-practices/security/#use-default-deny-patterns',
      ],
    },
  },
  check({ model, report }) {
    const posture = computePosture(model);
    for (const p of posture.authorizationPolicies) {
      if (p.action !== 'ALLOW' || p.problems.length) continue;
      for (const rv of rulesOf(p.resource)) {
        if (!matchesEverything(rv)) continue;
        const cancelled = cancelledDenies(posture, p);
        const r = p.resource;
        const scope = scopeText(p);
        const tail = cancelled.workloads.length
          ? `, cancelling the default-deny (${cancelled.policies.join(', ')}) of ${plural(workloadCount(cancelled.workloads), 'workload')} (${workloadList(cancelled.workloads)})`
          : cancelled.policies.length
            ? `, cancelling the default-deny ${cancelled.policies.join(', ')}`
            : '';
        report({
          resource: r,
          path: rv.path,
          key: String(rv.index),
          severity: cancelled.policies.length ? 'high' : 'medium',
          message: `AuthorizationPolicy ${r.namespace}/${r.name} has an ALLOW rule with no from, to or when (rules[${rv.index}]): it allows every request, from any source, to ${scope}${tail}.`,
          evidence: workloadEvidence(cancelled.workloads.length ? cancelled.workloads : p.targets, (w) => `${wname(w)} is open to every caller`),
        });
      }
    }
  },
});

function scopeText(p: PolicyInfo): string {
  switch (p.scope) {
    case 'mesh':
      return 'every workload in the mesh';
    case 'namespace':
      return `every workload in namespace ${p.resource.namespace}`;
    default:
      if (p.targets.length === 1) return `the workload it selects (${p.targets[0].resource.kind} ${p.targets[0].namespace}/${p.targets[0].resource.name})`;
      return p.targets.length ? `the ${plural(workloadCount(p.targets), 'workload')} it selects` : 'the workloads it selects';
  }
}

/** Default-deny policies this allow-all punches through, and the workloads where it does. */
function cancelledDenies(posture: MeshPosture, p: PolicyInfo) {
  const policies = new Set<string>();
  const workloads = [];
  for (const wp of targetPostures(posture, p)) {
    const dd = posture.defaultDeny(wp);
    if (!dd) continue;
    policies.add(`${dd.policy.resource.namespace}/${dd.policy.resource.name}`);
    workloads.push(wp.workload);
  }
  if (!p.targets.length && p.scope !== 'targetRefs') {
    const dd = posture.namespaceDefaultDeny(p.resource.namespace);
    if (dd) policies.add(`${dd.resource.namespace}/${dd.resource.name}`);
  }
  return { policies: [...policies], workloads };
}
