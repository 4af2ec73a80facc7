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

/**
 * A binding with its role's rules and its subjects, kept apart: a binding of n subjects to a role of m
 * rules is n + m entries here, not n × m (a 300 KB manifest of 4,000 subjects and 4,000 rules made 16
 * million grants, 1.8 GB and 39 s before). Readers judge each rule once per binding, then name the
 * subjects.
 */
export interface BoundRole {
  binding: Resource;
  roleKind: 'Role' | 'ClusterRole';
  roleName: string;
  rules: readonly SourcedRule[];
  /** The subjects the binding names: `user:NAME`, `group:NAME` or `serviceaccount:NAMESPACE:NAME`, with their index in `subjects`. */
  subjects: ReadonlyArray<{ subject: string; index: number }>;
  /** The namespace the grant is limited to; null for a ClusterRoleBinding (every namespace). */
  namespace: string | null;
}

/** One subject's right through one rule of a bound role. */
export interface Grant {
  subject: string;
  binding: Resource;
  /** Index of the subject in the binding's `subjects`. */
  subjectIndex: number;
  roleKind: 'Role' | 'ClusterRole';
  roleName: string;
  rule: SourcedRule;
  namespace: string | null;
}

/** The grant of one subject of a bound role through one of its rules. */
export function grantOf(b: BoundRole, s: { subject: string; index: number }, rule: SourcedRule): Grant {
  return { subject: s.subject, binding: b.binding, subjectIndex: s.index, roleKind: b.roleKind, roleName: b.roleName, rule, namespace: b.namespace };
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

/**
 * The cluster-scoped resources meshward asks about. Only a ClusterRoleBinding grants rights on them: a
 * RoleBinding grants its role's rules inside its own namespace only, whatever they name.
 */
const CLUSTER_SCOPED = new Set(['mutatingwebhookconfigurations', 'validatingwebhookconfigurations', 'users', 'groups']);

/**
 * Whether a binding (cluster-wide: a ClusterRoleBinding) can grant rights on `resource`: a RoleBinding
 * reaches no cluster-scoped resource, and its role's `*` is one namespace's resources, not all of them.
 */
export function bindingReaches(clusterWide: boolean, resource: string): boolean {
  return clusterWide || (resource !== '*' && !CLUSTER_SCOPED.has(resource));
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
 * per model; queries walk bindings and their roles' rules, never resources.
 */
export class RbacIndex {
  readonly bound: BoundRole[] = [];
  private readonly clusterRoles = new Map<string, Resource>();
  private readonly roles = new Map<string, Resource>();
  private readonly resolved = new Map<string, readonly SourcedRule[]>();
  private readonly own = new Map<string, readonly SourcedRule[]>();
  private readonly roleRules = new Map<string, readonly SourcedRule[]>();
  private readonly children = new Map<string, readonly string[]>();

  constructor(model: MeshModel) {
    for (const r of model.ofKind('rbac.authorization.k8s.io', 'ClusterRole')) this.clusterRoles.set(r.name, r);
    for (const r of model.ofKind('rbac.authorization.k8s.io', 'Role')) this.roles.set(`${r.namespace}/${r.name}`, r);
    for (const b of [...model.ofKind('rbac.authorization.k8s.io', 'RoleBinding'), ...model.ofKind('rbac.authorization.k8s.io', 'ClusterRoleBinding')]) {
      this.addBinding(b);
    }
  }

  /** The rules a ClusterRole carries, its aggregated roles' included (transitively), each rule once. */
  clusterRoleRules(name: string): readonly SourcedRule[] {
    if (!this.resolved.has(name)) this.resolveFrom(name);
    return this.resolved.get(name) ?? [];
  }

  /** A ClusterRole's own rules (or the summary of a built-in one), made once so closures can share them. */
  private ownOf(name: string): readonly SourcedRule[] {
    let rules = this.own.get(name);
    if (!rules) {
      const role = this.clusterRoles.get(name);
      const builtIn = own(BUILT_IN, name);
      rules = role ? ownRules(role) : builtIn ? builtIn.rules.map((r, index) => ({ rule: r, from: null, fromName: `ClusterRole ${name} (Kubernetes default)`, index })) : [];
      this.own.set(name, rules);
    }
    return rules;
  }

  /** The ClusterRoles a ClusterRole's aggregation rule selects (a built-in one absent from the input: its label's). */
  private aggregates(name: string): readonly string[] {
    let names = this.children.get(name);
    if (!names) {
      const role = this.clusterRoles.get(name);
      const builtIn = own(BUILT_IN, name);
      const selectors: unknown[] = role && isObject(role.obj?.aggregationRule) && Array.isArray(role.obj.aggregationRule.clusterRoleSelectors)
        ? role.obj.aggregationRule.clusterRoleSelectors
        : !role && builtIn?.aggregateLabel
          ? [{ matchLabels: { [builtIn.aggregateLabel]: 'true' } }]
          : [];
      const found: string[] = [];
      if (selectors.length) {
        for (const other of this.clusterRoles.values()) {
          if (other.name !== name && selectors.some((s) => isObject(s) && selectorMatches(s, other.labels))) found.push(other.name);
        }
      }
      this.children.set(name, (names = found));
    }
    return names;
  }

  /**
   * Resolves every ClusterRole reachable by aggregation from `start`: Tarjan's strongly connected
   * components, iterative (a chain of thousands of aggregating roles must not overflow the stack), so
   * each role's closure is made once from its children's, and the roles of a cycle share theirs.
   */
  private resolveFrom(start: string): void {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const frames: Array<{ name: string; children: readonly string[]; next: number }> = [];
    const enter = (name: string) => {
      index.set(name, index.size);
      low.set(name, index.get(name)!);
      stack.push(name);
      onStack.add(name);
      frames.push({ name, children: this.aggregates(name), next: 0 });
    };
    enter(start);
    while (frames.length) {
      const f = frames[frames.length - 1];
      if (f.next < f.children.length) {
        const c = f.children[f.next++];
        if (this.resolved.has(c)) continue;
        if (!index.has(c)) enter(c);
        else if (onStack.has(c)) low.set(f.name, Math.min(low.get(f.name)!, index.get(c)!));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.name, Math.min(low.get(parent.name)!, low.get(f.name)!));
      if (low.get(f.name) !== index.get(f.name)) continue;
      const members: string[] = [];
      for (let m = ''; m !== f.name; ) {
        m = stack.pop()!;
        onStack.delete(m);
        members.push(m);
      }
      // Own rules first, then what the aggregated roles carry, in the input's order; each rule once.
      members.reverse();
      const inCycle = new Set(members);
      const rules = new Set<SourcedRule>();
      for (const m of members) for (const r of this.ownOf(m)) rules.add(r);
      for (const m of members) for (const c of this.aggregates(m)) if (!inCycle.has(c)) for (const r of this.resolved.get(c) ?? []) rules.add(r);
      const list = [...rules];
      for (const m of members) this.resolved.set(m, list);
    }
  }

  private addBinding(b: Resource): void {
    const roleRef = b.obj?.roleRef;
    if (!isObject(roleRef) || typeof roleRef.name !== 'string') return;
    const cluster = b.kind === 'ClusterRoleBinding';
    let rules: readonly SourcedRule[];
    let roleKind: Grant['roleKind'];
    if (roleRef.kind === 'Role' && !cluster) {
      const key = `${b.namespace}/${roleRef.name}`;
      const role = this.roles.get(key);
      // Made once per Role: its bindings share the list.
      rules = this.roleRules.get(key) ?? (role ? ownRules(role) : []);
      this.roleRules.set(key, rules);
      roleKind = 'Role';
    } else if (roleRef.kind === 'ClusterRole') {
      rules = this.clusterRoleRules(roleRef.name);
      roleKind = 'ClusterRole';
    } else return;
    const subjects: Array<{ subject: string; index: number }> = [];
    (Array.isArray(b.obj?.subjects) ? b.obj.subjects : []).forEach((s: unknown, index: number) => {
      const subject = subjectName(s, b.namespace);
      if (subject) subjects.push({ subject, index });
    });
    if (subjects.length && rules.length) this.bound.push({ binding: b, roleKind, roleName: roleRef.name, rules, subjects, namespace: cluster ? null : b.namespace });
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
