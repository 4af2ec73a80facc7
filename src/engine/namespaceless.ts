/**
 * Findings that rest on where an object without a namespace was placed.
 *
 * Repositories often leave the namespace to `kubectl apply -n`. The loader places such an object in
 * `-n`'s namespace (`default` unless given), as kubectl would, and every rule that relates objects of
 * different namespaces (another namespace's host, a shared gateway, a policy of another namespace)
 * judges it there. The run's notes say how many objects were placed; a finding alone (a SARIF result in
 * a pull request, a line of JUnit) does not carry the notes. So each finding on a placed object that
 * relates it to another namespace says so itself, as evidence: it holds only if the object is applied
 * where it was placed.
 */
import type { Evidence, Finding } from './finding.js';
import { plainFinding } from './run.js';
import { namesNoNamespace, type Resource } from '../model/resource.js';

const keyOf = (r: { cluster: string; kind: string; namespace: string; name: string }) => `${r.cluster}\u0000${r.kind}\u0000${r.namespace}\u0000${r.name}`;

export { namesNoNamespace };

/**
 * `findings` with an evidence entry (role `namespace-assumed`) on each whose subject is an object placed
 * in `placedIn` and whose evidence names an object of another namespace (not the mesh's root
 * namespace, whose policies apply wherever the object goes). Order is kept; a finding left alone is the
 * same object, and when none is marked the result is `findings` itself.
 */
export function markNamespaceless(findings: readonly Finding[], placed: readonly Resource[], placedIn: string, rootNamespace: string): readonly Finding[] {
  if (!placed.length) return findings;
  const byKey = new Set<string>();
  for (const r of placed) if (r.namespace === placedIn) byKey.add(keyOf(r));
  if (!byKey.size) return findings;
  let out: Finding[] | null = null;
  findings.forEach((f, i) => {
    const r = f.resource;
    if (r.namespace !== placedIn || !byKey.has(keyOf(r))) return;
    const elsewhere = f.evidence.some((e) => e.resource && e.resource.namespace !== '' && e.resource.namespace !== placedIn && e.resource.namespace !== rootNamespace);
    if (!elsewhere) return;
    const evidence: Evidence = {
      role: 'namespace-assumed',
      description: `${r.kind} ${r.name} names no namespace and was judged in ${placedIn}, where \`kubectl apply\`${placedIn === 'default' ? ' without -n' : ` -n ${placedIn}`} puts it: this finding holds only if it is applied there${placedIn === 'default' ? ' (pass -n NAMESPACE for the namespace it is applied to)' : ''}`,
      resource: r,
    };
    out ??= findings.slice();
    out[i] = { ...plainFinding(f), evidence: [...f.evidence, evidence] };
  });
  return out ?? findings;
}
