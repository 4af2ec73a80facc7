import type { Evidence, Finding, Severity } from './finding.js';
import { severityRank } from './finding.js';
import { fingerprint } from './fingerprint.js';
import type { Locator } from '../loader/locate.js';
import type { MeshModel } from '../model/model.js';
import { pathToString, refOf } from '../model/resource.js';
import type { ReportInput, Rule } from '../rules/types.js';
import type { RuleSettings } from '../config/settings.js';

export interface RunOptions {
  settings: RuleSettings;
  /** Resolves positions; without one, findings carry no location (model-only callers, e.g. the webhook). */
  locator?: Locator;
  /** Per-rule severity overrides from the config file. */
  severityOverrides?: Record<string, Severity>;
  /** Rules switched off in the config file. */
  disabled?: Set<string>;
}

export interface RuleFailure {
  ruleId: string;
  message: string;
}

/**
 * Runs every enabled rule over the model. A rule that throws is reported as an internal error and the
 * others still run: one broken rule must not hide every other finding.
 */
export function runRules(model: MeshModel, rules: readonly Rule[], opts: RunOptions): { findings: Finding[]; failures: RuleFailure[] } {
  const findings: Finding[] = [];
  const failures: RuleFailure[] = [];
  const seen = new Set<string>();
  for (const rule of rules) {
    if (opts.disabled?.has(rule.meta.id)) continue;
    const override = opts.severityOverrides?.[rule.meta.id];
    const report = (input: ReportInput) => {
      const f = toFinding(rule, input, opts.locator, override);
      if (seen.has(f.fingerprint)) return;
      seen.add(f.fingerprint);
      findings.push(f);
    };
    try {
      rule.check({ model, settings: opts.settings, report });
    } catch (err) {
      failures.push({ ruleId: rule.meta.id, message: (err as Error)?.stack ?? String(err) });
    }
  }
  findings.sort(compareFindings);
  return { findings, failures };
}

function toFinding(rule: Rule, input: ReportInput, locator: Locator | undefined, override: Severity | undefined): Finding {
  const r = input.resource;
  const path = pathToString(input.path ?? []);
  const evidence: Evidence[] = (input.evidence ?? []).map((e) => ({
    role: e.role,
    description: e.description,
    ...(e.resource ? { resource: refOf(e.resource), location: locator?.locate(e.resource, e.path ?? []) ?? null } : {}),
  }));
  return {
    ruleId: rule.meta.id,
    severity: override ?? input.severity ?? rule.meta.severity,
    title: rule.meta.title,
    message: input.message,
    resource: refOf(r),
    location: locator?.locate(r, input.path ?? []) ?? null,
    remediation: input.remediation ?? rule.meta.docs.fix,
    evidence,
    fingerprint: fingerprint({ ruleId: rule.meta.id, cluster: r.cluster, kind: r.kind, namespace: r.namespace, name: r.name, path, key: input.key }),
  };
}

/** Worst first, then by file and line, then by rule: stable output for diffs and snapshots. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    cmp(a.location?.file ?? '', b.location?.file ?? '') ||
    (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
    cmp(a.ruleId, b.ruleId) ||
    cmp(a.resource.namespace, b.resource.namespace) ||
    cmp(a.resource.name, b.resource.name) ||
    cmp(a.fingerprint, b.fingerprint)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
