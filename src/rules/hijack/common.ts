import { anyGlob } from '../../engine/glob.js';
import { own } from '../../model/own.js';
import type { MeshModel } from '../../model/model.js';
import { hostCovers, mayResolveToCover, ownedHostKey, writtenHostKey } from '../../model/hosts.js';
import { hostsChangedSince } from '../../model/overlay.js';
import { claimVictims, type Victims } from '../../tenancy/victims.js';
import { listSome } from '../../engine/text.js';
import type { Resource } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { isEmptySelector, selectorMatches } from '../../model/selectors.js';
import type { Severity } from '../../engine/finding.js';
import type { EvidenceInput } from '../types.js';
import type { ExportScope } from '../../tenancy/visibility.js';
import { OwnMemo } from '../../model/own-memo.js';
import { MIN_KEPT } from '../objects-where.js';

/** The mitigations every hijack finding points at, meshward's own generators first. */
export const MITIGATION =
  'Limit who may write networking.istio.io objects to platform operators (RBAC), scope each tenant with a Sidecar (`meshward generate sidecars --tenants FILE`), and enforce host ownership at admission (`meshward generate admission-policy --tenants FILE --format vap|kyverno`).';

export { claimVictims, listSome };
export type { Victims };

/**
 * For objectsWhere's `touchedSince` in the rules that keep which objects claim another tenant's
 * host: given the host index the last answers were made with, the objects of `list` whose claimed
 * hosts (`rawHostsOf`, as written, resolved in the object's namespace) cover a host whose owners
 * changed since; null when the change cannot be told (then every object is asked again).
 * `rawHostsOf` must be one function per rule (it keys the list's index of written hosts).
 */
export function claimsTouched(model: MeshModel, rawHostsOf: (r: Resource) => readonly unknown[], list: readonly Resource[]): (previous: object, list: readonly Resource[]) => ReadonlySet<Resource> | null {
  // The first list long enough to keep answers for is indexed now, in the run that filters it whole
  // (the first analysis), not in the first change of a host's owners after it: at 7,000 VirtualServices
  // that took 20 ms a rule, in one change. Later lists edit the last index (writtenHostIndex).
  if (list.length >= MIN_KEPT && !lastWrittenHostIndex.has(rawHostsOf)) writtenHostIndex(list, rawHostsOf);
  return (previous, list) => {
    const changed = hostsChangedSince(model.hosts, previous);
    if (!changed) return null;
    const out = new Set<Resource>();
    // No owner changed (a Service's labels or ports did): every kept answer holds, none is asked again.
    if (!changed.size) return out;
    const index = writtenHostIndex(list, rawHostsOf);
    const covers = (r: Resource, c: string) => rawHostsOf(r).some((raw) => typeof raw === 'string' && mayResolveToCover(raw, c) && hostCovers(model.resolveHost(raw, r.namespace), c));
    for (const c of changed) {
      for (const r of index.get(ownedHostKey(c)) ?? []) if (covers(r, c)) out.add(r);
      for (const r of index.get('*') ?? []) if (covers(r, c)) out.add(r);
    }
    return out;
  };
}

/**
 * A list's objects by the keys of the hosts they write (writtenHostKey): which could name a given
 * host, without resolving every object's hosts. Kept per list (a model's overlays share a kind's list
 * until an object of the kind changes) and per `rawHostsOf`; a new list (an overlay's, a compacted
 * model's) is indexed by editing the last list's index with the objects that differ.
 */
function writtenHostIndex(list: readonly Resource[], rawHostsOf: (r: Resource) => readonly unknown[]): ReadonlyMap<string, readonly Resource[]> {
  let byReader = writtenHostIndexes.get(list);
  if (!byReader) writtenHostIndexes.set(list, (byReader = new Map()));
  let index = byReader.get(rawHostsOf);
  if (!index) {
    const last = lastWrittenHostIndex.get(rawHostsOf);
    index = (last && editedIndex(last.list, last.index, list, rawHostsOf)) ?? builtIndex(list, rawHostsOf);
    byReader.set(rawHostsOf, index);
    lastWrittenHostIndex.set(rawHostsOf, { list, index });
  }
  return index;
}

