import { defineRule } from '../types.js';
import { listSome } from '../../posture/util.js';
import { ISTIO_GW, gatewayServers } from './common.js';

export default defineRule({
  meta: {
    id: 'AUT019',
    title: 'Gateway passes TLS through for every host (`*` or `*.local`)',
    severity: 'high',
    category: 'authn-authz',
    reads: [ISTIO_GW],
    docs: {
      summary:
        "A server of an Istio Gateway with `tls.mode` AUTO_PASSTHROUGH (high) or PASSTHROUGH (medium) lists `*`, `*.local`, or a wildcard over the cluster's service domain (`*.cluster.local`, `*.svc.cluster.local`) among its hosts.",
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
    const domain = model.clusterDomain.toLowerCase();
    const broad = new Set(['*', '*.local', `*.${domain}`, `*.svc.${domain}`]);
    for (const g of model.ofKind('networking.istio.io', 'Gateway')) {
      for (const s of gatewayServers(g)) {
        const mode = typeof s.tls?.mode === 'string' ? s.tls.mode.toUpperCase() : '';
        if (mode !== 'AUTO_PASSTHROUGH' && mode !== 'PASSTHROUGH') continue;
        const wide = s.hosts.filter((h) => broad.has(h));
        if (!wide.length) continue;
        const auto = mode === 'AUTO_PASSTHROUGH';
        report({
          resource: g,
          path: [...s.path, 'hosts'],
          key: String(s.index),
          severity: auto ? 'high' : 'medium',
          message: auto
            ? `Gateway ${g.namespace}/${g.name} server ${s.index} (port ${s.port ?? '?'}) passes TLS through automatically for ${listSome(wide, 3)}: anyone who reaches the gateway can connect to any service of the mesh by naming it in SNI.`
            : `Gateway ${g.namespace}/${g.name} server ${s.index} (port ${s.port ?? '?'}) passes TLS through for ${listSome(wide, 3)}: it accepts any SNI, leaves the traffic opaque to gateway policy, and routes wherever a VirtualService bound to it says.`,
        });
      }
    }
  },
});
