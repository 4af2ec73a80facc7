import { defineRule } from '../types.js';
import type { Resource } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { hostsOverlap } from '../../model/hosts.js';
import { listSome, MITIGATION, sharedGatewayReason, virtualServicesBoundTo } from './common.js';

export default defineRule({
  meta: {
    id: 'HJK005',
    title: 'Istio Gateway lets VirtualServices of any namespace bind its hosts',
    severity: 'high',
    category: 'traffic-hijack',
    reads: ['networking.istio.io/Gateway', 'networking.istio.io/VirtualService', 'Namespace'],
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        "A server of an Istio `Gateway` lists a host without a `namespace/` prefix, or with the `*/` prefix: a VirtualService in any namespace may bind that host to the gateway. `*` or `*/*` (every host, from every namespace) is high; a specific or wildcard domain open to every namespace is medium. Servers in `tls.mode: AUTO_PASSTHROUGH` are left out: they route by SNI without any VirtualService (see AUT019).",
      why:
        "A Gateway server's `hosts` are `namespace/dnsName`; the namespace part says whose VirtualServices may attach routes for that name, and leaving it out means `*/`. Anyone who may create a VirtualService anywhere in the mesh can then bind `gateways: [ns/name]` and take the gateway's requests for those hosts — the public hostnames of other teams — and Sidecar-based config scoping does not apply to hosts on Gateways. With `*`, the tenant picks any hostname at all.",
      fix:
        `Prefix every server host with the namespace that owns it (\`shop/www.shop.example.com\`, or \`./host\` for the gateway's own namespace); give each tenant its own hosts, or its own gateway. ${MITIGATION}`,
      bad: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: public, namespace: istio-ingress}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*"]\n    tls: {mode: SIMPLE, credentialName: wildcard-cert}',
      good: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: public, namespace: istio-ingress}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [shop/www.shop.example.com, payments/pay.example.com]\n    tls: {mode: SIMPLE, credentialName: public-cert}',
      references: [
        'https://istio.io/latest/docs/reference/config/networking/gateway/#Server',
        'https://istio.io/latest/blog/2026/security-considerations-on-namespace-based-multi-tenancy/',
      ],
    },
  },
  check({ model, report }) {
    const gateways = model.ofKind('networking.istio.io', 'Gateway');
    if (!gateways.length) return;
    for (const gw of gateways) {
      const servers = gw.obj?.spec?.servers;
      if (!Array.isArray(servers)) continue;
      const ref = `${gw.namespace}/${gw.name}`;
      const shared = sharedGatewayReason(model, gw.namespace, gw.name);
      let foreign: Resource[] | null = null;
      const foreignBinders = (): Resource[] => (foreign ??= virtualServicesBoundTo(model, gw.namespace, gw.name).filter((vs) => vs.namespace !== gw.namespace));
      // A bound VirtualService adds routes to a server only for its hosts that intersect the server's
      // (Istio's gateway route builder: host.Names.Intersection, pilot/pkg/networking/core/gateway.go);
      // one bound for another name of the Gateway takes nothing of this host, so it is not named here.
      const bindersOf = (dns: string): Resource[] => foreignBinders().filter((vs) => virtualServiceHosts(vs).some((h) => hostsOverlap(dns, h)));
      servers.forEach((server: unknown, i: number) => {
        if (!isObject(server) || !Array.isArray(server.hosts)) return;
        // AUTO_PASSTHROUGH routes by the SNI Istio's clients set (outbound_.PORT_._.HOST) and never consults a
        // VirtualService, so binding one to this server changes nothing: the namespace prefix is moot (AUT019's business).
        if (isObject(server.tls) && typeof server.tls.mode === 'string' && server.tls.mode.toUpperCase() === 'AUTO_PASSTHROUGH') return;
        const port = isObject(server.port) && (typeof server.port.number === 'number' || typeof server.port.name === 'string') ? ` (port ${server.port.number ?? server.port.name})` : '';
        server.hosts.forEach((raw: unknown, j: number) => {
          if (typeof raw !== 'string') return;
          const text = raw.trim();
          if (!text) return;
          const slash = text.indexOf('/');
          const nsPart = slash >= 0 ? text.slice(0, slash) : null;
          const dns = (slash >= 0 ? text.slice(slash + 1) : text).toLowerCase();
          if (nsPart !== null && nsPart !== '*') return; // bound to one namespace (or `.`): that namespace's business
          const everything = dns === '*';
          const how = nsPart === null ? 'without a namespace/ prefix (the same as */)' : 'with the */ prefix';
          // The host as written (hosts match case-insensitively; the lower-cased form is only for the test above).
          const shown = slash >= 0 ? text.slice(slash + 1) : text;
          const binders = bindersOf(dns);
          const what = everything ? 'any VirtualService in any namespace may bind any host to it' : `a VirtualService in any namespace may bind ${JSON.stringify(shown)} to it`;
          report({
            resource: gw,
            path: ['spec', 'servers', i, 'hosts', j],
            severity: everything ? 'high' : 'medium',
            key: `${i}:${text}`,
            message: `Gateway ${ref}${shared ? `, shared (${shared}),` : ''} serves ${JSON.stringify(text)}${port} ${how}: ${what} and take the requests that reach the gateway for it.${
              binders.length ? ` VirtualServices of other namespaces bound to it for ${everything ? 'their hosts' : 'that host'}: ${listSome(binders.map((v) => `${v.namespace}/${v.name}`), 4)}.` : ''
            }`,
            evidence: binders.slice(0, 10).map((vs) => ({ role: 'bound-virtualservice', description: `VirtualService ${vs.namespace}/${vs.name} binds gateway ${ref} for ${JSON.stringify(shown)}`, resource: vs })),
          });
        });
      });
    }
  },
});

/** The hosts a VirtualService names, lower-cased as Istio compares them; anything not a string is left out. */
function virtualServiceHosts(vs: Resource): string[] {
  const hosts = vs.obj?.spec?.hosts;
  return Array.isArray(hosts) ? hosts.filter((h): h is string => typeof h === 'string').map((h) => h.trim().toLowerCase()) : [];
}
