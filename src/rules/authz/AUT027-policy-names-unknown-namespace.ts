import { defineRule, type ReportInput } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import type { MeshModel } from '../../model/model.js';
import { DEFAULT_SYSTEM_NAMESPACES } from '../../model/namespaces.js';
import { rulesOf, sourceFields } from '../../posture/rules.js';
import { pathToString, type Resource } from '../../model/resource.js';
import { objectsWhere } from '../objects-where.js';
import { quoteValue } from '../../engine/text.js';
import { AP, NAMESPACE } from './common.js';
import { policyBasics } from '../../posture/policies.js';
import type { Action } from '../../posture/types.js';

/** What a namespace that matches nobody does to a policy, by action and field. */
const EFFECT: Record<string, Record<string, { severity: Severity; text: string }>> = {
  DENY: {
    namespaces: { severity: 'high', text: 'the DENY matches no caller from it, so the namespace it was meant to block is let through (it fails open)' },
    notNamespaces: { severity: 'low', text: 'the exception matches nobody, so the DENY also refuses the callers it was meant to spare' },
  },
  CUSTOM: {
    namespaces: { severity: 'high', text: 'callers from the namespace meant are never sent to the external authorizer' },
    notNamespaces: { severity: 'low', text: 'the exception matches nobody, so every caller goes to the external authorizer' },
  },
  ALLOW: {
    namespaces: { severity: 'low', text: 'the ALLOW admits no caller from it, so the namespace meant is refused (an outage, not an opening)' },
    notNamespaces: { severity: 'medium', text: 'the exclusion matches nobody, so the namespace meant to be kept out is allowed' },
  },
  AUDIT: {
    namespaces: { severity: 'info', text: 'requests from the namespace meant are not audited' },
    notNamespaces: { severity: 'info', text: 'the exclusion matches nobody' },
  },
};

export default defineRule({
  meta: {
    id: 'AUT027',
    title: 'AuthorizationPolicy names a namespace that does not exist',
    severity: 'high',
    category: 'authn-authz',
    // A policy's action and whether Istio accepts it come from its object alone (policyBasics), not the
    // posture: a Service, workload or ServiceEntry changed elsewhere cannot change what this rule finds.
    reads: [AP, NAMESPACE],
    docs: {
      summary:
        "A `rules[].from[].source.namespaces` or `notNamespaces` value (exact, or a `prefix*` / `*suffix` pattern) matches no namespace of the input: no Namespace object, no object in it, not one of Kubernetes' or Istio's own namespaces. Judged only when the input holds Namespace objects (otherwise every namespace is unknown). High for `namespaces` in a DENY or CUSTOM policy (a typo fails open), medium for `notNamespaces` in an ALLOW (a typo lets the excluded namespace in), low when the typo only refuses more, info for AUDIT. A close existing name is suggested.",
      why:
        'Istio does not check that a namespace exists: a DENY on `namespaces: [untrusted-ns]` with a typo denies nobody, and the namespace it was written against keeps full access while the policy reads as a protection. Namespaces can also be created later by whoever may create namespaces, picking up whatever an old policy grants that name.',
      fix: 'Correct the name (`kubectl get ns`), or delete the entry if the namespace is gone. Prefer ALLOW policies listing the namespaces that may call, so that a typo refuses rather than admits.',
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: sandbox}\n---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: block-sandbox, namespace: payments}\nspec:\n  action: DENY\n  rules:\n  - from:\n    - source: {namespaces: [sandbx]}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: sandbox}\n---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: block-sandbox, namespace: payments}\nspec:\n  action: DENY\n  rules:\n  - from:\n    - source: {namespaces: [sandbox]}',
      references: ['https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source'],
    },
  },
  check({ model, report }) {
    if (!model.ofKind('', 'Namespace').length) return;
    // Made when a policy needs it: most runs (an admission review of a policy naming no namespace, a
    // change elsewhere) have none, and listing every namespace cost more than the rest of the rule.
    let known: ReadonlySet<string> | null = null;
    // Only policies whose sources name namespaces can be reported: those are kept per policy list
    // (objectsWhere), so a run after a change elsewhere walks a few policies, not every one.
    for (const r of objectsWhere(model.ofKind('security.istio.io', 'AuthorizationPolicy'), 'aut027-names-namespaces', namesNamespaces)) {
      const { action, problems } = policyBasics(r, 'AuthorizationPolicy');
      if (!problems.length) reportUnknown(r, action, (known ??= knownNamespaces(model)), report);
    }
  },
});

/** Whether a policy's rules name namespaces (or exclude some) in a source. */
function namesNamespaces(r: Resource): boolean {
  return rulesOf(r).some((rv) => sourceFields(rv).some((f) => Object.hasOwn(EFFECT.DENY, f.field) && f.values.length > 0));
}

/** Reports each namespace the sources of policy `r` (which Istio accepts) name or exclude that is not in `known`. */
function reportUnknown(r: Resource, action: Action, known: ReadonlySet<string>, report: (input: ReportInput) => void): void {
  const effects = EFFECT[action];
  if (!effects) return;
  for (const rv of rulesOf(r)) {
    for (const f of sourceFields(rv)) {
      const effect = Object.hasOwn(effects, f.field) ? effects[f.field] : undefined;
      if (!effect) continue;
      f.values.forEach((value, i) => {
        if (value.length > 253 || matchesSome(value, known)) return;
        const near = value.includes('*') ? null : closest(value, known);
        report({
          resource: r,
          path: [...f.path, i],
          key: `${pathToString(f.path)}:${i}`,
          severity: effect.severity,
          message: `${action} policy ${r.namespace}/${r.name} names namespace ${quoteValue(value, 80)} in ${f.field} (rules[${rv.index}]), which does not exist in the input${near ? ` (did you mean ${near}?)` : ''}: ${effect.text}.`,
        });
      });
    }
  }
}

/** Namespaces that exist: Namespace objects, namespaces holding objects, and the platform's own. */
function knownNamespaces(model: MeshModel): ReadonlySet<string> {
  const out = new Set<string>([...DEFAULT_SYSTEM_NAMESPACES, 'default', model.rootNamespace]);
  for (const n of model.namespaces()) out.add(n.name);
  return out;
}

/** Istio matches `namespaces` exactly, by `prefix*`, by `*suffix`, or `*` for any. */
function matchesSome(value: string, known: ReadonlySet<string>): boolean {
  if (value === '*') return true;
  // Exact names (nearly all of them) by lookup: thousands of policies times thousands of namespaces otherwise.
  if (value.endsWith('*')) {
    const prefix = value.slice(0, -1);
    for (const n of known) if (n.startsWith(prefix)) return true;
    return false;
  }
  if (value.startsWith('*')) {
    const suffix = value.slice(1);
    for (const n of known) if (n.endsWith(suffix)) return true;
    return false;
  }
  return known.has(value);
}

/** The known namespace within two edits of `value`, if exactly one is that close. */
function closest(value: string, known: ReadonlySet<string>): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const n of known) {
    if (Math.abs(n.length - value.length) >= bestD) continue;
    const d = editDistance(value, n, bestD);
    if (d < bestD) [best, bestD] = [n, d];
  }
  return best;
}

function editDistance(a: string, b: string, cap: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, cur[j]);
    }
    if (rowMin >= cap) return cap;
    prev = cur;
  }
  return prev[b.length];
}
