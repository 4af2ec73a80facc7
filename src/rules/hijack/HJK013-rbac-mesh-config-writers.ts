import { defineRule } from '../types.js';
import { rbacOf, ruleAllows, WRITE_VERBS, type RbacRule } from '../../model/rbac.js';
import { isObject } from '../../model/workloads.js';
import { MITIGATION } from './common.js';
import { RBAC_KINDS, reportEachSubject, RuleJudgements } from './rbac-grants.js';

/** Mesh-configuration objects tenants should not write: all of Istio's networking and security APIs, and the gateway objects of the Gateway API. */
const TARGETS: Array<{ group: string; resource: string }> = [
  ...['virtualservices', 'destinationrules', 'serviceentries', 'gateways', 'sidecars', 'envoyfilters', 'workloadentries', 'workloadgroups'].map((resource) => ({ group: 'networking.istio.io', resource })),
  ...['authorizationpolicies', 'peerauthentications', 'requestauthentications'].map((resource) => ({ group: 'security.istio.io', resource })),
  { group: 'extensions.istio.io', resource: 'wasmplugins' },
  ...['gateways', 'gatewayclasses'].map((resource) => ({ group: 'gateway.networking.k8s.io', resource })),
];

const AGGREGATE_LABELS = ['rbac.authorization.k8s.io/aggregate-to-admin', 'rbac.authorization.k8s.io/aggregate-to-edit'];

function writable(rule: RbacRule): string[] {
  return TARGETS.filter((t) => WRITE_VERBS.some((v) => ruleAllows(rule, v, t.group, t.resource))).map((t) => `${t.group}/${t.resource}`);
}

export default defineRule({
  meta: {
    id: 'HJK013',
    title: 'RBAC lets non-platform subjects write mesh configuration',
    severity: 'high',
    category: 'traffic-hijack',
    scope: 'namespace',
    reads: RBAC_KINDS,
    docs: {
      summary:
        'A RoleBinding or ClusterRoleBinding gives a user, group or service account that is not the platform the right to create, update or patch networking.istio.io, security.istio.io or extensions.istio.io objects, or Gateway API Gateways and GatewayClasses — directly, through wildcards, or through ClusterRole aggregation. Also reported: ClusterRoles that aggregate such rights into Kubernetes\' built-in `admin` or `edit` roles, which namespace owners usually hold.',
      why:
        "Istio routing and security config is mesh-scoped even though the objects are namespaced: the right to create one VirtualService in one namespace is the right to intercept any host in the mesh (ISTIO-SECURITY-2026-002), and AuthorizationPolicy / PeerAuthentication writers can switch off the protections of their workloads. Istio's own guidance is that only platform operators hold these rights.",
      fix: `Remove these verbs from tenant roles and offer tenants the Gateway API routes instead; if tenants must write Istio objects, enforce host ownership at admission. ${MITIGATION}`,
      bad: 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: istio-edit\n  labels: {rbac.authorization.k8s.io/aggregate-to-admin: "true"}\nrules:\n- apiGroups: [networking.istio.io]\n  resources: [virtualservices, destinationrules]\n  verbs: [get, list, watch, create, update, patch, delete]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: shop-developers-admin, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}\nsubjects:\n- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: shop-developers}',
      references: [
        'https://istio.io/latest/blog/2026/security-considerations-on-namespace-based-multi-tenancy/',
        'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#aggregated-clusterroles',
      ],
    },
  },
  check({ model, report }) {
    const judgements = new RuleJudgements((rule) => writable(rule.rule));
    for (const b of rbacOf(model).bound) {
      // Judged once per role, whatever the number of its bindings and their subjects.
      const { gives: rights, evidence } = judgements.of(b.rules);
      if (!evidence.length) continue;
      const scope = b.namespace === null ? 'in every namespace' : `in namespace ${b.namespace}`;
      const list = [...rights];
      const what = list.length > 4 ? `${list.slice(0, 4).join(', ')} and ${list.length - 4} more` : list.join(', ');
      reportEachSubject({ model, report }, b, evidence, (subject, binding) => ({
        message: `${binding} lets ${subject} write ${what} ${scope} (through ${b.roleKind} ${b.roleName}); mesh config written in one namespace can redirect traffic of the whole mesh.`,
      }));
    }
    for (const role of model.ofKind('rbac.authorization.k8s.io', 'ClusterRole')) {
      const into = AGGREGATE_LABELS.filter((l) => role.labels[l] === 'true');
      if (!into.length) continue;
      const rules = Array.isArray(role.obj?.rules) ? role.obj.rules : [];
      rules.forEach((r: unknown, index: number) => {
        if (!isObject(r)) return;
        const rights = writable({
          apiGroups: Array.isArray(r.apiGroups) ? r.apiGroups.map(String) : [],
          resources: Array.isArray(r.resources) ? r.resources.map(String) : [],
          verbs: Array.isArray(r.verbs) ? r.verbs.map(String) : [],
          resourceNames: [],
        });
        if (!rights.length) return;
        const roles = into.map((l) => l.split('aggregate-to-')[1]).join(' and ');
        report({
          resource: role,
          path: ['rules', index],
          key: `aggregate:${index}`,
          severity: 'medium',
          message: `ClusterRole ${role.name} aggregates write access to ${rights.slice(0, 4).join(', ')}${rights.length > 4 ? ` and ${rights.length - 4} more` : ''} into the built-in ${roles} role${into.length > 1 ? 's' : ''}: every namespace ${roles} can then write mesh config.`,
        });
      });
    }
  },
});
