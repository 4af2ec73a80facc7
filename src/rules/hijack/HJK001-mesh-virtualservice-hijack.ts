import { defineRule, type EvidenceInput } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import { exportScope, namespacesTaking } from '../../tenancy/visibility.js';
import { claimVictims, claimsTouched, describeScope, isClusterHost, listSome, MITIGATION } from './common.js';
import { WORKLOAD_READS } from '../reads.js';
import { objectsWhere } from '../objects-where.js';
import type { MeshModel } from '../../model/model.js';
import type { Resource } from '../../model/resource.js';

export default defineRule({
  meta: {
    id: 'HJK001',
    title: "Mesh-bound VirtualService claims another tenant's host",
    severity: 'critical',
    category: 'traffic-hijack',
    reads: ['networking.istio.io/VirtualService', 'Service', 'networking.istio.io/ServiceEntry', 'networking.istio.io/Sidecar', 'Namespace', 'ConfigMap', ...WORKLOAD_READS],
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        "A VirtualService bound to the `mesh` gateway (no `gateways`, or a list that includes `mesh`) names, or covers with a wildcard, a host that belongs to another tenant — a Service in another namespace, or an external host another tenant's policy allows — and its exportTo reaches other tenants' namespaces. A Service host is owned by the namespace its name says (`name.ns.svc.<cluster domain>`), even when neither that Service nor its Namespace is in the input; a ServiceEntry of another namespace declaring that name does not make it that namespace's.",
      why:
        "Istio routing config is mesh-scoped: the route is programmed into the sidecar of every namespace it is exported to, so every client of the victim's host, in any namespace, is sent wherever the attacker's VirtualService says. The attacker can read, alter, redirect or drop that traffic. mTLS does not help: the victim's clients authenticate the attacker's service as the destination, and requests the attacker forwards arrive with the attacker's identity. Istio documents this as expected behaviour (ISTIO-SECURITY-2026-002): namespaces are not a hard tenancy boundary for networking config.",
      fix:
        `Restrict the VirtualService to hosts its own namespace owns, or to \`exportTo: ["."]\`. ${MITIGATION}`,
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: payments, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: payments-api, namespace: payments}\nspec: {ports: [{port: 80}]}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: grab, namespace: shop}\nspec:\n  hosts: [payments-api.payments.svc.cluster.local]\n  http:\n  - route:\n    - destination: {host: collector.shop.svc.cluster.local}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: payments, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: storefront, namespace: shop}\nspec: {ports: [{port: 80}]}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: storefront, namespace: shop}\nspec:\n  hosts: [storefront]          # shop\'s own Service\n  exportTo: ["."]\n  http:\n  - route:\n    - destination: {host: storefront}',
      references: [
        'https://istio.io/latest/news/security/istio-security-2026-002/',
        'https://istio.io/latest/blog/2026/security-considerations-on-namespace-based-multi-tenancy/',
        'https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService',
        'https://istio.io/latest/docs/ops/best-practices/security/',
      ],
    },
  },
  check({ model, report }) {
    const tenancy = model.tenancy;
    // Only a VirtualService claiming a host someone else owns (or, under a tenant policy, one outside
    // its tenant's allowance) can be reported: which do depends on the object, the host index and the
    // tenancy, so the list is kept until one of them changes (objectsWhere; a new model, a Service or a
    // ServiceEntry changed, makes a new host index). The rest of the check reads Sidecars and exportTo.
    const virtualServices = model.ofKind('networking.istio.io', 'VirtualService');
    const claiming = objectsWhere(virtualServices, 'hjk001-claims', (vs) => claimsOthers(model, vs), model.hosts, claimsTouched(model, rawHosts, virtualServices));
    // claimsOthers kept only mesh-bound VirtualServices outside the platform with a list of hosts.
    for (const vs of claiming) {
      const spec = vs.obj?.spec;
      if (!spec || typeof spec !== 'object' || !Array.isArray(spec.hosts)) continue;
      const scope = exportScope(model, 'VirtualService', vs.namespace, spec.exportTo);
      spec.hosts.forEach((raw: unknown, i: number) => {
        if (typeof raw !== 'string') return;
        const host = model.resolveHost(raw, vs.namespace);
        const victims = claimVictims(model, vs.namespace, host);
        if (!victims.any) {
          // With a tenant policy, an external host outside the tenant's allowance is nobody's to claim mesh-wide.
          if (tenancy.hasPolicy && !isClusterHost(model, host) && !tenancy.mayClaimHost(vs.namespace, host)) {
            const takers = namespacesTaking(model, scope, vs.namespace, host).filter((ns) => !tenancy.sameTenant(ns, vs.namespace));
            if (!takers.length) return;
            report({
              resource: vs,
              path: ['spec', 'hosts', i],
              severity: 'high',
              key: host,
              message: `VirtualService ${vs.namespace}/${vs.name} claims the external host "${raw}" on the mesh gateway, outside tenant ${tenancy.tenantOf(vs.namespace).name}'s allowed hosts; sidecars in ${listSome(takers, 5)} send their traffic for it to ${vs.namespace}'s routes.`,
              evidence: [{ role: 'affected-namespaces', description: `other tenants' namespaces taking the route: ${listSome(takers, 10)}` }],
            });
          }
          return;
        }
        // Only other tenants' proxies taking the route make it a hijack; a config exported to its own tenant is not one.
        const takers = namespacesTaking(model, scope, vs.namespace, host).filter((ns) => !tenancy.sameTenant(ns, vs.namespace));
        if (!takers.length) return;
        const severity: Severity = victims.services.length || victims.tenants.length || victims.namespaces.length ? 'critical' : 'high';
        const evidence: EvidenceInput[] = [
          ...victims.services.slice(0, 20).map((o) => ({ role: 'victim', description: `${o.via} ${o.namespace}/${o.resource.name} owns ${o.host}`, resource: o.resource })),
          ...victims.namespaces.map((ns) => ({ role: 'victim', description: `namespace ${ns} (tenant ${tenancy.tenantOf(ns).name}) owns the hosts ${host} covers`, resource: model.namespace(ns).resource ?? undefined })),
          ...victims.tenants.map((t) => ({ role: 'victim', description: `tenant ${t}'s policy allows it the host ${host}` })),
          ...victims.entries.slice(0, 10).map((o) => ({ role: 'victim', description: `ServiceEntry ${o.namespace}/${o.resource.name} declares ${o.host} for namespace ${o.namespace}`, resource: o.resource })),
          { role: 'affected-namespaces', description: `sidecars in ${takers.length} namespace${takers.length === 1 ? '' : 's'} of other tenants take this route: ${listSome(takers, 10)}` },
          { role: 'export-scope', description: describeScope(scope, 'VirtualService'), resource: scope.origin === 'mesh-default' ? model.mesh.resource ?? undefined : undefined },
        ];
        report({
          resource: vs,
          path: ['spec', 'hosts', i],
          severity,
          key: host,
          message: `VirtualService ${vs.namespace}/${vs.name} claims "${raw}"${host !== raw ? ` (${host})` : ''} on the mesh gateway, which belongs to ${victims.summary}; sidecars in ${listSome(takers, 5)} send that traffic to ${vs.namespace}'s routes (${describeScope(scope, 'VirtualService')}).`,
          evidence,
        });
      });
    }
  },
});

/** Whether a mesh-bound VirtualService outside the platform claims a host someone else owns, or one outside its tenant's allowance. */
function claimsOthers(model: MeshModel, vs: Resource): boolean {
  const tenancy = model.tenancy;
  if (tenancy.isPlatform(vs.namespace)) return false;
  const spec = vs.obj?.spec;
  if (!spec || typeof spec !== 'object' || !Array.isArray(spec.hosts)) return false;
  const gateways = spec.gateways;
  if (!(!Array.isArray(gateways) || gateways.length === 0 || gateways.includes('mesh'))) return false;
  return spec.hosts.some((raw: unknown) => {
    if (typeof raw !== 'string') return false;
    const host = model.resolveHost(raw, vs.namespace);
    return claimVictims(model, vs.namespace, host).any || (tenancy.hasPolicy && !isClusterHost(model, host) && !tenancy.mayClaimHost(vs.namespace, host));
  });
}

/** A VirtualService's hosts, as written. */
function rawHosts(vs: Resource): readonly unknown[] {
  const hosts = vs.obj?.spec?.hosts;
  return Array.isArray(hosts) ? hosts : [];
}
