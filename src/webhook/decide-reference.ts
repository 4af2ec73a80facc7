/**
 * The reference admission decision: which findings does the incoming object introduce?
 *
 * Two models over the cache's objects: "without" (the cluster as it is: for UPDATE with the old object,
 * for DELETE with the object still there) and "with" (the request applied: CREATE adds, UPDATE replaces,
 * DELETE removes). Both run the admission rules; a finding of "with" counts when
 * - CREATE / UPDATE: it is on the incoming object or names it as evidence, and "without" had no finding
 *   with the same fingerprint at the same or a higher severity (so an unrelated update is never refused
 *   because the cluster has other problems, and an update that makes a finding worse is caught);
 * - DELETE: it is new, whatever it is on (removing a deny policy or a STRICT PeerAuthentication opens
 *   holes in other objects, and nothing else changed between the two models).
 *
 * The object keeps its place in the cache's order in both models (an UPDATE does not change which of two
 * namespace-wide Sidecars is the oldest); a new object comes last.
 *
 * This is the simple, obviously-correct version: two full rule runs per review. A faster decision must
 * return exactly what this one returns (the equivalence tests hold it to that).
 */
import type { Finding } from '../engine/finding.js';
import { severityRank } from '../engine/finding.js';
import { runRules, type RuleFailure } from '../engine/run.js';
import { MeshModel } from '../model/model.js';
import { groupOf, kindKey, type Resource, type ResourceRef } from '../model/resource.js';
import type { RuleSettings } from '../config/settings.js';
import type { TenantPolicyFile } from '../tenancy/policy.js';
import type { Rule } from '../rules/types.js';
import { liveResource } from '../cluster/live-resource.js';
import { admissionRules } from './admission-kinds.js';
import type { AdmissionRequest, DecisionState } from './types.js';

export interface DecideOptions {
  tenantPolicy: TenantPolicyFile | null;
  settings: RuleSettings;
  /** Cluster name recorded on the incoming object (the cache's). */
  cluster: string;
  /** Default: admissionRules(). */
  rules?: readonly Rule[];
}

export interface Decision {
  introduced: Finding[];
  /** Rules that threw on either model: the server allows with a warning naming them. */
  failures: RuleFailure[];
}

/** kind key, namespace and name: what makes two objects the same object. */
export type Identity = string;

export function identityOf(r: Pick<Resource, 'group' | 'kind' | 'namespace' | 'name'>): Identity {
  return `${kindKey(r.group, r.kind)}\u0000${r.namespace}\u0000${r.name}`;
}

/** The request's object as a Resource (kind and apiVersion from the review, never from the object). */
export function requestResource(req: AdmissionRequest, which: 'object' | 'oldObject', cluster: string): Resource | null {
  const raw = req[which];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  // liveResource sets kind and apiVersion on what it is given: copy the top level so the review stays as received.
  const copy = { ...(raw as Record<string, unknown>) };
  const apiVersion = req.kind.group ? `${req.kind.group}/${req.kind.version}` : req.kind.version;
  return liveResource(copy, { apiVersion, kind: req.kind.kind, namespaced: req.namespace !== '' }, cluster);
}

export function decideReference(req: AdmissionRequest, state: DecisionState, opts: DecideOptions): Decision {
  const incoming = req.operation === 'DELETE' ? null : requestResource(req, 'object', opts.cluster);
  const old = req.operation === 'CREATE' ? null : requestResource(req, 'oldObject', opts.cluster);
  const subject = incoming ?? old;
  if (!subject) return { introduced: [], failures: [] };
  const id = identityOf(subject);

  const others: Resource[] = [];
  let cached: Resource | null = null;
  /** Where the object sits in the cache (an update keeps its place: creation order decides which of two Sidecars wins). */
  let slot = -1;
  for (const r of state.resources()) {
    if (identityOf(r) === id) {
      cached = r;
      slot = others.length;
    } else others.push(r);
  }
  const placed = (r: Resource) => (slot < 0 ? [...others, r] : [...others.slice(0, slot), r, ...others.slice(slot)]);
  // "Without": what the cluster holds now (the review's oldObject is what the API server holds; the
  // cache may lag behind it by an event, so the review wins).
  const before = old ?? cached;
  const withoutSet = before ? placed(before) : others;
  const withSet = incoming ? placed(incoming) : others;

  const rules = opts.rules ?? admissionRules();
  const run = (resources: Resource[]) => {
    const model = new MeshModel(renumber(resources), { tenantPolicy: opts.tenantPolicy, systemNamespaces: opts.settings.systemNamespaces.length ? opts.settings.systemNamespaces : undefined });
    return runRules(model, rules, { settings: opts.settings });
  };
  const without = run(withoutSet);
  const withIt = run(withSet);

  const worstBefore = new Map<string, number>();
  for (const f of without.findings) worstBefore.set(f.fingerprint, Math.max(worstBefore.get(f.fingerprint) ?? -1, severityRank(f.severity)));
  const names = (f: Finding) => {
    const on = (ref: ResourceRef | undefined) =>
      ref !== undefined && ref.kind === subject.kind && ref.namespace === subject.namespace && ref.name === subject.name && groupOf(ref.apiVersion) === subject.group;
    return on(f.resource) || f.evidence.some((e) => on(e.resource));
  };
  const introduced = withIt.findings.filter((f) => {
    const was = worstBefore.get(f.fingerprint);
    if (was !== undefined && was >= severityRank(f.severity)) return false;
    return req.operation === 'DELETE' || names(f);
  });
  const failures = dedupeFailures([...without.failures, ...withIt.failures]);
  return { introduced, failures };
}

/** The model indexes resources by their dense id: give each model its own numbering, leaving the cache's objects untouched. */
function renumber(resources: Resource[]): Resource[] {
  return resources.map((r, i) => (r.id === i ? r : { ...r, id: i }));
}

function dedupeFailures(failures: RuleFailure[]): RuleFailure[] {
  const seen = new Set<string>();
  return failures.filter((f) => (seen.has(f.ruleId) ? false : (seen.add(f.ruleId), true)));
}
