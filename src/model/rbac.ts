import type { MeshModel } from './model.js';
import { own } from './own.js';
import type { Resource } from './resource.js';
import { selectorMatches } from './selectors.js';
import { isObject } from './workloads.js';
import { OwnMemo } from './own-memo.js';

export interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames: string[];
}

/** One rule of a role, with the role object it was written in (aggregated rules keep their origin). */
export interface SourcedRule {
  rule: RbacRule;
  /** The Role / ClusterRole holding the rule; null for Kubernetes' built-in roles when not in the input. */
  from: Resource | null;
  fromName: string;
  index: number;
}

export interface Grant {
  /** `user:NAME`, `group:NAME` or `serviceaccount:NAMESPACE:NAME`. */
  subject: string;
  binding: Resource;
  /** Index of the subject in the binding's `subjects`. */
  subjectIndex: number;
  roleKind: 'Role' | 'ClusterRole';
  roleName: string;
  rule: SourcedRule;
  /** The namespace the grant is limited to; null for a ClusterRoleBinding (every namespace). */
  namespace: string | null;
}

export const WRITE_VERBS = ['create', 'update', 'patch'];

/**
 * Kubernetes' default user-facing roles, for bindings that reference them when the input does not
 * hold them. `admin`, `edit` and `view` aggregate every ClusterRole labelled
 * `rbac.authorization.k8s.io/aggregate-to-<name>: "true"`; their own rules are summarised here for
 * what meshward asks of them (secrets, pods, exec, tokens, RBAC).
 */
