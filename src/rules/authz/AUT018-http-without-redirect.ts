import { defineRule } from '../types.js';
import type { Resource } from '../../model/resource.js';
import { hostsOverlap } from '../../model/hosts.js';
import { listSome, push } from '../../posture/util.js';
import { ISTIO_GW, gatewayServers, type ServerView } from './common.js';
import { selectsEgressGateway } from '../../model/egress-gateway.js';

const PLAIN = new Set(['HTTP', 'HTTP2', 'GRPC']);

export default defineRule({
  meta: {
    id: 'AUT018',
    title: 'Gateway serves plain HTTP without a redirect beside HTTPS for the same hosts',
    severity: 'medium',
    category: 'authn-authz',
    scope: 'namespace',
    reads: [ISTIO_GW],
    docs: {
      summary:
        'An Istio Gateway has an HTTP (or HTTP2 / GRPC) server without `tls.httpsRedirect: true` whose hosts overlap an HTTPS server of the same Gateway or of another Gateway with the same selector (the same gateway pods). Host overlap follows Istio wildcards and ignores `namespace/` prefixes. Gateways for the egress gateway (selector `istio: egressgateway` or `app: istio-egressgateway`) are left out: their clients are the mesh\'s sidecars, not browsers.',
      why:
        'The application is then reachable over both schemes. Links, bookmarks and clients that start with http:// send cookies, tokens and form data in plaintext, where anyone on the network path reads or alters them, and an active attacker can keep a victim on HTTP (SSL stripping). A redirect makes the first plaintext request the last one; HSTS at the application then removes even that.',
      fix: 'Set `tls: {httpsRedirect: true}` on the HTTP server (the gateway answers 301 to https), or drop the HTTP server, and send `Strict-Transport-Security` from the application.',
      bad: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: shop, namespace: istio-system}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [shop.example.com]\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [shop.example.com]\n    tls: {mode: SIMPLE, credentialName: shop-cert}',
      good: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: shop, namespace: istio-system}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [shop.example.com]\n    tls: {httpsRedirect: true}\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [shop.example.com]\n    tls: {mode: SIMPLE, credentialName: shop-cert}',
      references: ['https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings', 'https://owasp.org/www-community/controls/HTTP_Strict_Transport_Security_Cheat_Sheet'],
    },
  },
  check({ model, report }) {
    // Gateways apply to the pods their selector picks, so group servers by selector.
    const groups = new Map<string, Array<{ g: Resource; s: ServerView }>>();
    for (const g of model.ofKind('networking.istio.io', 'Gateway')) {
      const sel = g.obj?.spec?.selector;
      // The egress gateway's clients are the mesh's sidecars, not browsers that start with http://: a
      // redirect to https there would only break origination through it.
      if (selectsEgressGateway(sel)) continue;
      const key = sel && typeof sel === 'object' && !Array.isArray(sel) ? JSON.stringify(Object.entries(sel).map(([k, v]) => [k, String(v)]).sort()) : `none:${g.namespace}/${g.name}`;
      for (const s of gatewayServers(g)) push(groups, key, { g, s });
    }
    for (const servers of groups.values()) {
      const https = servers.filter(({ s }) => s.protocol === 'HTTPS');
      if (!https.length) continue;
      for (const { g, s } of servers) {
        if (!PLAIN.has(s.protocol) || s.tls?.httpsRedirect === true) continue;
        const overlap: string[] = [];
        let other: { g: Resource; s: ServerView } | null = null;
        // Prefer an HTTPS server of the same Gateway, then one naming the host exactly.
        const ranked = [...https].sort((a, b) => Number(b.g === g) - Number(a.g === g) || Number(b.s.hosts.some((t) => s.hosts.includes(t))) - Number(a.s.hosts.some((t) => s.hosts.includes(t))));
        for (const h of s.hosts) {
          const match = ranked.find((x) => x.s.hosts.some((t) => hostsOverlap(h, t)));
          if (match) {
            overlap.push(h);
            other ??= match;
          }
        }
        if (!overlap.length || !other) continue;
        const where = other.g === g ? `server ${other.s.index}` : `Gateway ${other.g.namespace}/${other.g.name} server ${other.s.index}`;
        report({
          resource: g,
          path: [...s.path, 'port', 'protocol'],
          key: String(s.index),
          message: `Gateway ${g.namespace}/${g.name} server ${s.index} serves ${listSome(overlap, 3)} over plain ${s.protocol} on port ${s.port ?? '?'} without httpsRedirect, while ${where} serves ${overlap.length === 1 ? 'it' : 'them'} over HTTPS: cookies and tokens of clients that start with http:// travel in plaintext.`,
          evidence: [{ role: 'https-server', description: `${where} (port ${other.s.port ?? '?'}) serves the same hosts over HTTPS`, resource: other.g, path: other.s.path }],
        });
      }
    }
  },
});
