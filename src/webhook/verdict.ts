/**
 * From a review to a verdict: which requests are judged at all (kind, exemptions, the namespace's
 * `meshward.io/admission` label, the cache's sync), the decision (decideIntroduced), and how its
 * findings become a denial, warnings or audit annotations by mode and `--deny-on`.
 *
 * Everything a verdict says is read by a person through kubectl or an audit log: rule messages name
 * objects and hosts from untrusted input, so every string is escaped for a terminal here, once.
 */
import { severityRank, type Finding } from '../engine/finding.js';
import type { RuleFailure } from '../engine/run.js';
import { terminalSafe } from '../engine/text.js';
import { findRule } from '../rules/index.js';
import type { Decision } from './decide.js';
import { ADMISSION_MODE_LABEL, type AdmissionRequest, type DecisionState, type DenyOn, type NamespaceMode, type Unsynced, type Verdict, type WebhookMode } from './types.js';

/** Why a verdict came out as it did; a metrics label and a log field (a small, fixed set). */
export type Outcome =
  | 'allowed' // judged, nothing introduced
  | 'denied' // judged, denied (enforce)
  | 'warned' // judged, allowed with warnings or audit annotations
  | 'exempt' // an exempt namespace or a platform subject with nothing to say
  | 'off' // the namespace's label turned the webhook off
  | 'unknown-kind' // a kind no admission rule reads
  | 'unsynced' // the cache has not synced: per --unsynced
  | 'over-budget' // the decision took longer than its budget: allowed with a warning
  | 'error'; // the decision failed (a rule or the decision threw): allowed with a warning

export interface JudgeOptions {
  mode: WebhookMode;
  denyOn: DenyOn;
  unsynced: Unsynced;
  /** Namespaces never judged: the webhook's own, kube-system, the Istio root namespace, extras. */
  exempt: ReadonlySet<string>;
  /** Kinds judged, as `group/Kind` ('' group for core); anything else is allowed untouched. */
  kinds: ReadonlySet<string>;
  /**
   * Milliseconds from the review's arrival within which its decision must start. A review that waited
   * past it (queued behind others) is answered per `overBudget` without a decision; a decision that
   * started in time is answered as decided, however long it took.
   */
  budgetMs: number;
  /**
   * The answer, in enforce mode, to a review that could not be checked in time: 'deny' (default; as the
   * generated failurePolicy Fail does when no answer comes) or 'allow' with a warning. Warn and audit
   * modes always allow.
   */
  overBudget?: Unsynced;
}

export interface JudgeDeps {
  state: DecisionState;
  /** The current labels of a namespace (from the cache), or null when it is not there. */
  namespaceLabels: (ns: string) => Record<string, string> | null;
  /** Whether the request's user is a platform subject of the tenant policy (judged, never denied). */
  isPlatformUser: (user: AdmissionRequest['userInfo']) => boolean;
  decide: (req: AdmissionRequest, state: DecisionState) => Decision;
  /** Milliseconds since the review arrived (a clock, so tests can move it). */
  elapsedMs: () => number;
}

export interface Judgement {
  verdict: Verdict;
  outcome: Outcome;
  /** The mode the request was judged under (after the namespace label). */
  mode: NamespaceMode;
  /** Rules that threw (the verdict's warnings name them; the log and the metrics count them). */
  failures: RuleFailure[];
  /** Rules whose findings made the denial. */
  denyingRules: string[];
  /** The decision finished past the budget (answered as decided; counted and logged as late). */
  late?: boolean;
}

/** Kubernetes truncates warnings past 256 characters and drops them past 4096 in all. */
const MAX_WARNING = 250;
const MAX_WARNINGS_TOTAL = 4000;
/** Findings spelt out in a denial; the rest are counted. kubectl prints the whole message. */
const DENIAL_DETAILS = 5;
const MAX_MESSAGE = 600;

const MODES: ReadonlySet<string> = new Set(['enforce', 'warn', 'audit', 'off']);

export function kindId(req: Pick<AdmissionRequest, 'kind'>): string {
  return `${req.kind.group}/${req.kind.kind}`;
}

