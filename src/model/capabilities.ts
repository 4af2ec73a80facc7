import type { MeshModel } from './model.js';
import { bindingReaches, grantOf, rbacOf, ruleAllows, type Grant, type SourcedRule } from './rbac.js';

/**
 * What a principal can do that matters for taking a cluster over. Each capability is a set of
 * (verbs, group, resource) checks over the principal's RBAC grants.
 */
export const CAPABILITIES = {
  'cluster-admin': { label: 'cluster-admin (every verb on every resource)', checks: [[['*'], '*', '*']] },
  'read-secrets': { label: 'reads Secrets', checks: [[['get', 'list', 'watch'], '', 'secrets']] },
  'create-pods': {
    label: 'creates pods (and so runs as any service account of the namespace, mounting its Secrets)',
    checks: [
      [['create'], '', 'pods'],
      [['create', 'patch', 'update'], 'apps', 'deployments'],
      [['create', 'patch', 'update'], 'apps', 'daemonsets'],
      [['create', 'patch', 'update'], 'apps', 'statefulsets'],
      [['create'], 'batch', 'jobs'],
      [['create'], 'batch', 'cronjobs'],
    ],
  },
  'exec-pods': { label: 'execs into pods', checks: [[['create', 'get'], '', 'pods/exec'], [['create', 'get'], '', 'pods/attach']] },
  'create-tokens': { label: 'mints service-account tokens', checks: [[['create'], '', 'serviceaccounts/token']] },
  impersonate: {
    label: 'impersonates users, groups or service accounts',
    checks: [[['impersonate'], '', 'users'], [['impersonate'], '', 'groups'], [['impersonate'], '', 'serviceaccounts']],
  },
  'bind-escalate': {
    label: 'grants itself more RBAC (bind / escalate)',
    checks: [
      [['bind', 'escalate'], 'rbac.authorization.k8s.io', 'clusterroles'],
      [['bind', 'escalate'], 'rbac.authorization.k8s.io', 'roles'],
    ],
  },
  'patch-webhooks': {
    label: 'changes admission webhooks (sees or rewrites every object created)',
    checks: [
      [['create', 'update', 'patch'], 'admissionregistration.k8s.io', 'mutatingwebhookconfigurations'],
      [['create', 'update', 'patch'], 'admissionregistration.k8s.io', 'validatingwebhookconfigurations'],
    ],
  },
  'write-mesh-config': {
    label: 'writes Istio mesh config',
    checks: [
      [['create', 'update', 'patch'], 'networking.istio.io', 'virtualservices'],
      [['create', 'update', 'patch'], 'networking.istio.io', 'envoyfilters'],
      [['create', 'update', 'patch'], 'security.istio.io', 'authorizationpolicies'],
      [['create', 'update', 'patch'], 'security.istio.io', 'peerauthentications'],
    ],
  },
} as const satisfies Record<string, { label: string; checks: ReadonlyArray<readonly [readonly string[], string, string]> }>;

export type Capability = keyof typeof CAPABILITIES;

export interface CapabilityGrant {
  capability: Capability;
  /** null: in every namespace (ClusterRoleBinding). */
  namespace: string | null;
  grant: Grant;
}

/**
 * Capabilities of every principal that has any, from the RBAC grants. A principal here is what
 * the grants name (`user:`, `group:`, `serviceaccount:`); callers add group memberships they know.
 */
export function capabilitiesOf(model: MeshModel): Map<string, CapabilityGrant[]> {
  const out = new Map<string, CapabilityGrant[]>();
  const entries = Object.entries(CAPABILITIES) as Array<[Capability, (typeof CAPABILITIES)[Capability]]>;
  // Per role (its bindings share its rule list) and kind of binding: each capability with the first of
  // the role's rules that gives it. Judged once whatever the number of bindings and subjects, and at
  // most one entry per capability for each subject of a binding.
  const judged = { cluster: new Map<readonly SourcedRule[], Map<Capability, SourcedRule>>(), namespace: new Map<readonly SourcedRule[], Map<Capability, SourcedRule>>() };
  const firstOf = (rules: readonly SourcedRule[], clusterWide: boolean): Map<Capability, SourcedRule> => {
    const memo = clusterWide ? judged.cluster : judged.namespace;
    let first = memo.get(rules);
    if (first) return first;
    first = new Map();
    for (const rule of rules) {
      for (const [cap, def] of entries) {
        if (!first.has(cap) && def.checks.some(([verbs, group, resource]) => bindingReaches(clusterWide, resource) && verbs.some((v) => ruleAllows(rule.rule, v, group, resource)))) first.set(cap, rule);
      }
    }
    memo.set(rules, first);
    return first;
  };
  for (const b of rbacOf(model).bound) {
    const first = firstOf(b.rules, b.namespace === null);
    if (!first.size) continue;
    for (const s of b.subjects) {
      let list = out.get(s.subject);
      if (!list) out.set(s.subject, (list = []));
      for (const [cap, rule] of first) list.push({ capability: cap, namespace: b.namespace, grant: grantOf(b, s, rule) });
    }
  }
  return out;
}

/**
 * The subjects a credential's principal acts as: itself plus the groups Kubernetes gives it
 * (`system:serviceaccounts`, `system:serviceaccounts:<ns>`, `system:authenticated`) and any known groups.
 */
export function subjectsFor(principal: string, groups: readonly string[] = []): string[] {
  const out = [principal, 'group:system:authenticated', ...groups.map((g) => `group:${g}`)];
  const sa = /^serviceaccount:([^:]+):/.exec(principal);
  if (sa) out.push('group:system:serviceaccounts', `group:system:serviceaccounts:${sa[1]}`);
  return out;
}

/** Can these subjects read Secrets in namespace `ns` (directly, or through a capability that leads there)? Returns the grant that does it. */
export function secretAccess(caps: Map<string, CapabilityGrant[]>, subjects: readonly string[], ns: string): CapabilityGrant | null {
  // Ordered from the most direct path to the most indirect one.
  const order: Capability[] = ['cluster-admin', 'read-secrets', 'create-pods', 'create-tokens', 'impersonate', 'bind-escalate', 'exec-pods'];
  for (const cap of order) {
    for (const s of subjects) {
      const hit = (caps.get(s) ?? []).find((c) => c.capability === cap && (c.namespace === null || c.namespace === ns));
      if (hit) return hit;
    }
  }
  return null;
}
