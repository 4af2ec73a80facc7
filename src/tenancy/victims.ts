import type { MeshModel } from '../model/model.js';
import type { HostIndex, OwnedHost } from '../model/hosts.js';
import type { Tenancy } from './tenancy.js';
import { listSome } from '../engine/text.js';

export interface Victims {
  any: boolean;
  /** Services of other tenants whose hosts the claim covers. */
  services: OwnedHost[];
  /** Hosts other tenants' ServiceEntries declare. */
  entries: OwnedHost[];
  /** Namespaces of other tenants that own the claimed Service name (`name.ns.svc.<domain>`) or whose whole `*.ns.svc.<domain>` the claim covers, when no Service object of theirs is in the input. */
  namespaces: string[];
  /** True when `namespaces` names the owner of an exact Service host (`name.ns.svc.<domain>`), not a namespace a wildcard covers. */
  impliedService: boolean;
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
  const hosts = model.hosts;
  const tenancy = model.tenancy;
  let byTenancy = answers.get(hosts);
  if (!byTenancy) answers.set(hosts, (byTenancy = new WeakMap()));
  let memo = byTenancy.get(tenancy);
  if (!memo) byTenancy.set(tenancy, (memo = new Map()));
  const key = `${ns}\n${host}`;
  let v = memo.get(key);
  if (!v) memo.set(key, (v = victimsOf(model, ns, host)));
  return v;
}

/**
 * claimVictims' answers, per host index and tenancy: the answer depends on nothing else, and both are
 * shared by a model's overlays until a Service, a ServiceEntry or a Namespace changes, while the
 * hijack rules (HJK001, HJK003, HJK004) ask the same (namespace, host) pairs on every incremental run.
 * Weak keys: the answers go with the model. Callers never modify an answer.
 */
const answers = new WeakMap<HostIndex, WeakMap<Tenancy, Map<string, Victims>>>();

function victimsOf(model: MeshModel, ns: string, host: string): Victims {
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
    // A ServiceEntry declaring another namespace's Service name squats on it; it owns nothing there.
    if (o.via === 'ServiceEntry' && squats(model, o)) continue;
    (o.via === 'Service' ? services : entries).push(o);
  }
  // The name itself says who owns a Service host: `name.ns.svc.<domain>` is namespace ns's, even when
  // neither the Service nor the Namespace object is in the input.
  const namespaces: string[] = [];
  const implied = model.hosts.impliedOwner(host);
  const impliedService = implied !== null && !host.startsWith('*');
  if (implied !== null && !tenancy.sameTenant(implied, ns) && !services.some((s) => s.namespace === implied)) namespaces.push(implied);
  // A tenant's allowance lets it claim external hosts; it makes the host another tenant's only when the
  // claimant has no allowance of its own for it, and never for cluster hosts (their owner is in the name)
  // nor through a bare "*" (permission to claim what nobody owns, not ownership of everything).
  const byPolicy = services.length === 0 && implied === null && !tenancy.mayClaimHost(ns, host);
  const tenants = byPolicy ? tenancy.allowanceOwners(host, tenancy.tenantOf(ns).name, { ignoreAnyHost: true }) : [];
  const parts: string[] = [];
  if (services.length) parts.push(`${services.length === 1 ? 'Service' : `${services.length} Services`} of other tenants (${listSome(uniq(services.map((s) => `${s.namespace}/${s.resource.name}`)), 3)})`);
  if (namespaces.length) {
    parts.push(
      impliedService
        ? `namespace ${namespaces.join(', ')} of another tenant (a Service name there; the Service object is not in the input)`
        : `namespace ${namespaces.join(', ')} of another tenant`,
    );
  }
  if (tenants.length) parts.push(`tenant ${tenants.join(', ')} by policy`);
  if (entries.length) parts.push(`ServiceEntry hosts of other namespaces (${listSome(uniq(entries.map((s) => `${s.namespace}/${s.resource.name}`)), 3)})`);
  return { any: parts.length > 0, services, entries, namespaces, impliedService: impliedService && namespaces.length > 0, tenants, summary: parts.join(' and ') };
}

/** A ServiceEntry host naming a Service of a namespace other than the entry's own (`name.other.svc.<domain>`). */
function squats(model: MeshModel, o: OwnedHost): boolean {
  const implied = model.hosts.impliedOwner(o.host);
  return implied !== null && !model.tenancy.sameTenant(implied, o.namespace);
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}