const writtenHostIndexes = new WeakMap<readonly Resource[], Map<(r: Resource) => readonly unknown[], ReadonlyMap<string, readonly Resource[]>>>();
/** The last list indexed per reader (a few readers in all), to edit for the next. */
const lastWrittenHostIndex = new Map<(r: Resource) => readonly unknown[], { list: readonly Resource[]; index: ReadonlyMap<string, readonly Resource[]> }>();
/** More objects differing than this between two lists and the index is built afresh. */
const MAX_INDEX_EDITS = 64;

function keysWritten(r: Resource, rawHostsOf: (r: Resource) => readonly unknown[]): Set<string> {
  const keys = new Set<string>();
  for (const raw of rawHostsOf(r)) if (typeof raw === 'string') keys.add(writtenHostKey(raw));
  return keys;
}

function builtIndex(list: readonly Resource[], rawHostsOf: (r: Resource) => readonly unknown[]): Map<string, Resource[]> {
  const built = new Map<string, Resource[]>();
  for (const r of list) {
    for (const k of keysWritten(r, rawHostsOf)) {
      const at = built.get(k);
      if (at) at.push(r);
      else built.set(k, [r]);
    }
  }
  return built;
}

/**
 * `prev`'s index edited into `list`'s: the objects only `prev` holds taken out, those only `list`
 * holds put in (found by one walk comparing references, lists in id order; out of order, an object
 * counts as taken out and put in again, which gives the same index). Null when too many differ.
 */
function editedIndex(prev: readonly Resource[], index: ReadonlyMap<string, readonly Resource[]>, list: readonly Resource[], rawHostsOf: (r: Resource) => readonly unknown[]): ReadonlyMap<string, readonly Resource[]> | null {
  const gone: Resource[] = [];
  const come: Resource[] = [];
  let j = 0;
  for (const r of list) {
    while (j < prev.length && prev[j] !== r && prev[j].id < r.id) gone.push(prev[j++]);
    if (j < prev.length && prev[j] === r) j++;
    else come.push(r);
    if (gone.length + come.length > MAX_INDEX_EDITS) return null;
  }
  while (j < prev.length) gone.push(prev[j++]);
  if (gone.length + come.length > MAX_INDEX_EDITS) return null;
  if (!gone.length && !come.length) return index;
  const out = new Map(index);
  const copied = new Set<string>();
  const bucket = (k: string): Resource[] => {
    let at = out.get(k) as Resource[] | undefined;
    if (!copied.has(k)) {
      at = at ? [...at] : [];
      out.set(k, at);
      copied.add(k);
    }
    return at!;
  };
  for (const r of gone) {
    for (const k of keysWritten(r, rawHostsOf)) {
      const at = bucket(k);
      const i = at.indexOf(r);
      if (i >= 0) at.splice(i, 1);
    }
  }
  for (const r of come) for (const k of keysWritten(r, rawHostsOf)) bucket(k).push(r);
  return out;
}

export function describeScope(scope: ExportScope, kind: string): string {
  const where = scope.all ? 'exported to every namespace' : `exported to ${[...scope.namespaces].join(', ') || 'no namespace'}`;
  if (scope.origin === 'object') return where;
  if (scope.origin === 'mesh-default') return `${where} by the mesh's default${kind}ExportTo`;
  return `${where}: no exportTo, and Istio's default is "*"`;
}


/** Hosts under the cluster domain (`*.svc.<domain>`) are Services; everything else is external. */
export function isClusterHost(model: MeshModel, host: string): boolean {
  return host.endsWith(`.svc.${model.clusterDomain}`) || host === '*';
}

// ---------------------------------------------------------------------------------------------
// Shared gateways, gateway references and ingress host claims (HJK002–HJK009).

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
/** Gateway API route kinds whose `hostnames` decide which requests they take. */
export const HOSTNAME_ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TLSRoute'] as const;

const MAX_NAME = 253;

/**
 * The gateway a VirtualService `gateways` entry names, resolved as Istio does: `ns/name` (`./name`
 * is the config's namespace), a bare `name` in the config's own namespace, and the legacy FQDN form
 * `name.ns.svc.cluster.local` (or `name.ns`). `mesh` and malformed entries give null.
 */
export function parseGatewayRef(raw: unknown, configNs: string): { namespace: string; name: string } | null {
  if (typeof raw !== 'string') return null;
  const s = raw.trim();
  if (!s || s === 'mesh' || s.length > 2 * MAX_NAME) return null;
  const slash = s.indexOf('/');
  if (slash >= 0) {
    const ns = s.slice(0, slash);
    const name = s.slice(slash + 1);
    if (!ns || !name || name.includes('/')) return null;
    return { namespace: ns === '.' ? configNs : ns, name };
  }
  if (s.includes('.')) {
    const [name, ns] = s.split('.');
    if (!name || !ns) return null;
    return { namespace: ns, name };
  }
  return { namespace: configNs, name: s };
}

