/**
 * Which rules the webhook runs and which kinds it intercepts. One place, read by the server (what to
 * judge), `meshward generate webhook` and the Helm chart (the ValidatingWebhookConfiguration's rules and
 * the cache's read-only role).
 *
 * Admission rules are the ones that judge what a tenant creates: sidecar bypasses, egress, traffic
 * hijacks, authentication and authorization. Advisories (the control plane's version) and multicluster
 * (kubeconfigs in Secrets) are left to scans: a webhook never asks for Secrets, whose values would then
 * travel in every review.
 */
import { allRules } from '../rules/index.js';
import { BARE_KIND_GROUPS, splitKindKey } from '../cluster/discovery.js';
import { pluralOf } from '../cluster/rbac.js';
export const ADMISSION_CATEGORIES = new Set(['sidecar-bypass', 'egress', 'traffic-hijack', 'authn-authz']);
/**
 * Kinds the cache reads but the webhook does not intercept: ConfigMaps (the mesh config is read from the
 * cache; intercepting every ConfigMap in the cluster would put the webhook in the path of unrelated
 * writes) and Secrets (never).
 */
const CACHE_ONLY_KINDS = new Set(['ConfigMap', 'Secret']);
export function admissionRules(rules = allRules) {
    return rules.filter((r) => ADMISSION_CATEGORIES.has(r.meta.category));
}
/** The grouped form of a rule's kind key (`Deployment` → apps/Deployment). */
function normalise(key) {
    const { group, kind } = splitKindKey(key);
    if (group !== null)
        return { group, kind };
    return { group: Object.hasOwn(BARE_KIND_GROUPS, kind) ? BARE_KIND_GROUPS[kind] : '', kind };
}
function kindsOf(rules, keep) {
    const seen = new Map();
    for (const r of rules) {
        for (const key of r.meta.reads) {
            const { group, kind } = normalise(key);
            if (!keep(kind))
                continue;
            const id = `${group}/${kind}`;
            if (!seen.has(id))
                seen.set(id, { group, kind, resource: pluralOf(kind) });
        }
    }
    return [...seen.values()].sort((a, b) => (a.group + '/' + a.kind).localeCompare(b.group + '/' + b.kind));
}
/** Kinds the ValidatingWebhookConfiguration sends to the webhook. */
export function admissionKinds(rules = allRules) {
    return kindsOf(admissionRules(rules), (kind) => !CACHE_ONLY_KINDS.has(kind));
}
/** Kinds the webhook's cache watches (what the admission rules read, Secrets excepted). */
export function cacheKinds(rules = allRules) {
    return kindsOf(admissionRules(rules), (kind) => kind !== 'Secret');
}
