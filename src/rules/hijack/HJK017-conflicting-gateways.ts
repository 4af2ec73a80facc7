import { defineRule, type EvidenceInput } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import type { Resource } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { hostCovers } from '../../model/hosts.js';
import { describe } from '../../model/resource.js';
import { computePosture } from '../../posture/index.js';
import { olderFirst } from '../../posture/util.js';
import { gatewaysScopedToNamespace } from './HJK006-tenant-gateway-selects-shared-pods.js';
import { listSome, virtualServicesBoundTo } from './common.js';
import { quoteValue } from '../../engine/text.js';
import { postureReads } from '../../posture/reads.js';
import { collapseOwned } from '../../model/owners.js';

interface Server {
  gateway: Resource;
  index: number;
  port: number;
  protocol: string;
  /**
   * Hosts without their `ns/` prefix, lower case (normalHost), with their index in `hosts` and the
   * prefix: the namespace whose VirtualServices may bind the host (`.` the Gateway's own, `*` any, as
   * without a prefix).
   */
  hosts: Array<{ host: string; index: number; raw: string; namespace: string }>;
  /** What decides the TLS handshake clients get: mode and certificate. */
  tls: string;
  /** The TLS mode (upper case; SIMPLE when `tls` has none), or '' without `tls`. */
  mode: string;
}

/** Distinct selectors beyond which selector subsets are not compared pairwise (pods in the input still are). */
const MAX_SELECTORS = 200;

/** A host as Gateways and VirtualServices compare it: trimmed, lower case, without a final dot. */
function normalHost(raw: string): string {
  return raw.trim().toLowerCase().replace(/\.$/, '');
}

function serversOf(gw: Resource): Server[] {
  const servers = gw.obj?.spec?.servers;
  if (!Array.isArray(servers)) return [];
  const out: Server[] = [];
  servers.forEach((s: unknown, index: number) => {
    if (!isObject(s) || !isObject(s.port)) return;
    const port = typeof s.port.number === 'number' ? s.port.number : Number.NaN;
    if (!Number.isInteger(port)) return;
    const hosts: Server['hosts'] = [];
    (Array.isArray(s.hosts) ? s.hosts : []).forEach((raw: unknown, i: number) => {
      if (typeof raw !== 'string') return;
      const slash = raw.indexOf('/');
      const bare = normalHost(slash >= 0 ? raw.slice(slash + 1) : raw);
      if (bare && bare.length <= 253) hosts.push({ host: bare, index: i, raw, namespace: slash >= 0 ? raw.slice(0, slash).trim() : '*' });
    });
    const protocol = typeof s.port.protocol === 'string' ? s.port.protocol.toUpperCase() : '';
    const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 120) : '');
    const tls = isObject(s.tls)
      ? `TLS ${str(s.tls.mode).toUpperCase() || 'SIMPLE'}${str(s.tls.credentialName) || str(s.tls.serverCertificate) ? ` with ${quoteValue(str(s.tls.credentialName) || str(s.tls.serverCertificate), 80)}` : ''}`
      : protocol === 'HTTPS' || protocol === 'TLS'
        ? `${protocol} without tls settings`
        : 'no TLS';
    const mode = isObject(s.tls) ? str(s.tls.mode).toUpperCase() || 'SIMPLE' : '';
    out.push({ gateway: gw, index, port, protocol, hosts, tls, mode });
  });
  return out;
}

/** HTTP-family protocols without TLS: Istio merges such servers of one port into one listener and route table (MergeGateways, pilot/pkg/model/gateway.go). */
const PLAIN_HTTP_PROTOCOLS: ReadonlySet<string> = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);

function plainHttp(s: Server): boolean {
  return s.tls === 'no TLS' && PLAIN_HTTP_PROTOCOLS.has(s.protocol);
}

/** TLS modes in which the gateway terminates TLS and routes HTTP by its VirtualServices. */
const TERMINATING_MODES: ReadonlySet<string> = new Set(['SIMPLE', 'OPTIONAL_MUTUAL', 'MUTUAL', 'ISTIO_MUTUAL']);
/** TLS modes that refuse a client without a certificate. */
const CLIENT_CERT_MODES: ReadonlySet<string> = new Set(['MUTUAL', 'ISTIO_MUTUAL']);
/** TLS modes that hand the connection, TLS and all, to the backend (which may ask for a client certificate itself). */
const PASSTHROUGH_MODES: ReadonlySet<string> = new Set(['PASSTHROUGH', 'AUTO_PASSTHROUGH']);

