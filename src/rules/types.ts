import type { Severity } from '../engine/finding.js';
import type { MeshModel } from '../model/model.js';
import type { PathSegment, Resource } from '../model/resource.js';
import type { RuleSettings } from '../config/settings.js';
import type { TrafficFacts } from '../insights/types.js';

export type Category =
  | 'sidecar-bypass'
  | 'egress'
  | 'traffic-hijack'
  | 'authn-authz'
  | 'multicluster'
  | 'advisories'
  | 'telemetry'
  | 'federation'
  /** Rules a team writes itself (declarative rule files, plugins): docs/custom-rules.md. */
  | 'custom';

export const CATEGORY_TITLES: Record<Category, string> = {
  'sidecar-bypass': 'Sidecar bypass and impersonation',
  egress: 'Egress',
  'traffic-hijack': 'Traffic hijack in multi-tenant meshes',
  'authn-authz': 'Authentication and authorization',
  multicluster: 'Kubeconfigs, remote secrets and multi-cluster',
  advisories: 'Versions and advisories',
  telemetry: 'Traffic seen in telemetry',
  federation: 'Multi-mesh federation',
  custom: 'Custom rules (your own)',
};

/** What a rule is, separate from how it checks: docs, SARIF and `meshward rules` are generated from this. */
export interface RuleMeta {
  /** Stable ID: category prefix + number. IDs are an API and are never renumbered or reused. */
  id: string;
  title: string;
  /** Default severity; a rule may report a finding at another severity when the case is graded. */
  severity: Severity;
  category: Category;
  /** Kinds the rule reads (`Kind` or `group/Kind`), for incremental runs and for the docs. */
  reads: string[];
  /**
   * `namespace`: the rule's findings on an object of a tenant namespace depend only on that
   * namespace's objects, the system namespaces' and cluster-scoped ones, and no tenant namespace's
   * objects reach findings elsewhere. A change in one tenant namespace then re-runs the rule over that
   * namespace alone (src/engine/scope.ts, which says how the promise is tested). Absent: the rule may
   * relate objects across namespaces, and runs over the whole model.
   */
  scope?: 'namespace';
  /**
   * Whether the rule reads more of a Namespace object than what every rule sees of a namespace through
   * the model (its data-plane mode, injection and waypoint labels: NAMESPACE_FACT_LABELS in
   * src/model/namespaces.ts): its other labels, its annotations, the list of Namespace objects. A
   * Namespace update that changes only such content re-runs only the rules for which this is true.
   * Absent: true when `reads` names Namespace. `false` on a rule that lists Namespace for the facts
   * alone (the posture's rules); src/rules/reads-recorded.test.ts records every read and holds both.
   */
  namespaceContent?: boolean;
  docs: {
    /** What is wrong, in one or two sentences. */
    summary: string;
    /** Why it matters: what an attacker does with it. */
    why: string;
    /** How to fix it. */
    fix: string;
    /** A short example of a manifest that triggers the rule. */
    bad?: string;
    /** The same manifest fixed. */
    good?: string;
    references?: string[];
  };
}

export interface EvidenceInput {
  role: string;
  description: string;
  resource?: Resource;
  path?: PathSegment[];
}

export interface ReportInput {
  resource: Resource;
  /** Field path inside the object that is at fault. */
  path?: PathSegment[];
  message: string;
  /** Overrides the rule's default severity for graded cases. */
  severity?: Severity;
  remediation?: string;
  evidence?: EvidenceInput[];
  /**
   * Distinguishes several findings of one rule on one field (e.g. two containers share a path
   * prefix); it feeds the fingerprint, so keep it stable across runs.
   */
  key?: string;
}

export interface RuleContext {
  readonly model: MeshModel;
  readonly settings: RuleSettings;
  /**
   * What Istio's metrics say the mesh did (src/insights), when the run was given a metrics file or a
   * Prometheus; undefined otherwise. Rules that need it (INS) do nothing without it.
   */
  readonly telemetry?: TrafficFacts;
  report(input: ReportInput): void;
  /**
   * `compute()`, remembered for tenant namespace `ns` across the incremental engine's runs
   * (src/engine/scope.ts): the engine forgets a namespace's values when a change confined to tenant
   * namespaces reaches it, and every value on any other change (a system namespace's or
   * cluster-scoped object, a rebuild, traffic facts). So `compute` must read only `ns`'s objects and
   * what the whole mesh shares (system namespaces, cluster-scoped objects), never another tenant
   * namespace's; and return plain data (objects, names), not the model or posture it read, which the
   * value would keep alive. `key` tells apart several values of one rule. Outside the incremental
   * engine it only computes.
   */
  perNamespace<T>(ns: string, key: string, compute: () => T): T;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): void;
}

/** Identity helper that type-checks a rule module. */
export function defineRule(rule: Rule): Rule {
  return rule;
}
