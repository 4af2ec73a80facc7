import type { Evidence, Finding, Location, Severity } from './finding.js';
import { severityRank } from './finding.js';
import { fingerprint } from './fingerprint.js';
import type { Locator } from '../loader/locate.js';
import type { MeshModel } from '../model/model.js';
import { pathToString, refOf, type PathSegment, type Resource, type ResourceRef } from '../model/resource.js';
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
 *
 * Locations are resolved after every rule has run, in document order: each document with findings is
 * re-parsed for positions once, and its syntax tree is dropped before the next, so memory does not
 * grow with the number of documents that have findings (rules visit documents in their own orders).
 */
export function runRules(model: MeshModel, rules: readonly Rule[], opts: RunOptions): { findings: Finding[]; failures: RuleFailure[] } {
  const findings: Finding[] = [];
  const failures: RuleFailure[] = [];
  const seen = new Set<string>();
  const pending: PendingLocation[] = [];
  const refs = new RefCache();
  const paths = new PathCache();
  for (const rule of rules) {
    if (opts.disabled?.has(rule.meta.id)) continue;
    const override = opts.severityOverrides?.[rule.meta.id];
    const report = (input: ReportInput) => {
      const located: PendingLocation[] = [];
      const f = toFinding(rule, input, override, refs, paths, located);
      if (seen.has(f.fingerprint)) return;
      seen.add(f.fingerprint);
      findings.push(f);
      if (opts.locator) for (const p of located) pending.push(p);
    };
    try {
      rule.check({ model, settings: opts.settings, report });
    } catch (err) {
      failures.push({ ruleId: rule.meta.id, message: (err as Error)?.stack ?? String(err) });
    }
  }
  if (opts.locator) resolveLocations(opts.locator, pending, paths);
  findings.sort(compareFindings);
  return { findings, failures };
}

/** A location to fill in once all rules have run: `holder.location` for (resource, path). */
interface PendingLocation {
  holder: { location?: Location | null };
  resource: Resource;
  path: readonly PathSegment[];
}

function resolveLocations(locator: Locator, pending: PendingLocation[], paths: PathCache): void {
  const order = (p: PendingLocation) => p.resource.source;
  pending.sort((a, b) => {
    const sa = order(a);
    const sb = order(b);
    if (!sa || !sb) return (sa ? 1 : 0) - (sb ? 1 : 0);
    return sa.fileIndex - sb.fileIndex || sa.docStart - sb.docStart;
  });
  for (const p of pending) {
    const loc = locator.locate(p.resource, p.path);
    if (loc) loc.path = paths.text(loc.path);
    p.holder.location = loc;
  }
  pending.length = 0;
}

/** Shared by every finding without evidence (most of them); never mutated. */
const NO_EVIDENCE: Evidence[] = [];

/**
 * The string, stored flat. Messages built with template literals are ropes in V8: a tree of a dozen
 * pieces and concatenation nodes, several times the size of the text, kept alive as long as the
 * finding. Converting to a number makes V8 flatten the string in place (the trick of the `flatstr`
 * package); the value is the same string.
 */
function flat(s: string): string {
  // eslint-disable-next-line @typescript-eslint/no-unused-expressions
  Number(s);
  return s;
}

/**
 * Field paths repeat across findings (a rule flags the same field of thousands of objects): each
 * distinct path, as text and as segments, is kept once and shared, instead of a copy per finding and
 * per location waiting to be resolved.
 */
class PathCache {
  private readonly texts = new Map<string, string>();
  private readonly segments = new Map<string, readonly PathSegment[]>();
  text(s: string): string {
    const known = this.texts.get(s);
    if (known !== undefined) return known;
    this.texts.set(s, s);
    return s;
  }
  /** The path's text and one shared copy of its segments. */
  of(path: readonly PathSegment[] | undefined): { text: string; segments: readonly PathSegment[] } {
    const text = this.text(pathToString(path ?? []));
    let segments = this.segments.get(text);
    if (!segments) this.segments.set(text, (segments = [...(path ?? [])]));
    return { text, segments };
  }
}

/** One ResourceRef per resource, shared by all its findings and evidence. */
class RefCache {
  private readonly refs = new Map<Resource, ResourceRef>();
  of(r: Resource): ResourceRef {
    let ref = this.refs.get(r);
    if (!ref) this.refs.set(r, (ref = refOf(r)));
    return ref;
  }
}

function toFinding(rule: Rule, input: ReportInput, override: Severity | undefined, refs: RefCache, paths: PathCache, pending: PendingLocation[]): Finding {
  const r = input.resource;
  const { text: path, segments } = paths.of(input.path);
  const fp = fingerprint({ ruleId: rule.meta.id, cluster: r.cluster, kind: r.kind, namespace: r.namespace, name: r.name, path, key: input.key });
  const evidence: Evidence[] = !input.evidence?.length ? NO_EVIDENCE : input.evidence.map((e) => {
    if (!e.resource) return { role: e.role, description: flat(e.description) };
    const ev: Evidence = { role: e.role, description: flat(e.description), resource: refs.of(e.resource), location: null };
    pending.push({ holder: ev, resource: e.resource, path: paths.of(e.path).segments });
    return ev;
  });
  const f: Finding = {
    ruleId: rule.meta.id,
    severity: override ?? input.severity ?? rule.meta.severity,
    title: rule.meta.title,
    message: flat(input.message),
    resource: refs.of(r),
    location: null,
    remediation: input.remediation ?? rule.meta.docs.fix,
    evidence,
    fingerprint: fp,
  };
  pending.push({ holder: f, resource: r, path: segments });
  return f;
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