/**
 * The mode a namespace's label asks for, or null (no label, or a value that is not a mode: the global
 * mode then applies, so a typo never switches the webhook off).
 */
export function labelMode(labels: Record<string, string> | null): NamespaceMode | null {
  const v = labels && Object.hasOwn(labels, ADMISSION_MODE_LABEL) ? labels[ADMISSION_MODE_LABEL] : undefined;
  return v !== undefined && MODES.has(v) ? (v as NamespaceMode) : null;
}

function allow(outcome: Outcome, mode: NamespaceMode, warnings: string[] = [], extra: Partial<Judgement> = {}): Judgement {
  return { verdict: { allowed: true, warnings, auditAnnotations: {}, introduced: [] }, outcome, mode, failures: [], denyingRules: [], ...extra };
}

function describeRequest(req: AdmissionRequest): string {
  const name = req.name || '(generated name)';
  return terminalSafe(`${req.kind.kind} ${req.namespace ? `${req.namespace}/${name}` : name}`);
}

export function judge(req: AdmissionRequest, opts: JudgeOptions, deps: JudgeDeps): Judgement {
  if (!opts.kinds.has(kindId(req)) || req.operation === 'CONNECT') return allow('unknown-kind', opts.mode);
  const isNamespace = req.kind.group === '' && req.kind.kind === 'Namespace';
  const ns = isNamespace ? req.name : req.namespace;
  if (ns && opts.exempt.has(ns)) return allow('exempt', opts.mode);
  // The label as the cluster has it now, never as the incoming object sets it: a Namespace update that
  // labels itself `off` is judged under the mode it had.
  const mode: NamespaceMode = (ns ? labelMode(deps.namespaceLabels(ns)) : null) ?? opts.mode;
  if (mode === 'off') return allow('off', mode);
  if (!deps.state.synced) {
    const says = `meshward: the cluster cache has not synced yet, so ${describeRequest(req)} was not checked`;
    if (opts.unsynced === 'deny' && mode === 'enforce') {
      return { ...allow('unsynced', mode), verdict: { allowed: false, status: { code: 503, message: `${says}; retry in a few seconds (the webhook runs with --unsynced deny)` }, warnings: [], auditAnnotations: { verdict: 'unsynced' }, introduced: [] } };
    }
    return { ...allow('unsynced', mode), verdict: { allowed: true, warnings: mode === 'audit' ? [] : [says], auditAnnotations: { verdict: 'unsynced' }, introduced: [] } };
  }
  if (deps.elapsedMs() > opts.budgetMs) return overBudget(req, mode, opts.overBudget ?? 'deny');
  let decision: Decision;
  try {
    decision = deps.decide(req, deps.state);
  } catch (err) {
    const w = `meshward: the decision on ${describeRequest(req)} failed, so it was allowed unchecked; the webhook's log has the error`;
    return allow('error', mode, mode === 'audit' ? [] : [w], { failures: [{ ruleId: '(decision)', message: (err as Error)?.stack ?? String(err) }] });
  }
  // A finished decision is answered as decided, however late: replacing a denial by "allowed unchecked"
  // because the decision was slow would let anyone who can slow the webhook (a flood of large reviews)
  // get a hijack admitted. If the API server has stopped waiting, its failurePolicy answers instead.
  const judgement = fromDecision(req, mode, decision, opts.denyOn, deps.isPlatformUser(req.userInfo));
  return deps.elapsedMs() > opts.budgetMs ? { ...judgement, late: true } : judgement;
}

/** A review that waited past the budget before its decision could start: not checked. */
function overBudget(req: AdmissionRequest, mode: Exclude<NamespaceMode, 'off'>, answer: Unsynced): Judgement {
  const says = `meshward: ${describeRequest(req)} waited longer than the decision budget behind other reviews, so it was not checked`;
  if (answer === 'deny' && mode === 'enforce') {
    return { ...allow('over-budget', mode), verdict: { allowed: false, status: { code: 503, message: `${says}; retry in a few seconds (the webhook runs with --over-budget deny)` }, warnings: [], auditAnnotations: { verdict: 'over-budget' }, introduced: [] } };
  }
  return allow('over-budget', mode, mode === 'audit' ? [] : [`${says}; it was allowed unchecked`]);
}

