import { defineRule, type EvidenceInput } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import type { PathSegment, Resource } from '../../model/resource.js';
import { hostCovers } from '../../model/hosts.js';
import { isObject } from '../../model/workloads.js';
import { isEmptySelector } from '../../model/selectors.js';
import { exportScope, namespacesTaking, type ExportScope } from '../../tenancy/visibility.js';
import { claimVictims, claimsTouched, describeScope, listSome, MITIGATION, victimEvidence } from './common.js';
import { WORKLOAD_READS } from '../reads.js';
import { objectsWhere } from '../objects-where.js';
import type { MeshModel } from '../../model/model.js';

interface Danger {
  path: PathSegment[];
  what: string;
}

/**
 * What a traffic policy does to the connections it governs that an attacker wants: `tls.mode:
 * DISABLE` (plaintext instead of Istio mTLS) and `tunnel` (connections carried through a CONNECT
 * proxy at `targetHost`). Looks at the policy and its `portLevelSettings`.
 */
function policyDangers(policy: unknown, path: PathSegment[], out: Danger[]): void {
  if (!isObject(policy)) return;
  const one = (p: Record<string, any>, at: PathSegment[]) => {
    if (isObject(p.tls) && p.tls.mode === 'DISABLE') out.push({ path: [...at, 'tls', 'mode'], what: 'tls.mode DISABLE (plaintext instead of mutual TLS)' });
    if (isObject(p.tunnel)) {
      const target = typeof p.tunnel.targetHost === 'string' ? ` to ${JSON.stringify(p.tunnel.targetHost.slice(0, 120))}` : '';
      out.push({ path: [...at, 'tunnel'], what: `a tunnel${target} (connections go through a proxy of its choice)` });
    }
  };
  one(policy, path);
  if (Array.isArray(policy.portLevelSettings)) {
    policy.portLevelSettings.forEach((p: unknown, i: number) => {
      if (isObject(p)) one(p, [...path, 'portLevelSettings', i]);
    });
  }
}

function dangersOf(spec: Record<string, any>): Danger[] {
  const out: Danger[] = [];
  policyDangers(spec.trafficPolicy, ['spec', 'trafficPolicy'], out);
  if (Array.isArray(spec.subsets)) {
    spec.subsets.forEach((s: unknown, i: number) => {
      if (isObject(s)) policyDangers(s.trafficPolicy, ['spec', 'subsets', i, 'trafficPolicy'], out);
    });
  }
  return out;
}

interface Entry {
  resource: Resource;
  hosts: string[];
  scope: ExportScope;
}

