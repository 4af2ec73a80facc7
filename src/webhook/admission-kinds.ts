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
import type { Rule, Category } from '../rules/types.js';
import { BARE_KIND_GROUPS, splitKindKey } from '../cluster/discovery.js';
import { pluralOf } from '../cluster/rbac.js';

export const ADMISSION_CATEGORIES: ReadonlySet<Category> = new Set<Category>(['sidecar-bypass', 'egress', 'traffic-hijack', 'authn-authz']);

/**
 * Kinds the cache reads but the webhook does not intercept: ConfigMaps (the mesh config is read from the
 * cache; intercepting every ConfigMap in the cluster would put the webhook in the path of unrelated
 * writes), Secrets (never), and webhook configurations: the API server never sends a
 * MutatingWebhookConfiguration or ValidatingWebhookConfiguration to any webhook (its dispatcher skips
 * them, `IsExemptAdmissionConfigurationResource`, so that a broken webhook cannot lock its own repair
 * out). A rule for them in the ValidatingWebhookConfiguration would promise a check that never runs;
 * BYP014 and BYP015 are found by scans, live scans and the relay instead (docs/webhook.md).
 */
const CACHE_ONLY_KINDS: ReadonlySet<string> = new Set(['ConfigMap', 'Secret', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);

export function admissionRules(rules: readonly Rule[] = allRules): Rule[] {
  return rules.filter((r) => ADMISSION_CATEGORIES.has(r.meta.category));
}

export interface AdmissionKind {
  /** API group ('' for core). */
  group: string;
  kind: string;
  /** Plural resource name, as a webhook rule and an RBAC rule name it. */
  resource: string;
}

/** The grouped form of a rule's kind key (`Deployment` → apps/Deployment). */
function normalise(key: string): { group: string; kind: string } {
  const { group, kind } = splitKindKey(key);
  if (group !== null) return { group, kind };
  return { group: Object.hasOwn(BARE_KIND_GROUPS, kind) ? BARE_KIND_GROUPS[kind] : '', kind };
}

function kindsOf(rules: readonly Rule[], keep: (kind: string) => boolean): AdmissionKind[] {
  const seen = new Map<string, AdmissionKind>();
  for (const r of rules) {
    for (const key of r.meta.reads) {
      const { group, kind } = normalise(key);
      if (!keep(kind)) continue;
      const id = `${group}/${kind}`;
      if (!seen.has(id)) seen.set(id, { group, kind, resource: pluralOf(kind) });
    }
  }
  return [...seen.values()].sort((a, b) => (a.group + '/' + a.kind).localeCompare(b.group + '/' + b.kind));
}

/** Kinds the ValidatingWebhookConfiguration sends to the webhook. */
export function admissionKinds(rules: readonly Rule[] = allRules): AdmissionKind[] {
  return kindsOf(admissionRules(rules), (kind) => !CACHE_ONLY_KINDS.has(kind));
}

/** Kinds the webhook's cache watches (what the admission rules read, Secrets excepted). */
export function cacheKinds(rules: readonly Rule[] = allRules): AdmissionKind[] {
  return kindsOf(admissionRules(rules), (kind) => kind !== 'Secret');
}