const bindersMemo = new OwnMemo<MeshModel, Map<string, Resource[]>>('gateway-binders');

/**
 * The VirtualServices whose `gateways` name the Istio Gateway `ns/name` (parseGatewayRef), each once:
 * one pass over the model's VirtualServices on first need, remembered per model.
 */
export function virtualServicesBoundTo(model: MeshModel, namespace: string, name: string): readonly Resource[] {
  let byGateway = bindersMemo.get(model);
  if (!byGateway) {
    byGateway = new Map();
    for (const vs of model.ofKind('networking.istio.io', 'VirtualService')) {
      const refs = vs.obj?.spec?.gateways;
      if (!Array.isArray(refs)) continue;
      for (const raw of refs) {
        const ref = parseGatewayRef(raw, vs.namespace);
        if (!ref) continue;
        const key = `${ref.namespace}/${ref.name}`;
        const list = byGateway.get(key);
        if (!list) byGateway.set(key, [vs]);
        else if (list[list.length - 1] !== vs) list.push(vs);
      }
    }
    bindersMemo.set(model, byGateway);
  }
  return byGateway.get(`${namespace}/${name}`) ?? [];
}

interface SharedGatewayCache {
  /** Tenants of the policy with a matcher over their `gateways` entries. */
  listers: Array<{ tenant: string; match: (ref: string) => boolean }>;
  memo: Map<string, string | null>;
}

const sharedCache = new OwnMemo<MeshModel, SharedGatewayCache>('shared-gateways');

/**
 * Why the gateway `ns/name` (an Istio Gateway or a Gateway API Gateway) is shared between tenants:
 * it sits in a platform namespace, or the tenant policy lets a tenant other than the gateway
 * namespace's own bind to it. Null when it is not shared. Memoised per model.
 */
export function sharedGatewayReason(model: MeshModel, namespace: string, name: string): string | null {
  let cache = sharedCache.get(model);
  if (!cache) {
    const listers: SharedGatewayCache['listers'] = [];
    for (const t of model.tenancy.policy?.tenants ?? []) {
      if (t.gateways.length) listers.push({ tenant: t.name, match: anyGlob(t.gateways, `tenant ${t.name} gateway`) });
    }
    cache = { listers, memo: new Map() };
    sharedCache.set(model, cache);
  }
  const ref = `${namespace}/${name}`;
  const known = cache.memo.get(ref);
  if (known !== undefined) return known;
  let reason: string | null = null;
  if (model.tenancy.isPlatform(namespace)) reason = `in platform namespace ${namespace}`;
  else {
    const own = model.tenancy.tenantOf(namespace).name;
    const others = cache.listers.filter((l) => l.tenant !== own && l.match(ref)).map((l) => l.tenant);
    if (others.length) reason = `offered to tenant${others.length === 1 ? '' : 's'} ${listSome(others, 3)} by the tenant policy`;
  }
  cache.memo.set(ref, reason);
  return reason;
}

/** A gateway in a platform namespace, or one the tenant policy offers to a tenant other than its namespace's own. */
export function isSharedGateway(model: MeshModel, namespace: string, name: string): boolean {
  return sharedGatewayReason(model, namespace, name) !== null;
}

/** The shared gateways (`ns/name` patterns) the tenant policy lets the namespace's tenant bind to. */
export function allowedGateways(model: MeshModel, ns: string): string[] {
  const name = model.tenancy.tenantOf(ns).name;
  return model.tenancy.policy?.tenants.find((t) => t.name === name)?.gateways ?? [];
}

/**
 * A namespace's labels as label selectors see them: Kubernetes sets `kubernetes.io/metadata.name`
 * on every namespace, even when the manifest in the input does not write it.
 */
export function namespaceSelectorLabels(model: MeshModel, ns: string): Record<string, string> {
  return { ...model.namespace(ns).labels, 'kubernetes.io/metadata.name': ns };
}

export interface HostClaim {
  severity: Severity;
  /** Completes "… claims HOST, which …": whose host it is, or why it is not the tenant's. */
  summary: string;
  victims: Victims | null;
}