/** Turns the introduced findings into the answer, by mode and deny-on. */
export function fromDecision(req: AdmissionRequest, mode: Exclude<NamespaceMode, 'off'>, decision: Decision, denyOn: DenyOn, platformUser: boolean): Judgement {
  const { introduced, failures } = decision;
  const threshold = severityRank(denyOn);
  const denying = mode === 'enforce' && !platformUser ? introduced.filter((f) => severityRank(f.severity) >= threshold) : [];
  const warnOnly = introduced.filter((f) => !denying.includes(f));
  const failureWarnings = failures.map((f) => `meshward: rule ${terminalSafe(f.ruleId)} failed on ${describeRequest(req)} and was skipped; the webhook's log has the error`);
  const auditAnnotations: Record<string, string> = {};
  if (introduced.length) auditAnnotations.findings = introduced.map((f) => `${f.ruleId}:${f.severity}`).join(',');
  if (failures.length) auditAnnotations['failed-rules'] = failures.map((f) => f.ruleId).join(',');
  const warnings = mode === 'audit' ? [] : boundWarnings([...failureWarnings, ...warnOnly.map(warningOf)]);
  const denyingRules = [...new Set(denying.map((f) => f.ruleId))];
  if (denying.length) {
    auditAnnotations.verdict = 'denied';
    return {
      verdict: { allowed: false, status: { code: 403, message: denialMessage(req, denying, denyOn) }, warnings, auditAnnotations, introduced },
      outcome: 'denied',
      mode,
      failures,
      denyingRules,
    };
  }
  if (introduced.length || failures.length) auditAnnotations.verdict = mode === 'enforce' && !platformUser ? 'warned' : `${mode === 'enforce' ? 'platform-user' : mode}`;
  const outcome: Outcome = failures.length ? 'error' : introduced.length ? (platformUser && mode === 'enforce' ? 'exempt' : 'warned') : 'allowed';
  return { verdict: { allowed: true, warnings, auditAnnotations, introduced }, outcome, mode, failures, denyingRules };
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function warningOf(f: Finding): string {
  return clip(`meshward ${f.ruleId} (${f.severity}): ${terminalSafe(f.message)}`, MAX_WARNING);
}

function boundWarnings(ws: string[]): string[] {
  const out: string[] = [];
  let total = 0;
  for (const [i, w] of ws.entries()) {
    const rest = ws.length - i - 1;
    const more = `meshward: ${rest + 1} more finding${rest ? 's' : ''}; run meshward scan on the object for all of them`;
    if (total + w.length + more.length > MAX_WARNINGS_TOTAL) {
      out.push(more);
      break;
    }
    out.push(w);
    total += w.length;
  }
  return out;
}

/**
 * What a developer reads when kubectl refuses their object: each finding's rule, what is wrong (the
 * rule's message, naming the objects), why it matters, the fix, and where to read more.
 */
export function denialMessage(req: AdmissionRequest, denying: Finding[], denyOn: DenyOn): string {
  const lines: string[] = [`meshward denied ${describeRequest(req)}: ${denying.length} finding${denying.length === 1 ? '' : 's'} at or above ${denyOn} severity.`];
  for (const f of denying.slice(0, DENIAL_DETAILS)) {
    const rule = findRule(f.ruleId);
    lines.push(`[${f.ruleId} ${f.severity}] ${clip(terminalSafe(f.message), MAX_MESSAGE)}`);
    if (rule) lines.push(`  Why: ${clip(terminalSafe(rule.meta.docs.why), MAX_MESSAGE)}`);
    lines.push(`  Fix: ${clip(terminalSafe(f.remediation), MAX_MESSAGE)}`);
    lines.push(`  More: meshward explain ${f.ruleId}`);
  }
  if (denying.length > DENIAL_DETAILS) lines.push(`…and ${denying.length - DENIAL_DETAILS} more; run meshward scan on the object to see all of them.`);
  return lines.join('\n');
}