/**
 * Istio's "relaxed SNI host matching" (security best practices): a wildcard server terminating TLS
 * without asking for a client certificate beside a server for one of the names it covers that does
 * ask for one, or passes TLS through to the backend. Envoy picks the server by the SNI but does not
 * check that the Host header agrees with it, so a client connecting under any other covered name can
 * ask for the stricter name on that connection, and the wildcard's routes answer.
 */
function relaxedSni(wide: Server, specific: Server): boolean {
  return wide.protocol === 'HTTPS' && TERMINATING_MODES.has(wide.mode) && !CLIENT_CERT_MODES.has(wide.mode) && (CLIENT_CERT_MODES.has(specific.mode) || PASSTHROUGH_MODES.has(specific.mode));
}

/**
 * Whether an HTTP route can pass a request on to a backend: not when it answers every request itself
 * (a direct response, a redirect, or an abort of every request; 421 Misdirected Request is what Istio
 * recommends, since it tells a browser to ask again on a connection of its own for that name).
 */
function forwards(route: unknown): boolean {
  if (!isObject(route)) return false;
  if (isObject(route.directResponse) || isObject(route.redirect)) return false;
  const abort = isObject(route.fault) && isObject(route.fault.abort) ? route.fault.abort : null;
  // Istio passes `percentage` to Envoy as is, and Envoy aborts no request without one.
  return !(abort !== null && isObject(abort.percentage) && typeof abort.percentage.value === 'number' && abort.percentage.value >= 100);
}

/** How the VirtualServices bound to a wildcard server treat one of the names it covers: passed on to a backend by some route, answered by the proxy itself on every route, or not named. */
interface NameOnServer {
  routing: Resource[];
  refusing: Resource[];
}

/** The first entry (oldest first) served by a Gateway other than `gw`. */
function firstOther<T extends { server: Server }>(list: readonly T[], gw: Resource): T | undefined {
  return list.find((e) => e.server.gateway !== gw);
}

/** The two oldest entries of different Gateways, oldest first. */
function oldestTwo<T extends { server: Server }>(list: T[]): T[] {
  list.sort((a, b) => olderFirst(a.server.gateway, b.server.gateway));
  const first = list[0];
  const second = first ? firstOther(list, first.server.gateway) : undefined;
  return second ? [first, second] : first ? [first] : [];
}

function selectorKey(sel: Record<string, unknown>): string {
  return JSON.stringify(Object.entries(sel).map(([k, v]) => [k, String(v)]).sort());
}

function subset(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return Object.entries(a).every(([k, v]) => Object.hasOwn(b, k) && String(b[k]) === String(v));
}