const BUILT_IN: Record<string, { rules: RbacRule[]; aggregateLabel?: string }> = {
  'cluster-admin': { rules: [rule(['*'], ['*'], ['*'])] },
  admin: {
    aggregateLabel: 'rbac.authorization.k8s.io/aggregate-to-admin',
    rules: [
      rule([''], ['pods', 'pods/exec', 'pods/attach', 'pods/portforward', 'secrets', 'services', 'configmaps', 'serviceaccounts', 'persistentvolumeclaims'], ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']),
      rule([''], ['serviceaccounts'], ['impersonate']),
      rule([''], ['serviceaccounts/token'], ['create']),
      rule(['apps', 'batch'], ['*'], ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']),
      rule(['rbac.authorization.k8s.io'], ['roles', 'rolebindings'], ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']),
    ],
  },
  edit: {
    aggregateLabel: 'rbac.authorization.k8s.io/aggregate-to-edit',
    rules: [
      rule([''], ['pods', 'pods/exec', 'pods/attach', 'pods/portforward', 'secrets', 'services', 'configmaps', 'serviceaccounts', 'persistentvolumeclaims'], ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']),
      rule([''], ['serviceaccounts'], ['impersonate']),
      rule([''], ['serviceaccounts/token'], ['create']),
      rule(['apps', 'batch'], ['*'], ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']),
    ],
  },
  view: {
    aggregateLabel: 'rbac.authorization.k8s.io/aggregate-to-view',
    rules: [rule(['', 'apps', 'batch'], ['pods', 'services', 'configmaps', 'deployments', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs'], ['get', 'list', 'watch'])],
  },
};

function rule(apiGroups: string[], resources: string[], verbs: string[]): RbacRule {
  return { apiGroups, resources, verbs, resourceNames: [] };
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Does a rule allow `verb` on `group`/`resource`? Wildcards in any field match everything. */
export function ruleAllows(r: RbacRule, verb: string, group: string, resource: string): boolean {
  return (
    (r.verbs.includes('*') || r.verbs.includes(verb)) &&
    (r.apiGroups.includes('*') || r.apiGroups.includes(group)) &&
    (r.resources.includes('*') || r.resources.includes(resource) || (resource.includes('/') && r.resources.includes(`${resource.split('/')[0]}/*`)))
  );
}

/**
 * Who may do what: every binding resolved to its role's rules, aggregation included. Built once
 * per model; queries walk grants (bindings × rules), never resources.
 */
export class RbacIndex {
  readonly grants: Grant[] = [];
  private readonly clusterRoles = new Map<string, Resource>();
  private readonly roles = new Map<string, Resource>();
  private readonly resolved = new Map<string, SourcedRule[]>();

  constructor(model: MeshModel) {
    for (const r of model.ofKind('rbac.authorization.k8s.io', 'ClusterRole')) this.clusterRoles.set(r.name, r);
    for (const r of model.ofKind('rbac.authorization.k8s.io', 'Role')) this.roles.set(`${r.namespace}/${r.name}`, r);
    for (const b of [...model.ofKind('rbac.authorization.k8s.io', 'RoleBinding'), ...model.ofKind('rbac.authorization.k8s.io', 'ClusterRoleBinding')]) {
      this.addBinding(b);
    }
  }

  /** The rules a ClusterRole carries, its aggregated roles' included (transitively). */
  clusterRoleRules(name: string, seen = new Set<string>()): SourcedRule[] {
    const cached = this.resolved.get(name);
    if (cached) return cached;
    if (seen.has(name)) return [];
    seen.add(name);
    const role = this.clusterRoles.get(name);
    const builtIn = own(BUILT_IN, name);
    const out: SourcedRule[] = [];
    if (role) out.push(...ownRules(role));
    else if (builtIn) builtIn.rules.forEach((r, index) => out.push({ rule: r, from: null, fromName: `ClusterRole ${name} (Kubernetes default)`, index }));
    const selectors: unknown[] = role && isObject(role.obj?.aggregationRule) && Array.isArray(role.obj.aggregationRule.clusterRoleSelectors)
      ? role.obj.aggregationRule.clusterRoleSelectors
      : !role && builtIn?.aggregateLabel
        ? [{ matchLabels: { [builtIn.aggregateLabel]: 'true' } }]
        : [];
    if (selectors.length) {
      for (const other of this.clusterRoles.values()) {
        if (other.name === name) continue;
        if (selectors.some((s) => isObject(s) && selectorMatches(s, other.labels))) out.push(...this.clusterRoleRules(other.name, seen));
      }
    }
    this.resolved.set(name, out);
    return out;
  }

  /** Grants that allow `verb` (any of `verbs`) on a group/resource. */
  allowing(verbs: string[], group: string, resource: string): Grant[] {
    return this.grants.filter((g) => verbs.some((v) => ruleAllows(g.rule.rule, v, group, resource)));
  }

  private addBinding(b: Resource): void {
    const roleRef = b.obj?.roleRef;
    if (!isObject(roleRef) || typeof roleRef.name !== 'string') return;
    const cluster = b.kind === 'ClusterRoleBinding';
    let rules: SourcedRule[];
    let roleKind: Grant['roleKind'];
    if (roleRef.kind === 'Role' && !cluster) {
      const role = this.roles.get(`${b.namespace}/${roleRef.name}`);
      rules = role ? ownRules(role) : [];
      roleKind = 'Role';
    } else if (roleRef.kind === 'ClusterRole') {
      rules = this.clusterRoleRules(roleRef.name);
      roleKind = 'ClusterRole';
    } else return;
    const subjects = Array.isArray(b.obj?.subjects) ? b.obj.subjects : [];
    subjects.forEach((s: unknown, subjectIndex: number) => {
      const subject = subjectName(s, b.namespace);
      if (!subject) return;
      for (const r of rules) {
        this.grants.push({ subject, binding: b, subjectIndex, roleKind, roleName: roleRef.name, rule: r, namespace: cluster ? null : b.namespace });
      }
    });
  }
}

function ownRules(role: Resource): SourcedRule[] {
  const rules = Array.isArray(role.obj?.rules) ? role.obj.rules : [];
  const out: SourcedRule[] = [];
  rules.forEach((r: unknown, index: number) => {
    if (!isObject(r)) return;
    out.push({
      rule: { apiGroups: strings(r.apiGroups), resources: strings(r.resources), verbs: strings(r.verbs), resourceNames: strings(r.resourceNames) },
      from: role,
      fromName: `${role.kind} ${role.namespace ? `${role.namespace}/` : ''}${role.name}`,
      index,
    });
  });
  return out;
}

/** `user:NAME`, `group:NAME`, `serviceaccount:NS:NAME` (a ServiceAccount without namespace is in the binding's). */
export function subjectName(s: unknown, bindingNs: string): string | null {
  if (!isObject(s) || typeof s.name !== 'string' || !s.name) return null;
  switch (s.kind) {
    case 'User':
      return `user:${s.name}`;
    case 'Group':
      return `group:${s.name}`;
    case 'ServiceAccount':
      return `serviceaccount:${typeof s.namespace === 'string' && s.namespace ? s.namespace : bindingNs || 'default'}:${s.name}`;
    default:
      return null;
  }
}

const cache = new OwnMemo<MeshModel, RbacIndex>('rbac');

export function rbacOf(model: MeshModel): RbacIndex {
  let idx = cache.get(model);
  if (!idx) {
    idx = new RbacIndex(model);
    cache.set(model, idx);
  }
  return idx;
}
