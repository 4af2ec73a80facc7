import { defineRule } from '../types.js';
import { isObject } from '../../model/workloads.js';
import { ISTIO_NET_GROUP, listSome, quote } from './common.js';

export default defineRule({
  meta: {
    id: 'EGR005',
    title: 'ServiceEntry with a wildcard host and resolution NONE passes traffic to any address',
    severity: 'high',
    category: 'egress',
    scope: 'namespace',
    reads: ['networking.istio.io/ServiceEntry', 'ConfigMap', 'install.istio.io/IstioOperator'],
    docs: {
      summary:
        'A ServiceEntry lists a wildcard host (`*` or `*.example.com`) with resolution NONE (set, or left at its default) and no `addresses`.',
      why:
        "With resolution NONE the sidecar does not pick an endpoint: it forwards the connection to the IP address the application dialled. For HTTP it matches the Host header and for TLS the SNI against the wildcard, and the client chooses both, so any server can be reached by presenting a matching name; on TCP ports (or ports without a protocol) and no addresses the host is not checked at all and the whole port is open. This is an allow-any hole even when the mesh runs REGISTRY_ONLY, and without exportTo it applies to every namespace that can see it.",
      fix:
        'List the exact external hosts the workload needs with resolution DNS (or STATIC with endpoints), give TCP services their addresses, and limit visibility with exportTo: ["."]. When a wildcard is unavoidable, route it through an egress gateway that enforces the allowed names (an SNI proxy with an explicit allow-list) rather than passing it through from each sidecar.',
      bad: 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: any-https, namespace: shop}\nspec:\n  hosts: ["*.example.com"]\n  location: MESH_EXTERNAL\n  ports: [{number: 443, name: tls, protocol: TLS}]\n  resolution: NONE',
      good: 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: api, namespace: shop}\nspec:\n  hosts: ["api.example.com"]\n  exportTo: ["."]\n  location: MESH_EXTERNAL\n  ports: [{number: 443, name: tls, protocol: TLS}]\n  resolution: DNS',
      references: [
        'https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry-Resolution',
        'https://istio.io/latest/docs/reference/config/networking/service-entry/',
        'https://istio.io/latest/docs/reference/config/analysis/ist0134/',
        'https://istio.io/latest/docs/tasks/traffic-management/egress/wildcard-egress-hosts/',
      ],
    },
  },
  check({ model, report }) {
    const meshDefault = model.mesh.config.defaultServiceExportTo;
    const meshDefaultNarrow = Array.isArray(meshDefault) && meshDefault.length > 0 && !meshDefault.includes('*');

    for (const se of model.ofKind(ISTIO_NET_GROUP, 'ServiceEntry')) {
      const spec = se.obj?.spec;
      if (!isObject(spec) || !Array.isArray(spec.hosts)) continue;
      const wild: Array<{ host: string; index: number }> = [];
      spec.hosts.forEach((h: unknown, index: number) => {
        if (typeof h === 'string' && (h === '*' || h.startsWith('*.'))) wild.push({ host: h, index });
      });
      if (wild.length === 0) continue;
      // NONE is the enum's zero value: an absent resolution means NONE.
      const res = spec.resolution;
      if (res !== undefined && res !== null && res !== 'NONE') continue;
      if (Array.isArray(spec.addresses) && spec.addresses.some((a: unknown) => typeof a === 'string' && a.trim() !== '')) continue;

      const ports = portsOf(spec.ports);
      const onPorts = ports.all.length ? ` on port${ports.all.length === 1 ? '' : 's'} ${listSome(ports.all, 6)}` : '';
      const tcpNote = ports.opaque.length
        ? ` On ${listSome(ports.opaque, 6)} (TCP or no protocol) the host is not checked at all: any destination on that port passes.`
        : '';

      let visibility = '';
      const exportTo = spec.exportTo;
      if (Array.isArray(exportTo) && exportTo.includes('*')) visibility = ' It is exported to every namespace (exportTo "*").';
      else if (exportTo === undefined || exportTo === null) {
        visibility = meshDefaultNarrow
          ? ` It has no exportTo; the mesh's defaultServiceExportTo ${quote(meshDefault)} limits who sees it.`
          : ' It has no exportTo, so it is visible mesh-wide.';
      }

      report({
        resource: se,
        path: ['spec', 'hosts', wild[0].index],
        message: `ServiceEntry ${se.namespace}/${se.name} has wildcard host${wild.length === 1 ? '' : 's'} ${listSome(
          wild.map((w) => quote(w.host)),
          4,
        )} with resolution NONE${res === undefined || res === null ? ' (the default)' : ''} and no addresses: sidecars forward matching traffic${onPorts} to whatever address the client dialled, an allow-any hole even under REGISTRY_ONLY.${tcpNote}${visibility}`,
      });
    }
  },
});

/** Port numbers as `443/TLS`, plus those where Istio cannot match a host (TCP, or no protocol). */
function portsOf(raw: unknown): { all: string[]; opaque: string[] } {
  const all: string[] = [];
  const opaque: string[] = [];
  if (!Array.isArray(raw)) return { all, opaque };
  for (const p of raw) {
    if (!isObject(p) || (typeof p.number !== 'number' && typeof p.number !== 'string')) continue;
    const proto = typeof p.protocol === 'string' && p.protocol ? p.protocol.toUpperCase() : '';
    const label = `${String(p.number).slice(0, 8)}${proto ? `/${proto.slice(0, 12)}` : ''}`;
    all.push(label);
    if (proto === '' || proto === 'TCP') opaque.push(label);
  }
  return { all, opaque };
}
