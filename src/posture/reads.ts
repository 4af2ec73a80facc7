/**
 * The kinds the shared posture (computePosture) is computed from. A rule that judges through the
 * posture depends on all of them, whatever else it reads: which workloads are gateways comes from every
 * Gateway's selector, their mTLS mode from PeerAuthentications, the namespaces' dataplane from Namespace
 * labels, path normalization from the mesh config. src/rules/reads.test.ts holds rules to this.
 */
import { WORKLOAD_READS } from '../rules/reads.js';

export const POSTURE_READS: readonly string[] = [
  'security.istio.io/PeerAuthentication',
  'security.istio.io/AuthorizationPolicy',
  'security.istio.io/RequestAuthentication',
  'Service',
  'networking.istio.io/ServiceEntry',
  'networking.istio.io/Gateway',
  'gateway.networking.k8s.io/Gateway',
  'Namespace',
  'ConfigMap',
  'install.istio.io/IstioOperator',
  ...WORKLOAD_READS,
];

/** A posture rule's reads: its own kinds, then the posture's, each once. */
export function postureReads(...own: string[]): string[] {
  const reads = [...new Set([...own, ...POSTURE_READS])];
  ownReads.set(reads, own);
  return reads;
}

/** The kinds a rule named itself, of `reads` postureReads made (null for any other list). */
const ownReads = new WeakMap<readonly string[], readonly string[]>();

/**
 * Of a rule's `reads`, the kinds it reads only through the posture (those postureReads added and the
 * rule did not name), or none when its reads were not made by postureReads. A change of such a kind
 * that keeps every workload's posture (an Istio Gateway over pods that already are gateways) cannot
 * change its findings: the incremental engine does not run it for that change. A rule that reads
 * objects of a kind itself names it (src/rules/reads-recorded.test.ts holds them to that).
 */
export function kindsReadThroughPosture(reads: readonly string[]): readonly string[] {
  const own = ownReads.get(reads);
  if (!own) return [];
  const named = new Set(own);
  return POSTURE_READS.filter((k) => !named.has(k));
}
