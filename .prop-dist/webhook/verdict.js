/**
 * From a review to a verdict: which requests are judged at all (kind, exemptions, the namespace's
 * `meshward.io/admission` label, the cache's sync), the decision (decideIntroduced), and how its
 * findings become a denial, warnings or audit annotations by mode and `--deny-on`.
 *
 * Everything a verdict says is read by a person through kubectl or an audit log: rule messages name
 * objects and hosts from untrusted input, so every string is escaped for a terminal here, once.
 */
import { severityRank } from '../engine/finding.js';
import { terminalSafe } from '../engine/text.js';
import { findRule } from '../rules/index.js';
import { ADMISSION_MODE_LABEL } from './types.js';
/** Kubernetes truncates warnings past 256 characters and drops them past 4096 in all. */
const MAX_WARNING = 250;
const MAX_WARNINGS_TOTAL = 4000;
/** Findings spelt out in a denial; the rest are counted. kubectl prints the whole message. */
const DENIAL_DETAILS = 5;
const MAX_MESSAGE = 600;
const MODES = new Set(['enforce', 'warn', 'audit', 'off']);
export function kindId(req) {
    return `${req.kind.group}/${req.kind.kind}`;
}
/**
 * The mode a namespace's label asks for, or null (no label, or a value that is not a mode: the global
 * mode then applies, so a typo never switches the webhook off).
 */
export function labelMode(labels) {
    const v = labels && Object.hasOwn(labels, ADMISSION_MODE_LABEL) ? labels[ADMISSION_MODE_LABEL] : undefined;
    return v !== undefined && MODES.has(v) ? v : null;
}
function allow(outcome, mode, warnings = [], extra = {}) {
    return { verdict: { allowed: true, warnings, auditAnnotations: {}, introduced: [] }, outcome, mode, failures: [], denyingRules: [], ...extra };
}
function describeRequest(req) {
    const name = req.name || '(generated name)';
    return terminalSafe(`${req.kind.kind} ${req.namespace ? `${req.namespace}/${name}` : name}`);
}
export function judge(req, opts, deps) {
    if (!opts.kinds.has(kindId(req)) || req.operation === 'CONNECT')
        return allow('unknown-kind', opts.mode);
    const isNamespace = req.kind.group === '' && req.kind.kind === 'Namespace';
    const ns = isNamespace ? req.name : req.namespace;
    if (ns && opts.exempt.has(ns))
        return allow('exempt', opts.mode);
    // The label as the cluster has it now, never as the incoming object sets it: a Namespace update that
    // labels itself `off` is judged under the mode it had.
    const mode = (ns ? labelMode(deps.namespaceLabels(ns)) : null) ?? opts.mode;
    if (mode === 'off')
        return allow('off', mode);
    if (!deps.state.synced) {
        const says = `meshward: the cluster cache has not synced yet, so ${describeRequest(req)} was not checked`;
        if (opts.unsynced === 'deny' && mode === 'enforce') {
            return { ...allow('unsynced', mode), verdict: { allowed: false, status: { code: 503, message: `${says}; retry in a few seconds (the webhook runs with --unsynced deny)` }, warnings: [], auditAnnotations: { verdict: 'unsynced' }, introduced: [] } };
        }
        return { ...allow('unsynced', mode), verdict: { allowed: true, warnings: mode === 'audit' ? [] : [says], auditAnnotations: { verdict: 'unsynced' }, introduced: [] } };
    }
    if (deps.elapsedMs() > opts.budgetMs)
        return overBudget(req, mode);
    let decision;
    try {
        decision = deps.decide(req, deps.state);
    }
    catch (err) {
        const w = `meshward: the decision on ${describeRequest(req)} failed, so it was allowed unchecked; the webhook's log has the error`;
        return allow('error', mode, mode === 'audit' ? [] : [w], { failures: [{ ruleId: '(decision)', message: err?.stack ?? String(err) }] });
    }
    if (deps.elapsedMs() > opts.budgetMs)
        return { ...overBudget(req, mode), failures: decision.failures };
    return fromDecision(req, mode, decision, opts.denyOn, deps.isPlatformUser(req.userInfo));
}
function overBudget(req, mode) {
    const w = `meshward: the decision on ${describeRequest(req)} took longer than its budget, so it was allowed unchecked`;
    return allow('over-budget', mode, mode === 'audit' ? [] : [w]);
}
/** Turns the introduced findings into the answer, by mode and deny-on. */
export function fromDecision(req, mode, decision, denyOn, platformUser) {
    const { introduced, failures } = decision;
    const threshold = severityRank(denyOn);
    const denying = mode === 'enforce' && !platformUser ? introduced.filter((f) => severityRank(f.severity) >= threshold) : [];
    const warnOnly = introduced.filter((f) => !denying.includes(f));
    const failureWarnings = failures.map((f) => `meshward: rule ${terminalSafe(f.ruleId)} failed on ${describeRequest(req)} and was skipped; the webhook's log has the error`);
    const auditAnnotations = {};
    if (introduced.length)
        auditAnnotations.findings = introduced.map((f) => `${f.ruleId}:${f.severity}`).join(',');
    if (failures.length)
        auditAnnotations['failed-rules'] = failures.map((f) => f.ruleId).join(',');
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
    if (introduced.length || failures.length)
        auditAnnotations.verdict = mode === 'enforce' && !platformUser ? 'warned' : `${mode === 'enforce' ? 'platform-user' : mode}`;
    const outcome = failures.length ? 'error' : introduced.length ? (platformUser && mode === 'enforce' ? 'exempt' : 'warned') : 'allowed';
    return { verdict: { allowed: true, warnings, auditAnnotations, introduced }, outcome, mode, failures, denyingRules };
}
function clip(s, max) {
    return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
function warningOf(f) {
    return clip(`meshward ${f.ruleId} (${f.severity}): ${terminalSafe(f.message)}`, MAX_WARNING);
}
function boundWarnings(ws) {
    const out = [];
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
export function denialMessage(req, denying, denyOn) {
    const lines = [`meshward denied ${describeRequest(req)}: ${denying.length} finding${denying.length === 1 ? '' : 's'} at or above ${denyOn} severity.`];
    for (const f of denying.slice(0, DENIAL_DETAILS)) {
        const rule = findRule(f.ruleId);
        lines.push(`[${f.ruleId} ${f.severity}] ${clip(terminalSafe(f.message), MAX_MESSAGE)}`);
        if (rule)
            lines.push(`  Why: ${clip(terminalSafe(rule.meta.docs.why), MAX_MESSAGE)}`);
        lines.push(`  Fix: ${clip(terminalSafe(f.remediation), MAX_MESSAGE)}`);
        lines.push(`  More: meshward explain ${f.ruleId}`);
    }
    if (denying.length > DENIAL_DETAILS)
        lines.push(`…and ${denying.length - DENIAL_DETAILS} more; run meshward scan on the object to see all of them.`);
    return lines.join('\n');
}