/**
 * Judges a host that a config in namespace `ns` claims on a shared entry point (a VirtualService on
 * a shared gateway, a Gateway API route on a shared Gateway). Null when the claim is the tenant's
 * to make: its own Services, hosts its policy allowance covers, and, without a policy, any host no
 * other tenant owns. Critical when it covers another tenant's Service, namespace or policy
 * allowance; high for another namespace's ServiceEntry host and, with a policy, for every other
 * host outside the tenant's allowance.
 */
export function judgeIngressClaim(model: MeshModel, ns: string, host: string): HostClaim | null {
  const tenancy = model.tenancy;
  if (tenancy.isPlatform(ns)) return null;
  const victims = claimVictims(model, ns, host);
  if (victims.any) {
    const critical = victims.services.length > 0 || victims.namespaces.length > 0 || victims.tenants.length > 0;
    return { severity: critical ? 'critical' : 'high', summary: `${host.startsWith('*') ? 'covers' : 'belongs to'} ${victims.summary}`, victims };
  }
  if (tenancy.mayClaimHost(ns, host)) return null;
  // A cluster host no other tenant owns is the tenant's own Service (or nobody's).
  if (host !== '*' && isClusterHost(model, host)) return null;
  if (!tenancy.hasPolicy) return null;
  const allowed = tenancy.allowedHosts(ns);
  return {
    severity: 'high',
    summary: `is outside tenant ${tenancy.tenantOf(ns).name}'s allowed hosts (${allowed.length ? listSome(allowed, 4) : 'none'})`,
    victims: null,
  };
}

/** Evidence naming the owners a claim takes traffic from. */
export function victimEvidence(model: MeshModel, host: string, victims: Victims): EvidenceInput[] {
  const tenancy = model.tenancy;
  return [
    ...victims.services.slice(0, 20).map((o) => ({ role: 'victim', description: `${o.via} ${o.namespace}/${o.resource.name} owns ${o.host}`, resource: o.resource })),
    ...victims.namespaces.map((ns) => ({
      role: 'victim',
      description: `namespace ${ns} (tenant ${tenancy.tenantOf(ns).name}) owns the hosts ${host} covers`,
      resource: model.namespace(ns).resource ?? undefined,
    })),
    ...victims.tenants.map((t) => ({ role: 'victim', description: `tenant ${t}'s policy allows it the host ${host}` })),
    ...victims.entries.slice(0, 10).map((o) => ({ role: 'victim', description: `ServiceEntry ${o.namespace}/${o.resource.name} declares ${o.host} for namespace ${o.namespace}`, resource: o.resource })),
  ];
}

/** A Gateway API listener, read defensively. */
export interface ListenerInfo {
  index: number;
  name: string;
  /** Lower-cased hostname, or null when the listener has none (it takes every host). */
  hostname: string | null;
  port: number | null;
  protocol: string;
  /** `allowedRoutes.namespaces.from`; Gateway API's default is `Same`. */
  from: string;
  selector: unknown;
  /** `allowedRoutes.kinds`, when given. */
  kinds: Array<{ group: string; kind: string }> | null;
}

export function listenersOf(gw: Resource): ListenerInfo[] {
  const list = gw.obj?.spec?.listeners;
  if (!Array.isArray(list)) return [];
  const out: ListenerInfo[] = [];
  list.forEach((l: unknown, index: number) => {
    if (!isObject(l)) return;
    const ns = isObject(l.allowedRoutes) && isObject(l.allowedRoutes.namespaces) ? l.allowedRoutes.namespaces : null;
    const kinds = isObject(l.allowedRoutes) && Array.isArray(l.allowedRoutes.kinds) && l.allowedRoutes.kinds.length
      ? l.allowedRoutes.kinds.filter(isObject).map((k: Record<string, any>) => ({ group: typeof k.group === 'string' ? k.group : GATEWAY_API_GROUP, kind: String(k.kind ?? '') }))
      : null;
    out.push({
      index,
      name: typeof l.name === 'string' ? l.name : '',
      hostname: typeof l.hostname === 'string' && l.hostname.trim() ? l.hostname.trim().toLowerCase().replace(/\.$/, '') : null,
      port: typeof l.port === 'number' ? l.port : null,
      protocol: typeof l.protocol === 'string' ? l.protocol.toUpperCase() : '',
      from: ns && typeof ns.from === 'string' ? ns.from : 'Same',
      selector: ns ? ns.selector : undefined,
      kinds,
    });
  });
  return out;
}

