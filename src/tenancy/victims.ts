import type { MeshModel } from '../model/model.js';
import type { OwnedHost } from '../model/hosts.js';
import { listSome } from '../engine/text.js';

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
  // A wildcard can cover tens of thousands of hosts in few namespaces: decide each namespace once.
  const foreignNs = new Map<string, boolean>();
  const foreign = (o: OwnedHost) => {
    let f = foreignNs.get(o.namespace);
    if (f === undefined) foreignNs.set(o.namespace, (f = !tenancy.sameTenant(o.namespace, ns)));
    return f;
  };
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

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}
