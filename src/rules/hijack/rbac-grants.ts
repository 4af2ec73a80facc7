/** What the RBAC rules (HJK013, HJK019) share: the kinds they read, and how a grant's role rule is shown. */
import type { EvidenceInput } from '../types.js';
import type { Grant } from '../../model/rbac.js';

export const RBAC_KINDS = ['rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/RoleBinding', 'rbac.authorization.k8s.io/ClusterRoleBinding'];

/** The role rule behind a grant, as evidence: where it is written and what it allows. */
export function roleRuleEvidence(g: Grant): EvidenceInput {
  const r = g.rule.rule;
  return {
    role: 'rbac-rule',
    description: `${g.rule.fromName} rules[${g.rule.index}]: verbs ${r.verbs.join(',')} on ${r.apiGroups.map((x) => x || 'core').join(',')} / ${r.resources.join(',')}${r.resourceNames.length ? ` named ${r.resourceNames.join(',')}` : ''}`,
    resource: g.rule.from ?? undefined,
    path: g.rule.from ? ['rules', g.rule.index] : undefined,
  };
}