/** Route kinds a listener of this protocol takes when `allowedRoutes.kinds` is not given. */
const DEFAULT_ROUTE_KINDS: Record<string, string[]> = {
  HTTP: ['HTTPRoute', 'GRPCRoute'],
  HTTPS: ['HTTPRoute', 'GRPCRoute'],
  TLS: ['TLSRoute', 'TCPRoute'],
  TCP: ['TCPRoute'],
  UDP: ['UDPRoute'],
};

/** Does a listener let namespace `routeNs` attach routes at all (`allowedRoutes.namespaces`)? */
export function listenerAdmitsNamespace(model: MeshModel, gw: Resource, l: ListenerInfo, routeNs: string): boolean {
  switch (l.from) {
    case 'All':
      return true;
    case 'Same':
      return routeNs === gw.namespace;
    case 'Selector':
      // An empty selector selects every namespace.
      return selectorMatches(l.selector, namespaceSelectorLabels(model, routeNs));
    default:
      return false;
  }
}

/** Does a listener take routes of this kind from namespace `routeNs`? */
export function listenerAdmits(model: MeshModel, gw: Resource, l: ListenerInfo, routeNs: string, routeKind: string): boolean {
  if (!listenerAdmitsNamespace(model, gw, l, routeNs)) return false;
  if (l.kinds) return l.kinds.some((k) => k.kind === routeKind && k.group === GATEWAY_API_GROUP);
  const defaults = own(DEFAULT_ROUTE_KINDS, l.protocol);
  return defaults ? defaults.includes(routeKind) : true;
}

/** A listener that takes routes from every namespace: `from: All`, or `from: Selector` with an empty selector. */
export function listenerOpenToAll(l: ListenerInfo): boolean {
  return l.from === 'All' || (l.from === 'Selector' && isEmptySelector(l.selector));
}

/** A route's `parentRefs` that name a Gateway API Gateway, with Gateway API's defaults filled in. */
export interface ParentRef {
  index: number;
  namespace: string;
  name: string;
  sectionName: string | null;
  port: number | null;
}

export function gatewayParentRefs(route: Resource): ParentRef[] {
  const refs = route.obj?.spec?.parentRefs;
  if (!Array.isArray(refs)) return [];
  const out: ParentRef[] = [];
  refs.forEach((p: unknown, index: number) => {
    if (!isObject(p) || typeof p.name !== 'string' || !p.name) return;
    const group = typeof p.group === 'string' ? p.group : GATEWAY_API_GROUP;
    const kind = typeof p.kind === 'string' ? p.kind : 'Gateway';
    if (group !== GATEWAY_API_GROUP || kind !== 'Gateway') return; // Services (GAMMA) and other parents are not shared entry points
    out.push({
      index,
      namespace: typeof p.namespace === 'string' && p.namespace ? p.namespace : route.namespace,
      name: p.name,
      sectionName: typeof p.sectionName === 'string' && p.sectionName ? p.sectionName : null,
      port: typeof p.port === 'number' ? p.port : null,
    });
  });
  return out;
}

/**
 * The hostname a route hostname and a listener hostname have in common (Gateway API's
 * intersection): the more specific of the two, or null when they do not overlap. A listener
 * without a hostname takes the route's as written.
 */
export function intersectHostnames(route: string, listener: string | null): string | null {
  if (listener === null || route === listener) return route;
  if (hostCovers(listener, route)) return route;
  if (hostCovers(route, listener)) return listener;
  return null;
}

const gatewayIndexCache = new OwnMemo<MeshModel, Map<string, Resource>>('gateway-index');

/** Gateway API Gateways by `ns/name`, built once per model. */
export function gatewayApiGateways(model: MeshModel): Map<string, Resource> {
  let idx = gatewayIndexCache.get(model);
  if (!idx) {
    idx = new Map();
    for (const gw of model.ofKind(GATEWAY_API_GROUP, 'Gateway')) {
      const key = `${gw.namespace}/${gw.name}`;
      if (!idx.has(key)) idx.set(key, gw);
    }
    gatewayIndexCache.set(model, idx);
  }
  return idx;
}

/** Lower-cased Gateway API hostname, without a trailing dot; null for non-strings and empty values. */
export function normalizeHostname(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const h = raw.trim().toLowerCase().replace(/\.$/, '');
  return h && h.length <= MAX_NAME ? h : null;
}
