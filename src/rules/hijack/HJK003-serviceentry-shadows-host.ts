import { defineRule } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import { isObject } from '../../model/workloads.js';
import { exportScope, namespacesTaking } from '../../tenancy/visibility.js';
import { claimVictims, describeScope, listSome, MITIGATION, victimEvidence } from './common.js';
import { WORKLOAD_READS } from '../reads.js';

/**
 * Where a ServiceEntry sends the traffic it takes: to endpoints its author picks (`endpoints`,
 * `workloadSelector`), nowhere (STATIC without endpoints: the clients' calls fail), or on to the
 * address the client dialled or the name resolves to (NONE, or DNS without endpoints), which
 * redirects nothing by itself.
 */
function destinationOf(spec: Record<string, any>): { kind: 'chosen' | 'none' | 'original'; text: string } {
  const resolution = typeof spec.resolution === 'string' ? spec.resolution : 'NONE';
  if ((Array.isArray(spec.endpoints) && spec.endpoints.length > 0) || isObject(spec.workloadSelector)) {
    return { kind: 'chosen', text: 'sends it to endpoints of its author\'s choosing' };
  }
  if (resolution === 'STATIC') return { kind: 'none', text: 'has no endpoints, so their calls fail' };
  return { kind: 'original', text: `passes it on to ${resolution === 'NONE' ? 'the address the client dialled' : 'what the name resolves to'}, but defines its ports and protocols and puts this namespace on its DestinationRule lookup path (HJK004)` };
}

export default defineRule({
  meta: {
    id: 'HJK003',
    title: "ServiceEntry shadows a host that belongs to another tenant",
    severity: 'critical',
    category: 'traffic-hijack',
    reads: ['networking.istio.io/ServiceEntry', 'Service', 'networking.istio.io/Sidecar', 'Namespace', 'ConfigMap', ...WORKLOAD_READS],
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        "A ServiceEntry in a tenant namespace declares a host that another tenant owns — a Service's cluster name (or a wildcard over another namespace's Services), a host another namespace's ServiceEntry declares, or an external host another tenant's policy allowance holds — and its exportTo (default `meshConfig.defaultServiceExportTo`, else `*`) reaches other tenants' namespaces. Critical when it repeats another tenant's Service name exactly and sends the traffic to endpoints of its choosing (`endpoints`, `workloadSelector`) or to none (STATIC); high for the same name passed on to the dialled address (resolution NONE or DNS), for wildcards over other tenants' hosts (exact entries keep their own names, the wildcard takes the rest), for other namespaces' ServiceEntry hosts and for other tenants' allowances. Wildcard entries that only pass traffic on (resolution NONE, no endpoints) redirect nothing and are left to EGR005. A Service host is owned by the namespace its name says (`name.ns.svc.<cluster domain>`), even when neither that Service nor its Namespace is in the input; a ServiceEntry of another namespace declaring that name does not make it that namespace's.",
      why:
        "A ServiceEntry adds a host to every proxy it is exported to, with endpoints its author chooses (`endpoints`, `workloadSelector`, or DNS resolution to any address). When two registry entries share a hostname, which one a proxy uses depends on namespace and creation order, not on ownership; the attacker's definition can win for some or all clients, so their calls — with their credentials — go to the attacker's endpoints. Declaring the host also puts the attacker's namespace on the DestinationRule lookup path for it (HJK004), so the attacker can set TLS and load-balancing for the victim's clients. Istio treats this as expected behaviour of mesh-scoped config (ISTIO-SECURITY-2026-002).",
      fix:
        `Declare only hosts the tenant owns, and export ServiceEntries to the tenant's own namespaces (\`exportTo: ["."]\`, or set \`meshConfig.defaultServiceExportTo: ["."]\`). Hosts of external services several tenants use belong in a platform namespace. ${MITIGATION}`,
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: payments, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: analytics, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: card-api, namespace: payments}\nspec: {ports: [{port: 80}]}\n---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: card-api-mirror, namespace: analytics}\nspec:\n  hosts: [card-api.payments.svc.cluster.local]\n  location: MESH_INTERNAL\n  resolution: STATIC\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  workloadSelector:\n    labels: {app: collector}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: payments, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: analytics, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: card-api, namespace: payments}\nspec: {ports: [{port: 80}]}\n---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: partner-api, namespace: analytics}\nspec:\n  hosts: [api.partner.example]   # a host tenant analytics owns\n  exportTo: ["."]\n  location: MESH_EXTERNAL\n  resolution: DNS\n  ports: [{number: 443, name: tls, protocol: TLS}]',
      references: [
        'https://istio.io/latest/docs/reference/config/networking/service-entry/',
        'https://istio.io/latest/news/security/istio-security-2026-002/',
        'https://istio.io/latest/blog/2026/security-considerations-on-namespace-based-multi-tenancy/',
      ],
    },
  },
  check({ model, report }) {
    const tenancy = model.tenancy;
    for (const se of model.ofKind('networking.istio.io', 'ServiceEntry')) {
      if (tenancy.isPlatform(se.namespace)) continue;
      const spec = se.obj?.spec;
      if (!isObject(spec) || !Array.isArray(spec.hosts)) continue;
      const scope = exportScope(model, 'ServiceEntry', se.namespace, spec.exportTo);
      if (!scope.all && ![...scope.namespaces].some((ns) => !tenancy.sameTenant(ns, se.namespace))) continue;
      const target = destinationOf(spec);
      const seen = new Set<string>();
      spec.hosts.forEach((raw: unknown, i: number) => {
        if (typeof raw !== 'string') return;
        const host = model.resolveHost(raw, se.namespace);
        if (!host || seen.has(host)) return;
        seen.add(host);
        const wildcard = host.startsWith('*');
        // A wildcard that passes traffic on to whatever the client dialled redirects nothing (its egress hole is EGR005).
        if (wildcard && target.kind === 'original') return;
        const victims = claimVictims(model, se.namespace, host);
        if (!victims.any) return;
        // Only other tenants' proxies taking the entry make it a hijack.
        const takers = namespacesTaking(model, scope, se.namespace, host).filter((ns) => !tenancy.sameTenant(ns, se.namespace));
        if (!takers.length) return;
        // Two registry entries with the same name compete; a wildcard only takes the names no exact entry defines.
        const exact = victims.services.some((o) => o.host === host) || victims.impliedService;
        const severity: Severity = exact && target.kind !== 'original' ? 'critical' : 'high';
        const what = wildcard ? 'those names' : 'it';
        report({
          resource: se,
          path: ['spec', 'hosts', i],
          severity,
          key: host,
          message: `ServiceEntry ${se.namespace}/${se.name} declares "${raw}"${host !== raw ? ` (${host})` : ''}, which ${wildcard ? 'covers' : 'belongs to'} ${victims.summary}; proxies in ${listSome(takers, 5)} see ${se.namespace}'s definition of ${what}, which ${target.text}${
            wildcard ? ' (exact entries keep their own names; the wildcard takes every other name it covers)' : ''
          }. It is ${describeScope(scope, 'Service')}.`,
          evidence: [
            ...victimEvidence(model, host, victims),
            { role: 'affected-namespaces', description: `proxies in ${takers.length} namespace${takers.length === 1 ? '' : 's'} of other tenants import this entry: ${listSome(takers, 10)}` },
            { role: 'export-scope', description: describeScope(scope, 'Service'), resource: scope.origin === 'mesh-default' ? model.mesh.resource ?? undefined : undefined },
          ],
        });
      });
    }
  },
});
