import type { MeshModel } from '../../model/model.js';
import type { OwnedHost } from '../../model/hosts.js';
import type { ExportScope } from '../../tenancy/visibility.js';

/** The mitigations every hijack finding points at, meshward's own generators first. */
export const MITIGATION =
  'Limit who may write networking.istio.io objects to platform operators (RBAC), scope each tenant with a Sidecar (`meshward generate sidecars --tenants FILE`), and enforce host ownership at admission (`meshward generate admission-policy --tenants FILE --format vap|kyverno`, or the meshward webhook).';

export interface Victims {
  any: boolean;
  /** Services of other tenants whose hosts the claim covers. */
  services: OwnedHost[];
  /** Hosts other tenants' ServiceEntries declare. */
  entries: OwnedHost[];
  /** Namespaces of other tenants whose whole `*.ns.svc.<domain>` (or a Service name in it) the claim covers, when no Service object is in the input. */
  namespaces: string[];
  /** Tenants whose policy allowance covers the claimed external host. */
  tenants: string[];
  /** A phrase naming them, for messages. */
  summary: string;
}

/**
 * Who else a host claim by a config in `ns` would take traffic from: other tenants' Services
 * (including platform ones), other tenants' ServiceEntry hosts, namespaces the host pattern covers,
 * and tenants whose policy allowance holds the host. The host index answers each in one lookup.
 */
export function claimVictims(model: MeshModel, ns: string, host: string): Victims {
  const tenancy = model.tenancy;
  const foreign = (o: OwnedHost) => !tenancy.sameTenant(o.namespace, ns);
  const covered = model.hosts.covered(host);
  const services: OwnedHost[] = [];
  const entries: OwnedHost[] = [];
  for (const o of covered) {
    if (!foreign(o)) continue;
    (o.via === 'Service' ? services : entries).push(o);
  }
  const namespaces: string[] = [];
  const m = /^(?:\*|[a-z0-9-]+)\.([a-z0-9-]+)\.svc\.(.+)$/.exec(host);
  if (m && m[2] === model.clusterDomain && !tenancy.sameTenant(m[1], ns) && !services.some((s) => s.namespace === m[1]) && model.namespace(m[1]).resource) {
    namespaces.push(m[1]);
  }
  const tenants = services.length ? [] : tenancy.allowanceOwners(host, tenancy.tenantOf(ns).name);
  const parts: string[] = [];
  if (services.length) parts.push(`${services.length === 1 ? 'Service' : `${services.length} Services`} of other tenants (${listSome(uniq(services.map((s) => `${s.namespace}/${s.resource.name}`)), 3)})`);
  if (namespaces.length) parts.push(`namespace ${namespaces.join(', ')} of another tenant`);
  if (tenants.length) parts.push(`tenant ${tenants.join(', ')} by policy`);
  if (entries.length) parts.push(`ServiceEntry hosts of other namespaces (${listSome(uniq(entries.map((s) => `${s.namespace}/${s.resource.name}`)), 3)})`);
  return { any: parts.length > 0, services, entries, namespaces, tenants, summary: parts.join(' and ') };
}

export function describeScope(scope: ExportScope, kind: string): string {
  const where = scope.all ? 'exported to every namespace' : `exported to ${[...scope.namespaces].join(', ') || 'no namespace'}`;
  if (scope.origin === 'object') return where;
  if (scope.origin === 'mesh-default') return `${where} by the mesh's default${kind}ExportTo`;
  return `${where}: no exportTo, and Istio's default is "*"`;
}

export function listSome(items: readonly string[], n: number): string {
  if (items.length <= n) return items.join(', ');
  return `${items.slice(0, n).join(', ')} and ${items.length - n} more`;
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** Hosts under the cluster domain (`*.svc.<domain>`) are Services; everything else is external. */
export function isClusterHost(model: MeshModel, host: string): boolean {
  return host.endsWith(`.svc.${model.clusterDomain}`) || host === '*';
}
