import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import { isObject } from '../../model/workloads.js';
import { exportScope } from '../../tenancy/visibility.js';
import { ISTIO_NET_GROUP, listSome, quote } from './common.js';

/** Protocols whose traffic Istio routes by a name the client sends: the Host header (HTTP family) or the TLS SNI. */
const NAME_MATCHED = new Set(['HTTP', 'HTTP2', 'HTTP_PROXY', 'GRPC', 'GRPC-WEB', 'HTTPS', 'TLS']);

export default defineRule({
  meta: {
    id: 'EGR006',
    title: 'ServiceEntry with resolution NONE and no addresses opens its TCP ports to any destination',
    severity: 'high',
    category: 'egress',
    scope: 'namespace',
    reads: ['networking.istio.io/ServiceEntry', 'ConfigMap', 'install.istio.io/IstioOperator'],
    docs: {
      summary:
        'A ServiceEntry with only specific hosts (no wildcard: that case is EGR005), resolution NONE (set, or left at its default) and no `addresses` declares a port whose protocol is TCP, unset, or another protocol Istio cannot read a host name from (MONGO, MYSQL, REDIS...). High when other namespaces see the entry, medium when it is exported to its own namespace only. HTTP, HTTP2, gRPC, HTTPS and TLS ports are matched by Host header or SNI and are not reported.',
      why:
        "Without an address Istio cannot tell a TCP connection for this host from any other on the same port: it builds a listener on 0.0.0.0 for the port and, with resolution NONE, forwards each connection to whatever address the client dialled. The host name is never checked, so declaring `db.partner.example` on port 5432 lets every workload that sees the entry reach any PostgreSQL server anywhere — the same hole as a wildcard host, in a REGISTRY_ONLY mesh that was meant to allow only that one service. Istio's DNS auto-allocation does not help: it gives no address to entries with resolution NONE.",
      fix:
        'Give the entry the addresses (IPs or CIDRs) of the service so the listener matches them, or use resolution DNS (or STATIC with endpoints) so Istio picks the endpoints itself; use TLS with SNI where the protocol allows. Limit visibility with `exportTo: ["."]`.',
      bad: 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: partner-db, namespace: shop}\nspec:\n  hosts: [db.partner.example]\n  location: MESH_EXTERNAL\n  resolution: NONE\n  ports: [{number: 5432, name: tcp-pg, protocol: TCP}]',
      good: 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: partner-db, namespace: shop}\nspec:\n  hosts: [db.partner.example]\n  addresses: [203.0.113.10/32]\n  exportTo: ["."]\n  location: MESH_EXTERNAL\n  resolution: NONE\n  ports: [{number: 5432, name: tcp-pg, protocol: TCP}]',
      references: [
        'https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry-Resolution',
        'https://istio.io/latest/docs/reference/config/analysis/ist0134/',
        'https://istio.io/latest/docs/ops/configuration/traffic-management/dns-proxy/#address-auto-allocation',
      ],
    },
  },
  check({ model, report }) {
    for (const se of model.ofKind(ISTIO_NET_GROUP, 'ServiceEntry')) {
      const spec = se.obj?.spec;
      if (!isObject(spec) || !Array.isArray(spec.hosts) || !Array.isArray(spec.ports)) continue;
      const hosts = spec.hosts.filter((h: unknown): h is string => typeof h === 'string' && h.trim() !== '');
      // Wildcard hosts are EGR005's: it reports the whole entry, TCP ports included.
      if (!hosts.length || hosts.some((h: string) => h.trim().startsWith('*'))) continue;
      // NONE is the enum's zero value: an absent resolution means NONE.
      const res = spec.resolution;
      if (res !== undefined && res !== null && res !== 'NONE') continue;
      if (Array.isArray(spec.addresses) && spec.addresses.some((a: unknown) => typeof a === 'string' && a.trim() !== '')) continue;

      const opaque: Array<{ index: number; label: string }> = [];
      spec.ports.forEach((p: unknown, index: number) => {
        if (!isObject(p) || (typeof p.number !== 'number' && typeof p.number !== 'string')) return;
        const proto = typeof p.protocol === 'string' ? p.protocol.trim().toUpperCase() : '';
        if (NAME_MATCHED.has(proto)) return;
        opaque.push({ index, label: `${String(p.number).slice(0, 8)}/${proto ? proto.slice(0, 12) : 'no protocol'}` });
      });
      if (!opaque.length) continue;

      const scope = exportScope(model, 'ServiceEntry', se.namespace, spec.exportTo);
      // exportTo ["~"]: no proxy sees the entry.
      if (!scope.all && scope.namespaces.size === 0) continue;
      const ownOnly = !scope.all && [...scope.namespaces].every((ns) => ns === se.namespace);
      const severity: Severity = ownOnly ? 'medium' : 'high';
      const who = ownOnly ? `workloads in ${se.namespace}` : scope.all ? 'every workload in the mesh' : `workloads in ${listSome([...scope.namespaces].sort(), 5)}`;
      report({
        resource: se,
        path: ['spec', 'ports', opaque[0].index],
        severity,
        key: opaque.map((o) => o.label).join(','),
        message: `ServiceEntry ${se.namespace}/${se.name} declares ${listSome(hosts.map((h: string) => quote(h)), 3)} with resolution NONE${
          res === undefined || res === null ? ' (the default)' : ''
        } and no addresses: on port${opaque.length === 1 ? '' : 's'} ${listSome(opaque.map((o) => o.label), 6)} Istio matches connections by port only, so ${who} can reach any address on ${
          opaque.length === 1 ? 'that port' : 'those ports'
        }, as if the host were "*" (an allow-any hole even under REGISTRY_ONLY).`,
      });
    }
  },
});
