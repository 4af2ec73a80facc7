import { defineRule } from '../types.js';
import { listSome } from '../../posture/util.js';
import { computePosture } from '../../posture/index.js';
import type { WorkloadPosture } from '../../posture/types.js';
import type { Severity } from '../../engine/finding.js';
import { ISTIO_GW, PA, gatewayServers, plaintextPorts, workloadCount, workloadEvidence, workloadList } from './common.js';
import { postureReads } from '../../posture/reads.js';

export default defineRule({
  meta: {
    id: 'AUT019',
    title: 'Gateway passes TLS through for every host (`*` or `*.local`)',
    severity: 'high',
    category: 'authn-authz',
    reads: postureReads(ISTIO_GW, PA, 'Namespace', 'Pod', 'apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet'),
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        "A server of an Istio Gateway with `tls.mode` AUTO_PASSTHROUGH or PASSTHROUGH (medium) lists `*`, `*.local`, or a wildcard over the cluster's service domain (`*.cluster.local`, `*.svc.cluster.local`) among its hosts. AUTO_PASSTHROUGH is graded by the destinations' mutual TLS: high when the mesh-wide mode is not STRICT or some mesh workload accepts plaintext, medium when the mesh-wide policy is not in the input, low under mesh-wide STRICT with no exception.",
      why:
        "AUTO_PASSTHROUGH forwards a connection to whichever in-mesh service its SNI names, with no VirtualService in between: with `*.local` every service of the mesh is reachable through the gateway by anyone who can reach the gateway, and the gateway cannot apply L7 policy to the tunnelled traffic. This is the classic east-west gateway configuration, which makes the gateway's reachability the boundary (restrict its Service, see AUT020); it was also at the heart of ISTIO-SECURITY-2021-006 (CVSS 10). PASSTHROUGH with `*` still needs a VirtualService to route, but accepts any SNI and leaves routing decisions to whoever can write a VirtualService bound to the gateway.",
      fix:
        "List only the hosts that must cross the gateway (`*.payments.svc.cluster.local`, `api.example.com`), restrict who can reach the gateway's Service (`loadBalancerSourceRanges`, an internal load balancer, NetworkPolicy), and keep STRICT mTLS on the destinations.",
      bad: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: cross-network, namespace: istio-system}\nspec:\n  selector: {istio: eastwestgateway}\n  servers:\n  - port: {number: 15443, name: tls, protocol: TLS}\n    hosts: ["*.local"]\n    tls: {mode: AUTO_PASSTHROUGH}',
      good: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: cross-network, namespace: istio-system}\nspec:\n  selector: {istio: eastwestgateway}\n  servers:\n  - port: {number: 15443, name: tls, protocol: TLS}\n    hosts: ["*.payments.svc.cluster.local"]\n    tls: {mode: AUTO_PASSTHROUGH}',
      references: [
        'https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings-TLSmode',
        'https://istio.io/latest/news/security/istio-security-2021-006/',
        'https://istio.io/latest/docs/setup/install/multicluster/multi-primary_multi-network/',
      ],
    },
  },
  check({ model, report }) {
    // What an AUTO_PASSTHROUGH server exposes depends on the destinations' mTLS, the same for every server: computed once, on first need.
    let exposure: { severity: Severity; text: string; open: WorkloadPosture[] } | null = null;
    const exposed = () => (exposure ??= destinationExposure(model));
    const domain = model.clusterDomain.toLowerCase();
    const broad = new Set(['*', '*.local', `*.${domain}`, `*.svc.${domain}`]);
    for (const g of model.ofKind('networking.istio.io', 'Gateway')) {
      for (const s of gatewayServers(g)) {
        const mode = typeof s.tls?.mode === 'string' ? s.tls.mode.toUpperCase() : '';
        if (mode !== 'AUTO_PASSTHROUGH' && mode !== 'PASSTHROUGH') continue;
        const wide = s.hosts.filter((h) => broad.has(h));
        if (!wide.length) continue;
        const auto = mode === 'AUTO_PASSTHROUGH';
        const e = auto ? exposed() : null;
        report({
          resource: g,
          path: [...s.path, 'hosts'],
          key: String(s.index),
          severity: e ? e.severity : 'medium',
          evidence: e ? workloadEvidence(e.open.map((wp) => wp.workload), (w) => `${w.resource.kind} ${w.namespace}/${w.resource.name} accepts plaintext`) : [],
          message: e
            ? `Gateway ${g.namespace}/${g.name} server ${s.index} (port ${s.port ?? '?'}) passes TLS through automatically for ${listSome(wide, 3)}: anyone who reaches the gateway can open a TLS stream to any service of the mesh by naming it in SNI; ${e.text}`
            : `Gateway ${g.namespace}/${g.name} server ${s.index} (port ${s.port ?? '?'}) passes TLS through for ${listSome(wide, 3)}: it accepts any SNI, leaves the traffic opaque to gateway policy, and routes wherever a VirtualService bound to it says.`,
        });
      }
    }
  },
});

/**
 * How far an AUTO_PASSTHROUGH stream gets: the gateway forwards it unopened to the destination's sidecar,
 * which under STRICT demands a mesh client certificate; only destinations that accept plaintext (PERMISSIVE)
 * take a stranger's connection.
 */
function destinationExposure(model: Parameters<typeof computePosture>[0]): { severity: Severity; text: string; open: WorkloadPosture[] } {
  const posture = computePosture(model);
  const mm = posture.meshMtls;
  const open = posture.workloads.filter((wp) => wp.mtls.applies && wp.dataplane !== 'none' && plaintextPorts(wp).length > 0);
  if (mm.mode !== 'STRICT') {
    if (!mm.known) return { severity: 'medium', open, text: `whether the destinations refuse clients without a mesh certificate is unknown, since nothing of the root namespace ${model.rootNamespace} is in the input (mesh-wide STRICT makes this safe).` };
    return { severity: 'high', open, text: `the mesh-wide mTLS mode is ${mm.mode}${mm.policy ? '' : " (Istio's default)"}, so destinations that accept plaintext take such connections without a mesh certificate${open.length ? ` (${workloadList(open.map((wp) => wp.workload))})` : ''}.` };
  }
  if (open.length) {
    const ws = open.map((wp) => wp.workload);
    const n = workloadCount(ws);
    return { severity: 'high', open, text: `mesh-wide STRICT applies, but ${n === 1 ? '1 workload accepts' : `${n} workloads accept`} plaintext and take such connections without a mesh certificate (${workloadList(ws)}).` };
  }
  return { severity: 'low', open, text: 'under mesh-wide STRICT the destination sidecars refuse clients without a mesh certificate, so the gateway\'s reachability and the services\' AuthorizationPolicies are what remains to check.' };
}
