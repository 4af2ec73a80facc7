/**
 * The kinds the shared posture (computePosture) is computed from. A rule that judges through the
 * posture depends on all of them, whatever else it reads: which workloads are gateways comes from every
 * Gateway's selector, their mTLS mode from PeerAuthentications, the namespaces' dataplane from Namespace
 * labels, path normalization from the mesh config. src/rules/reads.test.ts holds rules to this.
 */
import { WORKLOAD_READS } from '../rules/reads.js';
export const POSTURE_READS = [
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
export function postureReads(...own) {
    return [...new Set([...own, ...POSTURE_READS])];
}
