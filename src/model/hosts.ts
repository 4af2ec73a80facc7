import type { Resource } from './resource.js';
import { DNS_LABEL } from './names.js';

/** A host some namespace owns: its Service's cluster name, or a host its ServiceEntry declares. */
export interface OwnedHost {
  /** Fully qualified host, lower case. */
  host: string;
  namespace: string;
  resource: Resource;
  via: 'Service' | 'ServiceEntry';
}

const MAX_HOST_LENGTH = 253;

/**
 * Canonical form of a host a config names, following Istio: a name without dots is short for a
 * Service in the config's own namespace; `name.ns` and `name.ns.svc` are the DNS short forms of
 * `name.ns.svc.<domain>` when `ns` is a namespace the model knows; anything else is taken as written.
 */
export function resolveHost(host: string, configNamespace: string, domain: string, knownNamespace: (ns: string) => boolean): string {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  if (!h || h === '*' || h.length > MAX_HOST_LENGTH) return h;
  if (!h.includes('.')) return `${h}.${configNamespace}.svc.${domain}`;
  if (h.startsWith('*')) return h;
  const labels = h.split('.');
  if (labels.length === 2 && knownNamespace(labels[1])) return `${h}.svc.${domain}`;
  if (labels.length === 3 && labels[2] === 'svc' && knownNamespace(labels[1])) return `${h}.${domain}`;
  return h;
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const MAX_VALUES_TEXT = 1024 * 1024;

/**
 * The Kubernetes cluster DNS domain the Istio installation in the input was configured with
 * (Helm value `global.proxy.clusterDomain`): from an IstioOperator's `spec.values`, or from the
 * `values` JSON the chart renders into the `istio-sidecar-injector[-rev]` ConfigMap. Null when
 * neither says, or the value is not a DNS name (then Istio's default, cluster.local, stands).
 */
export function installedClusterDomain(istioOperators: readonly Resource[], configMaps: readonly Resource[]): string | null {
  const valid = (v: unknown) => (typeof v === 'string' && DNS_NAME.test(v.trim().toLowerCase().replace(/\.$/, '')) ? v.trim().toLowerCase().replace(/\.$/, '') : null);
  for (const iop of istioOperators) {
    const d = valid(iop.obj?.spec?.values?.global?.proxy?.clusterDomain);
    if (d) return d;
  }
  for (const cm of configMaps) {
    if (cm.name !== 'istio-sidecar-injector' && !cm.name.startsWith('istio-sidecar-injector-')) continue;
    const text = cm.obj?.data?.values;
    if (typeof text !== 'string' || text.length > MAX_VALUES_TEXT) continue;
    try {
      const d = valid(JSON.parse(text)?.global?.proxy?.clusterDomain);
      if (d) return d;
    } catch {
      // Not the chart's JSON: it says nothing about the domain.
    }
  }
  return null;
}


/**
 * The namespace a cluster host's own name assigns it to: `name.ns.svc.<domain>` (and the wildcard
 * `*.ns.svc.<domain>`) are Kubernetes Service names of namespace `ns`, whether or not the Service
 * object is in the input. Null for any other host, including hosts under another cluster domain.
 */
export function impliedNamespace(host: string, domain: string): string | null {
  const tail = `.svc.${domain.toLowerCase()}`;
  if (host.length > MAX_HOST_LENGTH || !host.endsWith(tail)) return null;
  const labels = host.slice(0, -tail.length).split('.');
  if (labels.length !== 2) return null;
  const [name, ns] = labels;
  if (!DNS_LABEL.test(ns) || (name !== '*' && !DNS_LABEL.test(name))) return null;
  return ns;
}

/**
 * The key a host as a config writes it is found under when a scan looks for the configs that can
 * name an owned host (mayResolveToCover): its first label in lower case, or `*` for a wildcard.
 * Resolution (resolveHost) keeps both, so a config can name only hosts of its key's (ownedHostKey).
 */
export function writtenHostKey(raw: string): string {
  const t = raw.trim();
  if (t.startsWith('*')) return '*';
  const dot = t.indexOf('.');
  return (dot < 0 ? t : t.slice(0, dot)).toLowerCase();
}

/** An owned host's key (its first label), to match against writtenHostKey. */
export function ownedHostKey(host: string): string {
  const dot = host.indexOf('.');
  return dot < 0 ? host : host.slice(0, dot);
}

/**
 * Whether `raw`, a host as a config names it, can resolve (resolveHost, in any namespace, whatever
 * namespaces are known) to `host` (a host, not a pattern) or to a pattern covering it: a test on the
 * text alone that every such `raw` passes.
 */
export function mayResolveToCover(raw: string, host: string): boolean {
  const key = writtenHostKey(raw);
  return key === '*' || key === ownedHostKey(host);
}

/** Does `pattern` (a host or `*.suffix` / `*`) cover `host`? Istio wildcards match any number of labels. */
export function hostCovers(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*')) {
    const suffix = pattern.slice(1);
    if (host.startsWith('*')) return host.slice(1).endsWith(suffix);
    return host.endsWith(suffix) && host.length > suffix.length;
  }
  return pattern === host;
}

/**
 * Do two hosts (either may be `*` or `*.suffix`) share a name? Istio's `host.Names.Intersection`
 * (pkg/config/host/names.go) keeps a pair when either is a subset of the other; a gateway server's
 * routes come only from VirtualServices whose hosts intersect the server's (gateway.go).
 */
export function hostsOverlap(a: string, b: string): boolean {
  return a === b || hostCovers(a, b) || hostCovers(b, a);
}

/**
 * Every owned host, indexed so "which hosts does this (wildcard) pattern cover" is a map lookup, not
 * a scan of every Service: exact hosts by name, and each host under every one of its DNS suffixes.
 */
export class HostIndex {
  /** @param domain the cluster DNS domain, which decides the namespace a Service host name implies. */
  constructor(readonly domain = 'cluster.local') {}

  private readonly exact = new Map<string, OwnedHost[]>();
  private readonly bySuffix = new Map<string, OwnedHost[]>();
  readonly all: OwnedHost[] = [];

  add(owned: OwnedHost): void {
    if (owned.host.length > MAX_HOST_LENGTH || owned.host.startsWith('*')) return;
    this.all.push(owned);
    push(this.exact, owned.host, owned);
    // 'a.b.c' is covered by '*.b.c' and '*.c': index it under '.b.c' and '.c'.
    for (let i = owned.host.indexOf('.'); i >= 0; i = owned.host.indexOf('.', i + 1)) push(this.bySuffix, owned.host.slice(i), owned);
  }

  /** Owners of exactly this host. */
  ownersOf(host: string): readonly OwnedHost[] {
    return this.exact.get(host) ?? EMPTY;
  }

  /**
   * The namespace that owns a host by its name alone (`name.ns.svc.<domain>`, `*.ns.svc.<domain>`):
   * a Service host belongs to its namespace even when neither the Service nor the Namespace object
   * is in the input, and a ServiceEntry of another namespace declaring it does not make it theirs.
   */
  impliedOwner(host: string): string | null {
    return impliedNamespace(host, this.domain);
  }

  /** Owned hosts that a host or wildcard pattern covers. */
  covered(pattern: string): readonly OwnedHost[] {
    if (pattern === '*') return this.all;
    if (pattern.startsWith('*.')) return this.bySuffix.get(pattern.slice(1)) ?? EMPTY;
    return this.ownersOf(pattern);
  }
}

const EMPTY: readonly OwnedHost[] = Object.freeze([]);

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
