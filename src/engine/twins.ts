/**
 * Two definitions of one object. A scanned folder can hold the same object (cluster, API group, kind,
 * namespace and name) more than once: alternative versions side by side (Istio's samples/multicluster
 * has expose-istiod.yaml and expose-istiod-https.yaml, both Gateway default/istiod-gateway), copies in
 * test folders, a base and its variant. A cluster holds one of them (a later apply replaces the
 * earlier), so a finding that rests only on both being there at once is about something that cannot
 * happen: a Gateway conflicting with another version of itself, a PeerAuthentication "ignored in favour
 * of" its own copy. The engine drops such a finding (runRules); each definition is still judged on its
 * own and against every other object. A live cluster, a webhook's overlay (a replacement keeps the
 * replaced object's id) and a relay snapshot never hold two.
 */
import { hasOwnName, type Resource } from '../model/resource.js';
import type { ReportInput } from '../rules/types.js';
import { podTemplatePath } from '../model/workloads.js';

/**
 * Whether `a` and `b` are two definitions of one object (same identity, different objects of the model).
 * Objects without a metadata.name of their own (the loader's "(unnamed)" or "prefix*" for generateName)
 * are never twins: the API server names each apart, so two of them are two objects.
 */
export function isTwin(a: Resource, b: Resource): boolean {
  return a.id !== b.id && a.name === b.name && a.kind === b.kind && a.namespace === b.namespace && a.group === b.group && a.cluster === b.cluster && hasOwnName(a.obj) && hasOwnName(b.obj);
}

/**
 * Whether a finding names, as evidence, other definitions of its own object and nothing else. Evidence
 * without an object, or naming the object itself, does not count either way; one other object among
 * the evidence keeps the finding (the relation with it is real). Workloads are the exception: a rule
 * relating two objects that select pods (two Gateways on one gateway Deployment, two Sidecars on one
 * application) names the pods as the place they meet, not as a party, so beside a twin they do not
 * make the relation real (asm-samples' Gateway asm-ingress/asm-ingressgateway, defined in two files,
 * "conflicted" with itself on its Deployment). A workload named beside no twin still keeps the finding.
 */
export function restsOnTwinsOnly(input: ReportInput): boolean {
  const evidence = input.evidence;
  if (!evidence?.length) return false;
  let twins = 0;
  for (const e of evidence) {
    const other = e.resource;
    if (!other || other === input.resource || other.id === input.resource.id) continue;
    if (isTwin(input.resource, other)) twins++;
    else if (podTemplatePath(other.kind) === null || podTemplatePath(input.resource.kind) !== null) return false;
  }
  return twins > 0;
}

/**
 * The objects the input defines more than once, each with its definitions in model order. Keyed by
 * identity in one pass (no pairwise comparison), so a 100,000-object scan pays one Map.
 */
export function twinDefinitions(resources: readonly Resource[]): Resource[][] {
  const byIdentity = new Map<string, Resource[]>();
  let any = false;
  for (const r of resources) {
    if (!hasOwnName(r.obj)) continue;
    // Each part prefixed by its length: no name, whatever characters it holds, can make two identities one key.
    const key = `${r.cluster.length}:${r.cluster}${r.group.length}:${r.group}${r.kind.length}:${r.kind}${r.namespace.length}:${r.namespace}${r.name.length}:${r.name}`;
    const list = byIdentity.get(key);
    if (list) {
      list.push(r);
      any = true;
    } else byIdentity.set(key, [r]);
  }
  if (!any) return [];
  return [...byIdentity.values()].filter((l) => l.length > 1);
}
