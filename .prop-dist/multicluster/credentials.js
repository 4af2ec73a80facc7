import { terminalSafe } from '../engine/text.js';
import { pathToString } from '../model/resource.js';
import { CREDENTIAL_CONSUMERS, flavourOf, secretFactsOf, } from '../cluster/secret-facts.js';
/** Does this Secret carry another cluster's credentials? */
export function credentialFlavour(r) {
    return flavourOf({ kind: r.kind, group: r.group, name: r.name, labels: r.labels, type: r.obj?.type });
}
/**
 * Every stored credential in a model, from each Secret's facts (src/cluster/secret-facts.ts): parsed
 * as data once, nothing executed, opened or fetched, no value kept.
 */
export function storedCredentials(model) {
    const out = [];
    for (const secret of model.ofKind('', 'Secret')) {
        // The flavour from metadata first: other Secrets' values are never read.
        if (!credentialFlavour(secret))
            continue;
        const facts = secretFactsOf(secret);
        if (!facts.flavour)
            continue;
        for (const k of facts.kubeconfigs)
            out.push({ flavour: facts.flavour, secret, dataKey: k.dataKey, target: k.target, kubeconfig: k.view, users: k.users });
    }
    return out;
}
/** Identity of a stored credential for messages: `Secret ns/name[key]` (never its value). */
export function describeCredential(c) {
    return `Secret ${c.secret.namespace}/${c.secret.name}[${c.dataKey}]`;
}
const CONSUMERS = CREDENTIAL_CONSUMERS;
/**
 * The kubeconfigs carried by credential Secrets, for the KCF rules inside `meshward scan`: each
 * points at the Secret field holding it (Argo CD's rebuilt kubeconfig points at its `config`).
 */
export function kubeconfigSources(model) {
    return extract(model).sources;
}
const EXTRACTED = new WeakMap();
function extract(model) {
    const cached = EXTRACTED.get(model);
    if (cached)
        return cached;
    const sources = [];
    const problems = [];
    for (const secret of model.ofKind('', 'Secret')) {
        if (!credentialFlavour(secret))
            continue;
        const facts = secretFactsOf(secret);
        if (!facts.flavour)
            continue;
        for (const u of facts.unreadable)
            problems.push({ secret, path: [u.field, u.key], kubeconfigLine: 0, reason: `the value ${u.reason}` });
        for (const p of facts.credentialProblems)
            problems.push({ secret, path: p.path, kubeconfigLine: 0, reason: p.reason });
        // Judged where the values were read: the text itself never leaves the facts.
        for (const k of facts.kubeconfigs)
            sources.push({ resource: secret, path: k.path, text: '', consumer: k.consumer, judged: k.judged });
    }
    // A kubeconfig that does not parse (one custom tag is enough) would otherwise hide every hazard in it.
    for (const source of sources) {
        for (const e of source.judged.errors)
            problems.push({ secret: source.resource, path: source.path, kubeconfigLine: e.line, reason: e.message });
    }
    const out = { sources, problems };
    EXTRACTED.set(model, out);
    return out;
}
/**
 * Credential Secrets whose kubeconfig could not be read (or only in part), each naming the Secret, its
 * field and the line inside the kubeconfig. Callers report them as errors and fail the run: what was
 * not read was not checked.
 */
export function credentialProblems(model) {
    return extract(model).problems;
}
/** One line for an error report; names the Secret and field, never a value. */
export function describeCredentialProblem(p) {
    const who = `Secret ${terminalSafe(p.secret.namespace ? `${p.secret.namespace}/${p.secret.name}` : p.secret.name)}`;
    const consumer = CONSUMERS[credentialFlavour(p.secret) ?? 'istio'];
    const where = p.kubeconfigLine ? ` (line ${p.kubeconfigLine} of the kubeconfig)` : '';
    return `${who} ${terminalSafe(pathToString(p.path))}: the credential ${consumer} reads could not be read${where}: ${terminalSafe(p.reason)}. Its exec plugins, token files and servers were not checked; fix or remove it.`;
}