export default defineRule({
  meta: {
    id: 'HJK017',
    title: 'Istio Gateways on the same pods claim the same port and host',
    severity: 'medium',
    category: 'traffic-hijack',
    reads: postureReads('networking.istio.io/Gateway', 'networking.istio.io/VirtualService', 'Pod', 'apps/Deployment', 'Namespace', 'install.istio.io/IstioOperator'),
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        "Two Istio `Gateway`s select the same gateway pods (shared workloads in the input, or equal or nested selectors when the pods are not in the input) and declare a server on the same port with overlapping hosts (Istio's analyzer IST0145). For an identical host, medium when both servers use the same TLS settings and high when they differ (one plaintext, another TLS, or different modes or certificates) or when the Gateways belong to different tenants; a wildcard that covers the other's host is one level lower, since the proxy picks the more specific name per request. One wildcard case is judged on its own (Istio's \"relaxed SNI host matching\"): a wildcard server that terminates TLS without asking for a client certificate (`*.example.com`, SIMPLE) beside a server for a name it covers that asks for one or passes TLS through (`admin.example.com`, MUTUAL): high when a VirtualService bound to the wildcard's Gateway passes requests for that name on to a backend; nothing when VirtualServices there name it and every route of theirs answers itself (421 Misdirected Request, Istio's recommended mitigation, or another abort of every request, a redirect or a direct response); otherwise medium. The newer Gateway is reported (creationTimestamp, else input order).",
      why:
        "Istio merges every Gateway that selects a proxy into one listener per port. For the same host on the same port it keeps one server's TLS settings and drops the other's server (TLS) or appends both Gateways' routes into one table, the older Gateway's first (plaintext HTTP), so which certificate clients see, whether mutual TLS is required, and which VirtualService answers can change when an object is re-created. A tenant who adds a Gateway for a host another Gateway already serves can take its requests or downgrade its TLS on the shared ingress. A wildcard over another Gateway's host is resolved per connection by the SNI, but Envoy does not check that the Host header agrees with the SNI: a client that connects as `guest.example.com` can ask for `admin.example.com` on that connection and is answered by the wildcard Gateway's routes, so a VirtualService that binds the admin name to the wildcard Gateway serves it to clients that never showed the client certificate the admin Gateway requires. Browsers also reuse one HTTP/2 connection for several names that share a certificate.",
      fix:
        'Declare each host on each port of a gateway deployment once: merge the servers into one Gateway, or give each team its own gateway deployment (a distinct selector). With tenants on a shared gateway, bind their hosts through the platform team\'s Gateway and restrict who may create Gateways. Where a wildcard server must sit beside a stricter server for one of its names, bind a VirtualService for that name to the wildcard\'s Gateway that answers 421 Misdirected Request (`fault.abort.httpStatus: 421` with `percentage.value: 100`, or `directResponse.status: 421`), as Istio\'s security best practices recommend.',
      bad: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: admin, namespace: ops}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["admin.example.com"]\n    tls: {mode: MUTUAL, credentialName: admin-cert}\n---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: guest, namespace: ops}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*.example.com"]\n    tls: {mode: SIMPLE, credentialName: guest-cert}\n---\n# Also bound to the wildcard\'s Gateway: clients without a certificate reach the admin routes as guest.example.com.\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: admin, namespace: ops}\nspec:\n  hosts: ["admin.example.com"]\n  gateways: [admin, guest]\n  http:\n  - route: [{destination: {host: admin.ops.svc.cluster.local}}]',
      good: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: admin, namespace: ops}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["admin.example.com"]\n    tls: {mode: MUTUAL, credentialName: admin-cert}\n---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: guest, namespace: ops}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*.example.com"]\n    tls: {mode: SIMPLE, credentialName: guest-cert}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: admin, namespace: ops}\nspec:\n  hosts: ["admin.example.com"]\n  gateways: [admin]\n  http:\n  - route: [{destination: {host: admin.ops.svc.cluster.local}}]\n---\n# The wildcard\'s routes refuse the admin name: a client must connect as admin.example.com, with its certificate.\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: refuse-admin-on-guest, namespace: ops}\nspec:\n  hosts: ["admin.example.com"]\n  gateways: [guest]\n  http:\n  - directResponse: {status: 421}',
      references: [
        'https://istio.io/latest/docs/reference/config/analysis/ist0145/',
        'https://istio.io/latest/docs/ops/best-practices/security/#explicitly-disable-all-the-sensitive-http-host-under-relaxed-sni-host-matching',
        'https://istio.io/latest/docs/reference/config/networking/gateway/',
        'https://istio.io/latest/docs/ops/common-problems/network-issues/#404-errors-occur-when-multiple-gateways-configured-with-same-tls-certificate',
      ],
    },
  },
  check({ model, report }) {
    const gateways = model.ofKind('networking.istio.io', 'Gateway');
    if (gateways.length < 2) return;
    const index = computePosture(model).gateways;
    const platformNs = model.namespaces().map((n) => n.name).filter((ns) => model.tenancy.isPlatform(ns) && model.workloadsIn(ns).length > 0).sort();
    const scoped = gatewaysScopedToNamespace(model, platformNs);

    // Groups of Gateways that program the same pods: those selecting one workload in the input,
    // and, for pods not in the input, those with equal or nested selectors.
    const groups = new Map<string, Resource[]>();
    const addGroup = (gws: Resource[]) => {
      if (gws.length < 2) return;
      const key = gws.map((g) => g.id).sort((a, b) => a - b).join(',');
      if (!groups.has(key)) groups.set(key, gws);
    };
    // An application pod a Gateway's selector happens to pick runs a sidecar, which Istio never gives a
    // Gateway's servers (SetGatewaysForProxy serves routers only): nothing conflicts there.
    for (const [w, gws] of index.istioGatewayOf) if (index.kindOf(w) !== null) addGroup(scoped ? gws.filter((g) => g.namespace === w.namespace) : [...gws]);
    const unplaced = new Map<string, { sel: Record<string, unknown>; gws: Resource[] }>();
    for (const g of gateways) {
      const sel = g.obj?.spec?.selector;
      if (!isObject(sel) || !Object.keys(sel).length || (index.selectedBy.get(g)?.length ?? 0) > 0) continue;
      const key = `${scoped ? g.namespace : ''}#${selectorKey(sel)}`;
      const e = unplaced.get(key);
      if (e) e.gws.push(g);
      else unplaced.set(key, { sel, gws: [g] });
    }
    const bySelector = [...unplaced.values()];
    for (const grp of bySelector) addGroup(grp.gws);
    if (bySelector.length <= MAX_SELECTORS) {
      for (let i = 0; i < bySelector.length; i++) {
        for (let j = i + 1; j < bySelector.length; j++) {
          const [a, b] = [bySelector[i], bySelector[j]];
          if (scoped && a.gws[0].namespace !== b.gws[0].namespace) continue;
          if (subset(a.sel, b.sel) || subset(b.sel, a.sel)) addGroup([...a.gws, ...b.gws]);
        }
      }
    }

    /** The VirtualServices bound to `wide`'s server (within its host's namespace prefix) that name `name` exactly, by how they answer it. */
    const nameOnServer = (wide: Server, wideHost: Server['hosts'][number], name: string): NameOnServer => {
      const out: NameOnServer = { routing: [], refusing: [] };
      const prefix = wideHost.namespace;
      const admitted = (ns: string) => prefix === '*' || ns === (prefix === '.' ? wide.gateway.namespace : prefix);
      for (const vs of virtualServicesBoundTo(model, wide.gateway.namespace, wide.gateway.name)) {
        if (!admitted(vs.namespace)) continue;
        const hosts = vs.obj?.spec?.hosts;
        if (!Array.isArray(hosts) || !hosts.some((h) => typeof h === 'string' && normalHost(h) === name)) continue;
        const routes = vs.obj?.spec?.http;
        if (!Array.isArray(routes) || !routes.length) continue;
        (routes.some(forwards) ? out.routing : out.refusing).push(vs);
      }
      return out;
    };

    const serverCache = new Map<Resource, Server[]>();
    const servers = (g: Resource) => {
      let s = serverCache.get(g);
      if (!s) serverCache.set(g, (s = serversOf(g)));
      return s;
    };
    interface Entry {
      server: Server;
      host: Server['hosts'][number];
    }
    interface Hit {
      older: Resource;
      os: Server;
      ns: Server;
      overlap: Server['hosts'][number];
      other: Server['hosts'][number];
      duplicate: boolean;
    }
    // Per newer Gateway and server: the conflict to report, an identical host before a wildcard overlap, then the oldest rival.
    const best = new Map<string, Hit>();
    const consider = (mine: Entry, theirs: Entry, duplicate: boolean) => {
      const newer = mine.server.gateway;
      const older = theirs.server.gateway;
      const key = `${newer.id}:${mine.server.index}`;
      const known = best.get(key);
      if (known && (known.duplicate && !duplicate || (known.duplicate === duplicate && olderFirst(known.older, older) <= 0))) return;
      best.set(key, { older, os: theirs.server, ns: mine.server, overlap: mine.host, other: theirs.host, duplicate });
    };
    for (const group of groups.values()) {
      // Port → host → entries, oldest Gateway first: lookups replace a comparison of every pair.
      const byPort = new Map<number, Map<string, Entry[]>>();
      for (const g of [...group].sort(olderFirst)) {
        for (const server of servers(g)) {
          let hosts = byPort.get(server.port);
          if (!hosts) byPort.set(server.port, (hosts = new Map()));
          for (const host of server.hosts) {
            const list = hosts.get(host.host);
            if (list) list.push({ server, host });
            else hosts.set(host.host, [{ server, host }]);
          }
        }
      }
      for (const hosts of byPort.values()) {
        const wildcards = [...hosts.keys()].filter((h) => h.startsWith('*'));
        // Per wildcard: the oldest entries (of two different Gateways) among the hosts it covers.
        const coveredBy = new Map<string, Entry[]>();
        for (const [host, entries] of hosts) {
          const oldest = entries[0];
          for (const e of entries) if (e.server.gateway !== oldest.server.gateway) consider(e, oldest, true);
          for (const w of wildcards) {
            if (w === host || !hostCovers(w, host)) continue;
            const wide = hosts.get(w) ?? [];
            for (const e of entries) {
              const rival = firstOther(wide, e.server.gateway);
              if (rival && olderFirst(rival.server.gateway, e.server.gateway) < 0) consider(e, rival, false);
            }
            coveredBy.set(w, oldestTwo([...(coveredBy.get(w) ?? []), ...entries]));
          }
        }
        for (const [w, covered] of coveredBy) {
          for (const wide of hosts.get(w) ?? []) {
            const rival = firstOther(covered, wide.server.gateway);
            if (rival && olderFirst(rival.server.gateway, wide.server.gateway) < 0) consider(wide, rival, false);
          }
        }
      }
    }

    for (const { older, os, ns, overlap, other, duplicate } of best.values()) {
      const newer = ns.gateway;
      const tlsDiffers = os.tls !== ns.tls;
      const tenants = !model.tenancy.sameTenant(older.namespace, newer.namespace);
      const graded: Severity = tlsDiffers || tenants ? 'high' : 'medium';
      // Envoy picks the most specific name per request, so a wildcard overlap is deterministic routing; the risk left is connection reuse across names.
      let severity: Severity = duplicate ? graded : graded === 'high' ? 'medium' : 'low';
      const shared = collapseOwned(index.selectedBy.get(newer)?.filter((w) => (index.selectedBy.get(older) ?? []).includes(w)) ?? []).workloads;
      const pods = shared.length ? `the same gateway pods (${listSome(shared.map((w) => describe(w.resource)), 3)})` : 'the same gateway pods (by their selectors; the pods are not in the input)';
      const evidence: EvidenceInput[] = [
        { role: 'conflicting-gateway', description: `Gateway ${older.namespace}/${older.name} serves ${quoteValue(other.raw, 120)} on port ${os.port} with ${os.tls}`, resource: older, path: ['spec', 'servers', os.index, 'hosts', other.index] },
        ...shared.slice(0, 3).map((w) => ({ role: 'gateway-pods', description: `${describe(w.resource)} runs both Gateways`, resource: w.resource })),
      ];
      const tenantsText = tenants ? `; the two Gateways belong to different tenants (${older.namespace}, ${newer.namespace})` : '';
      let message: string;
      let remediation: string | undefined;
      // The wildcard's server and host, and the server of the name it covers, when the overlap is Istio's relaxed SNI host matching.
      const newerIsWide = overlap.host.startsWith('*') && hostCovers(overlap.host, other.host) && overlap.host !== other.host;
      const [wide, wideHost, specific, name] = newerIsWide ? [ns, overlap, os, other.host] : [os, other, ns, overlap.host];
      // Two identical AUTO_PASSTHROUGH servers: Istio drops the newer (mergeGateways, "duplicate host
      // names"), and the one it keeps routes by SNI to the same clusters with no VirtualService, so which
      // one is kept changes nothing (istio-on-eks' east-west gateway, defined in two patterns).
      const identicalAutoPassthrough = duplicate && !tlsDiffers && os.mode === 'AUTO_PASSTHROUGH' && ns.mode === 'AUTO_PASSTHROUGH' && os.protocol === ns.protocol;
      if (identicalAutoPassthrough) {
        severity = 'low';
        message = `Gateway ${newer.namespace}/${newer.name} serves ${quoteValue(overlap.raw, 120)} on port ${ns.port} with AUTO_PASSTHROUGH, exactly as Gateway ${older.namespace}/${older.name} does (${quoteValue(other.raw, 120)}) on ${pods}: Istio keeps one of the two servers and drops the other, and both send each connection by its SNI to the service it names, with no routes of their own, so nothing changes; remove the duplicate${tenantsText}.`;
      } else if (duplicate) {
        message = `Gateway ${newer.namespace}/${newer.name} serves ${quoteValue(overlap.raw, 120)} on port ${ns.port}, which Gateway ${older.namespace}/${older.name} also serves (${quoteValue(other.raw, 120)}) on ${pods}: ${
          plainHttp(os) && plainHttp(ns)
            ? "Istio merges the two servers into one listener and serves the routes of the VirtualServices bound to either Gateway for that host from one route table, the older Gateway's first, so a broad route of one answers requests meant for the other"
            : `Istio keeps one server per host and port, chosen by creation order, and ignores or merges the other's ${tlsDiffers ? `TLS settings (${os.tls}; here ${ns.tls}) and routes` : 'routes'}`
        }${tenantsText}.`;
      } else if (relaxedSni(wide, specific)) {
        const on = nameOnServer(wide, wideHost, name);
        const wideRef = `${wide.gateway.namespace}/${wide.gateway.name}`;
        const lead = `Gateway ${newer.namespace}/${newer.name} serves ${quoteValue(overlap.raw, 120)} on port ${ns.port}, which overlaps ${quoteValue(other.raw, 120)} of Gateway ${older.namespace}/${older.name} on ${pods}`;
        const strict = CLIENT_CERT_MODES.has(specific.mode) ? `requires a client certificate (${specific.tls})` : `passes TLS through to its backend (${specific.tls})`;
        if (on.routing.length) {
          severity = 'high';
          const vs = on.routing[0];
          message = `${lead}: ${quoteValue(name, 120)} ${strict}, but VirtualService ${vs.namespace}/${vs.name}${on.routing.length > 1 ? ` (and ${on.routing.length - 1} more)` : ''} routes ${quoteValue(name, 120)} on Gateway ${wideRef} (${wide.tls}); Envoy does not check that the Host header matches the SNI, so a client that connects under any other name ${quoteValue(wideHost.raw, 120)} covers, without a client certificate, and asks for ${quoteValue(name, 120)} is routed by it${tenantsText}.`;
          for (const r of on.routing.slice(0, 3)) evidence.push({ role: 'relaxed-sni-route', description: `VirtualService ${r.namespace}/${r.name} routes ${quoteValue(name, 120)} on Gateway ${wideRef}`, resource: r, path: ['spec', 'hosts'] });
          remediation = `Bind VirtualService ${vs.namespace}/${vs.name} for ${quoteValue(name, 120)} only to Gateway ${specific.gateway.namespace}/${specific.gateway.name}, and bind one to Gateway ${wideRef} that answers ${quoteValue(name, 120)} with 421 Misdirected Request (fault.abort.httpStatus: 421 at percentage 100, or directResponse.status: 421), as Istio's security best practices say for relaxed SNI host matching.`;
        } else if (on.refusing.length) {
          // Istio's own mitigation (421, or any answer the proxy gives itself): the wildcard's routes pass no request for the name on.
          continue;
        } else {
          message = `${lead}: ${quoteValue(name, 120)} ${strict}, but Envoy picks the server by the SNI and does not check that the Host header matches it, so a client that connects under any other name ${quoteValue(wideHost.raw, 120)} covers (${wide.tls}) can ask for ${quoteValue(name, 120)} on that connection and is answered by the routes of Gateway ${wideRef} instead of being refused${tenantsText}.`;
          remediation = `Bind a VirtualService for ${quoteValue(name, 120)} to Gateway ${wideRef} that answers every request with 421 Misdirected Request (fault.abort.httpStatus: 421 at percentage 100, or directResponse.status: 421), as Istio's security best practices say for relaxed SNI host matching; or serve ${quoteValue(name, 120)} from its own gateway deployment.`;
        }
      } else {
        message = `Gateway ${newer.namespace}/${newer.name} serves ${quoteValue(overlap.raw, 120)} on port ${ns.port}, which overlaps ${quoteValue(other.raw, 120)} of Gateway ${older.namespace}/${older.name} on ${pods}: the proxy picks the more specific name per request and the wildcard takes every other name it covers${
          tlsDiffers ? `; with different TLS settings (${os.tls}; here ${ns.tls}), HTTP/2 clients that reuse one connection for several names can reach the other Gateway's routes` : ''
        }${tenantsText}.`;
      }
      report({
        resource: newer,
        path: ['spec', 'servers', ns.index, 'hosts', overlap.index],
        severity,
        key: `${older.namespace}/${older.name}:${ns.port}:${overlap.host}`,
        message,
        ...(remediation ? { remediation } : {}),
        evidence,
      });
    }
  },
});