export default defineRule({
  meta: {
    id: 'HJK004',
    title: "DestinationRule sets traffic policy for another tenant's host",
    severity: 'high',
    category: 'traffic-hijack',
    reads: ['networking.istio.io/DestinationRule', 'networking.istio.io/ServiceEntry', 'Service', 'networking.istio.io/Sidecar', 'Namespace', 'ConfigMap', ...WORKLOAD_READS],
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        "A DestinationRule in a tenant namespace targets a host another tenant owns (a Service, a host another namespace's ServiceEntry declares, or a host in another tenant's policy allowance) and is exported beyond its tenant. Istio looks a DestinationRule up in the client's namespace, then the service's namespace, then the root namespace, so such a rule reaches other tenants' clients when its namespace also declares the host with an exported ServiceEntry (HJK003): then it is high, and critical when it sets `tls.mode: DISABLE` or a `tunnel` (top level, `portLevelSettings` or `subsets`). Without that ServiceEntry the rule only governs its own namespace's clients today and is reported as low. A Service host is owned by the namespace its name says (`name.ns.svc.<cluster domain>`), even when neither that Service nor its Namespace is in the input; a ServiceEntry of another namespace declaring that name does not make it that namespace's.",
      why:
        "A DestinationRule decides how clients connect to a host: TLS mode and certificates, load balancing, connection limits, outlier detection, tunnelling. When an attacker's rule is the one other tenants' proxies use for a victim's host, `tls.mode: DISABLE` strips Istio's mutual TLS so the victim's clients send plaintext any host on the path can read or alter, a `tunnel` carries their connections through a proxy the attacker picks, and tight connection limits or outlier detection make the victim's service fail for them.",
      fix:
        `Write DestinationRules only for hosts the tenant owns and export them to the tenant's own namespaces (\`exportTo: ["."]\`, or set \`meshConfig.defaultDestinationRuleExportTo: ["."]\`); remove ServiceEntries that declare other tenants' hosts (HJK003). ${MITIGATION}`,
      bad: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: payments, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: analytics, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: card-api, namespace: payments}\nspec: {ports: [{port: 80}]}\n---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry            # HJK003: analytics declares payments\' host\nmetadata: {name: card-api-mirror, namespace: analytics}\nspec:\n  hosts: [card-api.payments.svc.cluster.local]\n  location: MESH_INTERNAL\n  resolution: STATIC\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  workloadSelector:\n    labels: {app: collector}\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: card-api-plain, namespace: analytics}\nspec:\n  host: card-api.payments.svc.cluster.local\n  trafficPolicy:\n    tls: {mode: DISABLE}',
      good: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: payments, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: analytics, labels: {istio-injection: enabled}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: card-api, namespace: payments}\nspec: {ports: [{port: 80}]}\n---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: card-api, namespace: payments}\nspec:\n  host: card-api              # payments\' own Service\n  exportTo: ["."]\n  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}',
      references: [
        'https://istio.io/latest/docs/reference/config/networking/destination-rule/',
        'https://istio.io/latest/docs/ops/best-practices/traffic-management/#cross-namespace-configuration',
        'https://istio.io/latest/news/security/istio-security-2026-002/',
      ],
    },
  },
  check({ model, report }) {
    const tenancy = model.tenancy;
    const drs = model.ofKind('networking.istio.io', 'DestinationRule');
    if (!drs.length) return;

    // A namespace's ServiceEntries, read when one of its DestinationRules is reported (a namespace that
    // declares a host is on its DestinationRule lookup path): most runs report none and read none.
    const entriesByNs = new Map<string, Entry[]>();
    const entriesIn = (ns: string): Entry[] => {
      let list = entriesByNs.get(ns);
      if (list) return list;
      list = [];
      if (!tenancy.isPlatform(ns)) {
        for (const se of model.ofKindInNamespace('networking.istio.io', 'ServiceEntry', ns)) {
          const spec = se.obj?.spec;
          if (!isObject(spec) || !Array.isArray(spec.hosts)) continue;
          const hosts = spec.hosts.filter((h: unknown): h is string => typeof h === 'string').map((h: string) => model.resolveHost(h, se.namespace));
          list.push({ resource: se, hosts, scope: exportScope(model, 'ServiceEntry', se.namespace, spec.exportTo) });
        }
      }
      entriesByNs.set(ns, list);
      return list;
    };

    // Only a DestinationRule for a host another tenant owns can be reported: which are is kept until
    // the host index or the tenancy changes (objectsWhere, as HJK001 does).
    const claiming = objectsWhere(drs, 'hjk004-claims', (dr) => claimsOthers(model, dr), model.hosts, claimsTouched(model, writtenHost, drs));
    // claimsOthers kept only exported DestinationRules outside the platform whose host has victims.
    for (const dr of claiming) {
      const spec = dr.obj?.spec;
      if (!isObject(spec) || typeof spec.host !== 'string') continue;
      const host = model.resolveHost(spec.host, dr.namespace);
      const victims = claimVictims(model, dr.namespace, host);
      const scope = exportScope(model, 'DestinationRule', dr.namespace, spec.exportTo);
      const takers = namespacesTaking(model, scope, dr.namespace, host).filter((ns) => !tenancy.sameTenant(ns, dr.namespace));
      if (!takers.length) continue;

      // The rule's namespace is the "service namespace" for clients that resolve the host to its own
      // ServiceEntry: an exact entry competes with the owner's; a wildcard entry only takes names no
      // other tenant defines exactly.
      const implied = host.startsWith('*') ? null : model.hosts.impliedOwner(host);
      const foreignExact =
        (implied !== null && !tenancy.sameTenant(implied, dr.namespace)) || model.hosts.ownersOf(host).some((o) => !tenancy.sameTenant(o.namespace, dr.namespace));
      const shadows = entriesIn(dr.namespace).filter((e) =>
        e.hosts.some((h) => (h.startsWith('*') ? !host.startsWith('*') && !foreignExact && hostCovers(h, host) : hostCovers(host, h))),
      );
      const reached = takers.filter((ns) => shadows.some((e) => e.scope.all || e.scope.namespaces.has(ns)));
      const dangers = dangersOf(spec);
      const ownerText = `"${spec.host}"${host !== spec.host ? ` (${host})` : ''}, which ${host.startsWith('*') ? 'covers' : 'belongs to'} ${victims.summary}`;
      const evidence: EvidenceInput[] = [
        ...victimEvidence(model, host, victims),
        ...shadows.slice(0, 5).map((e) => ({ role: 'shadowing-entry', description: `ServiceEntry ${e.resource.namespace}/${e.resource.name} declares the host in ${dr.namespace} too (${describeScope(e.scope, 'Service')})`, resource: e.resource })),
        ...dangers.slice(0, 10).map((d) => ({ role: 'traffic-policy', description: `${d.path.join('.')}: ${d.what}`, resource: dr, path: d.path })),
        { role: 'export-scope', description: describeScope(scope, 'DestinationRule'), resource: scope.origin === 'mesh-default' ? model.mesh.resource ?? undefined : undefined },
      ];

      if (reached.length) {
        const severity: Severity = dangers.length ? 'critical' : 'high';
        const effect = dangers.length
          ? `it sets ${listSome(uniqueWhat(dangers), 2)} for their connections`
          : 'it decides how they connect (TLS, load balancing, limits)';
        report({
          resource: dr,
          path: dangers.length ? dangers[0].path : ['spec', 'host'],
          severity,
          key: host,
          message: `DestinationRule ${dr.namespace}/${dr.name} targets ${ownerText}; ${dr.namespace} also declares that host (ServiceEntry ${listSome(shadows.map((e) => e.resource.name), 3)}), so proxies in ${listSome(reached, 5)} that resolve it to ${dr.namespace}'s entry use this rule: ${effect}.`,
          evidence: [...evidence, { role: 'affected-namespaces', description: `proxies in ${reached.length} namespace${reached.length === 1 ? '' : 's'} of other tenants use this rule: ${listSome(reached, 10)}` }],
        });
      } else {
        report({
          resource: dr,
          path: dangers.length ? dangers[0].path : ['spec', 'host'],
          severity: 'low',
          key: host,
          message: `DestinationRule ${dr.namespace}/${dr.name} targets ${ownerText}, and is exported to ${listSome(takers, 5)}. Istio looks a DestinationRule up only in the client's namespace, the service's namespace and the root namespace, so today it governs ${dr.namespace}'s own clients only; it would reach every client of the host as soon as ${dr.namespace} declares the host in a ServiceEntry (HJK003)${dangers.length ? `, and it sets ${listSome(uniqueWhat(dangers), 2)}` : ''}.`,
          evidence,
        });
      }
    }
  },
});

function uniqueWhat(d: Danger[]): string[] {
  return [...new Set(d.map((x) => x.what))];
}

/** Whether a DestinationRule outside the platform, exported (no workloadSelector), targets a host another tenant owns. */
function claimsOthers(model: MeshModel, dr: Resource): boolean {
  if (model.tenancy.isPlatform(dr.namespace)) return false;
  const spec = dr.obj?.spec;
  if (!isObject(spec) || typeof spec.host !== 'string') return false;
  // Istio never exports a DestinationRule with a workloadSelector to other namespaces.
  if (!isEmptySelector(spec.workloadSelector?.matchLabels ?? spec.workloadSelector)) return false;
  const host = model.resolveHost(spec.host, dr.namespace);
  return !!host && claimVictims(model, dr.namespace, host).any;
}

/** A DestinationRule's host, as written (one function: claimsTouched keys its index by it). */
function writtenHost(dr: Resource): readonly unknown[] {
  return [dr.obj?.spec?.host];
}
