/** What the RBAC rules (HJK013, HJK019) share: the kinds they read, and how a grant's role rule is shown. */
import type { EvidenceInput, ReportInput, RuleContext } from '../types.js';
import type { BoundRole, SourcedRule } from '../../model/rbac.js';

export const RBAC_KINDS = ['rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/RoleBinding', 'rbac.authorization.k8s.io/ClusterRoleBinding'];

/** A role's rule as evidence: where it is written and what it allows. */
export function roleRuleEvidence(rule: SourcedRule): EvidenceInput {
  const r = rule.rule;
  return {
    role: 'rbac-rule',
    description: `${rule.fromName} rules[${rule.index}]: verbs ${r.verbs.join(',')} on ${r.apiGroups.map((x) => x || 'core').join(',')} / ${r.resources.join(',')}${r.resourceNames.length ? ` named ${r.resourceNames.join(',')}` : ''}`,
    resource: rule.from ?? undefined,
    path: rule.from ? ['rules', rule.index] : undefined,
  };
}

/** Rules named as evidence of one finding; the rest are counted. Each subject of a binding gets the list. */
export const MAX_RULE_EVIDENCE = 5;

/**
 * What the rules of bound roles give, judged once per rule and once per rule list: the bindings of one
 * role share its list (src/model/rbac.ts), so thousands of bindings, subjects or aggregated roles cost
 * one judgement each, not their product. `judge` says what one rule gives (nothing: empty).
 */
export class RuleJudgements<T> {
  private readonly perRule = new Map<SourcedRule, readonly T[]>();
  private readonly perList = new Map<readonly SourcedRule[], { gives: ReadonlySet<T>; evidence: EvidenceInput[] }>();

  constructor(private readonly judge: (rule: SourcedRule) => readonly T[]) {}

  /**
   * What a role's rules give together, and the rules that give it as evidence: each rule once (a role
   * aggregated twice lists its rules twice), the first MAX_RULE_EVIDENCE named and the rest counted in
   * one more entry. Empty evidence when no rule gives anything.
   */
  of(rules: readonly SourcedRule[]): { gives: ReadonlySet<T>; evidence: EvidenceInput[] } {
    let out = this.perList.get(rules);
    if (out) return out;
    const gives = new Set<T>();
    const evidence: EvidenceInput[] = [];
    const seen = new Set<string>();
    let more = 0;
    for (const rule of rules) {
      let some = this.perRule.get(rule);
      if (!some) this.perRule.set(rule, (some = this.judge(rule)));
      const key = `${rule.fromName}#${rule.index}`;
      if (!some.length || seen.has(key)) continue;
      seen.add(key);
      for (const x of some) gives.add(x);
      if (evidence.length < MAX_RULE_EVIDENCE) evidence.push(roleRuleEvidence(rule));
      else more++;
    }
    if (more) evidence.push({ role: 'rbac-rule', description: `and ${more} more rule${more === 1 ? '' : 's'} of the same role${rules.some((r) => r.fromName !== rules[0].fromName) ? 's' : ''}` });
    this.perList.set(rules, (out = { gives, evidence }));
    return out;
  }
}

/**
 * One finding per subject of a binding that is not the platform, on its entry in `subjects`, all with
 * the same evidence; `say` gives the message (and grade) from the subject and the binding's name.
 */
export function reportEachSubject(
  { model, report }: Pick<RuleContext, 'model' | 'report'>,
  b: BoundRole,
  evidence: EvidenceInput[],
  say: (subject: string, binding: string) => Pick<ReportInput, 'message' | 'severity'>,
): void {
  const binding = `${b.binding.kind} ${b.binding.namespace ? `${b.binding.namespace}/` : ''}${b.binding.name}`;
  for (const s of b.subjects) {
    if (model.tenancy.isPlatformSubject(s.subject)) continue;
    report({ resource: b.binding, path: ['subjects', s.index], key: s.subject, evidence, ...say(s.subject, binding) });
  }
}
