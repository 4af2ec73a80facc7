import { severityRank } from '../engine/finding.js';
import { runRules } from '../engine/run.js';
import { MeshModel } from '../model/model.js';
import { groupOf, kindKey } from '../model/resource.js';
import { liveResource } from '../cluster/live-resource.js';
import { admissionRules } from './admission-kinds.js';
export function identityOf(r) {
    return `${kindKey(r.group, r.kind)}\u0000${r.namespace}\u0000${r.name}`;
}
/** The request's object as a Resource (kind and apiVersion from the review, never from the object). */
export function requestResource(req, which, cluster) {
    const raw = req[which];
    if (!raw || typeof raw !== 'object' || Array.isArray(raw))
        return null;
    // liveResource sets kind and apiVersion on what it is given: copy the top level so the review stays as received.
    const copy = { ...raw };
    const apiVersion = req.kind.group ? `${req.kind.group}/${req.kind.version}` : req.kind.version;
    return liveResource(copy, { apiVersion, kind: req.kind.kind, namespaced: req.namespace !== '' }, cluster);
}
export function decideReference(req, state, opts) {
    const incoming = req.operation === 'DELETE' ? null : requestResource(req, 'object', opts.cluster);
    const old = req.operation === 'CREATE' ? null : requestResource(req, 'oldObject', opts.cluster);
    const subject = incoming ?? old;
    if (!subject)
        return { introduced: [], failures: [] };
    const id = identityOf(subject);
    const others = [];
    let cached = null;
    /** Where the object sits in the cache (an update keeps its place: creation order decides which of two Sidecars wins). */
    let slot = -1;
    for (const r of state.resources()) {
        if (identityOf(r) === id) {
            cached = r;
            slot = others.length;
        }
        else
            others.push(r);
    }
    const placed = (r) => (slot < 0 ? [...others, r] : [...others.slice(0, slot), r, ...others.slice(slot)]);
    // "Without": what the cluster holds now (the review's oldObject is what the API server holds; the
    // cache may lag behind it by an event, so the review wins).
    const before = old ?? cached;
    const withoutSet = before ? placed(before) : others;
    const withSet = incoming ? placed(incoming) : others;
    const rules = opts.rules ?? admissionRules();
    const run = (resources) => {
        const model = new MeshModel(renumber(resources), { tenantPolicy: opts.tenantPolicy, systemNamespaces: opts.settings.systemNamespaces.length ? opts.settings.systemNamespaces : undefined });
        return runRules(model, rules, { settings: opts.settings });
    };
    const without = run(withoutSet);
    const withIt = run(withSet);
    const worstBefore = new Map();
    for (const f of without.findings)
        worstBefore.set(f.fingerprint, Math.max(worstBefore.get(f.fingerprint) ?? -1, severityRank(f.severity)));
    const names = (f) => {
        const on = (ref) => ref !== undefined && ref.kind === subject.kind && ref.namespace === subject.namespace && ref.name === subject.name && groupOf(ref.apiVersion) === subject.group;
        return on(f.resource) || f.evidence.some((e) => on(e.resource));
    };
    const introduced = withIt.findings.filter((f) => {
        const was = worstBefore.get(f.fingerprint);
        if (was !== undefined && was >= severityRank(f.severity))
            return false;
        return req.operation === 'DELETE' || names(f);
    });
    const failures = dedupeFailures([...without.failures, ...withIt.failures]);
    return { introduced, failures };
}
/** The model indexes resources by their dense id: give each model its own numbering, leaving the cache's objects untouched. */
function renumber(resources) {
    return resources.map((r, i) => (r.id === i ? r : { ...r, id: i }));
}
function dedupeFailures(failures) {
    const seen = new Set();
    return failures.filter((f) => (seen.has(f.ruleId) ? false : (seen.add(f.ruleId), true)));
}
