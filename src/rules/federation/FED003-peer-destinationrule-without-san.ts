import { defineRule } from '../types.js';
import { isObject } from '../../model/workloads.js';
import { tlsBlocks } from '../authz/common.js';
import { DR, SE, peerImports, shown, sniHost, type PeerImport } from './common.js';
import { objectsWhere } from '../objects-where.js';

function hasSans(v: unknown): boolean {
  return Array.isArray(v) && v.some((s) => typeof s === 'string' && s.length > 0);
}

/** SANs Istio falls back to for ISTIO_MUTUAL when the DestinationRule gives none: the ServiceEntry's own. */
function serviceEntrySans(imp: PeerImport | undefined): boolean {
  const spec = imp?.se.obj?.spec;
  if (!isObject(spec)) return false;
  if (hasSans(spec.subjectAltNames)) return true;
  return Array.isArray(spec.endpoints) && spec.endpoints.length > 0 && spec.endpoints.every((e: unknown) => isObject(e) && typeof e.serviceAccount === 'string' && e.serviceAccount.length > 0);
}

export default defineRule({
  meta: {
    id: 'FED003',
    title: "DestinationRule to a peer mesh's service does not check the server's identity",
    severity: 'high',
    category: 'federation',
    reads: [DR, SE],
    docs: {
      summary:
        "A DestinationRule for a service of a peer mesh — its host is declared by a MESH_INTERNAL ServiceEntry whose endpoints go to an east-west port (15443, or a gateway port of the plan), or it sends an `outbound_.PORT_._.HOST` SNI naming another host — sets `tls` (ISTIO_MUTUAL, MUTUAL or SIMPLE, at top level, per port or per subset) without `subjectAltNames`. For ISTIO_MUTUAL the ServiceEntry's `subjectAltNames` (or a `serviceAccount` on every endpoint) is what Istio checks instead, and counts.",
      why:
        "Without subjectAltNames the client proxy accepts any certificate its root verifies. Across a federation that is every workload of every mesh under the shared root: whoever controls the endpoint's address (the east-west gateway's DNS name or IP, a route to it) or any one workload under that root can answer for the peer's service, and receives the requests and the credentials they carry.",
      fix:
        "Set `subjectAltNames` to the exporter's identities (`spiffe://<peer trust domain>/ns/<namespace>/sa/<service account>`) on every tls block of the DestinationRule (port-level settings replace the top-level ones), as `meshward federate` does.",
      bad: 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: card-api, namespace: shop}\nspec:\n  hosts: [card-api.east.global]\n  location: MESH_INTERNAL\n  resolution: STATIC\n  ports: [{number: 8080, name: http, protocol: HTTP}]\n  endpoints: [{address: 198.51.100.10, ports: {http: 15443}}]\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: card-api, namespace: shop}\nspec:\n  host: card-api.east.global\n  trafficPolicy:\n    tls:\n      mode: ISTIO_MUTUAL\n      sni: outbound_.8080_._.card-api.payments.svc.cluster.local',
      good: 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: card-api, namespace: shop}\nspec:\n  hosts: [card-api.east.global]\n  location: MESH_INTERNAL\n  resolution: STATIC\n  ports: [{number: 8080, name: http, protocol: HTTP}]\n  endpoints: [{address: 198.51.100.10, ports: {http: 15443}}]\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: card-api, namespace: shop}\nspec:\n  host: card-api.east.global\n  trafficPolicy:\n    tls:\n      mode: ISTIO_MUTUAL\n      sni: outbound_.8080_._.card-api.payments.svc.cluster.local\n      subjectAltNames: [spiffe://east.example.com/ns/payments/sa/card-api]',
      references: ['https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings', 'https://istio.io/latest/docs/reference/config/networking/service-entry/'],
    },
  },
  check({ model, settings, report }) {
    const byHost = new Map<string, PeerImport>();
    for (const imp of peerImports(model, settings.federationPlan)) for (const h of imp.hosts) if (!byHost.has(h)) byHost.set(h, imp);
    // Without peer imports only a DestinationRule whose TLS names an SNI can be reported: those alone
    // are walked (kept per DestinationRule list, objectsWhere).
    const all = model.ofKind('networking.istio.io', 'DestinationRule');
    const drs = byHost.size ? all : objectsWhere(all, 'tls-sni', (dr) => tlsBlocks(dr).some((b) => sniHost(b.tls.sni) !== null));
    for (const dr of drs) {
      const spec = dr.obj?.spec;
      if (!isObject(spec) || typeof spec.host !== 'string') continue;
      const host = model.resolveHost(spec.host, dr.namespace);
      const imp = byHost.get(host);
      const blocks = tlsBlocks(dr);
      const foreignSni = blocks.map((b) => sniHost(b.tls.sni)).find((h) => h !== null && h !== host);
      if (!imp && !foreignSni) continue;
      const peer = imp ? `a peer mesh's service (ServiceEntry ${imp.se.namespace}/${imp.se.name} sends it to ${shown(imp.endpoints[0]!.address)}:${imp.endpoints[0]!.port})` : `a peer mesh's service (its SNI names ${shown(foreignSni)})`;
      for (const b of blocks) {
        const mode = typeof b.tls.mode === 'string' ? b.tls.mode.toUpperCase() : '';
        if (mode !== 'ISTIO_MUTUAL' && mode !== 'MUTUAL' && mode !== 'SIMPLE') continue;
        if (hasSans(b.tls.subjectAltNames)) continue;
        if (mode === 'ISTIO_MUTUAL' && serviceEntrySans(imp)) continue;
        report({
          resource: dr,
          path: b.path,
          key: b.where,
          message: `DestinationRule ${dr.namespace}/${dr.name} (${b.where}) sends ${mode} to ${shown(spec.host)}, ${peer}, without subjectAltNames: the client accepts any certificate of the shared root, so any workload under that root, or whoever controls the gateway address, can answer for the service.`,
          evidence: imp ? [{ role: 'service-entry', description: `ServiceEntry ${imp.se.namespace}/${imp.se.name} imports the host through an east-west gateway`, resource: imp.se, path: imp.endpoints[0]!.path }] : [],
        });
      }
    }
  },
});
