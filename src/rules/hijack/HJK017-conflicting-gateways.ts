import { defineRule, type EvidenceInput } from '../types.js';
import type { Severity } from '../../engine/finding.js';
import type { Resource } from '../../model/resource.js';
import { isObject } from '../../model/workloads.js';
import { hostCovers } from '../../model/hosts.js';
import { describe } from '../../model/resource.js';
import { computePosture } from '../../posture/index.js';
import { olderFirst } from '../../posture/util.js';
import { gatewaysScopedToNamespace } from './HJK006-tenant-gateway-selects-shared-pods.js';
import { listSome } from './common.js';
import { quoteValue } from '../../engine/text.js';
import { postureReads } from '../../posture/reads.js';
import { collapseOwned } from '../../model/owners.js';

interface Server {
  gateway: Resource;
  index: number;
  port: number;
  protocol: string;
  /** Hosts without their `ns/` prefix, lower case, with their index in `hosts`. */
  hosts: Array<{ host: string; index: number; raw: string }>;
  /** What decides the TLS handshake clients get: mode and certificate. */
  tls: string;
}

/** Distinct selectors beyond which selector subsets are not compared pairwise (pods in the input still are). */
const MAX_SELECTORS = 200;

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
      const bare = (raw.includes('/') ? raw.slice(raw.indexOf('/') + 1) : raw).trim().toLowerCase().replace(/\.$/, '');
      if (bare && bare.length <= 253) hosts.push({ host: bare, index: i, raw });
    });
    const protocol = typeof s.port.protocol === 'string' ? s.port.protocol.toUpperCase() : '';
    const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 120) : '');
    const tls = isObject(s.tls)
      ? `TLS ${str(s.tls.mode).toUpperCase() || 'SIMPLE'}${str(s.tls.credentialName) || str(s.tls.serverCertificate) ? ` with ${quoteValue(str(s.tls.credentialName) || str(s.tls.serverCertificate), 80)}` : ''}`
      : protocol === 'HTTPS' || protocol === 'TLS'
        ? `${protocol} without tls settings`
        : 'no TLS';
    out.push({ gateway: gw, index, port, protocol, hosts, tls });
  });
  return out;
}

/** HTTP-family protocols without TLS: Istio merges such servers of one port into one listener and route table (MergeGateways, pilot/pkg/model/gateway.go). */
const PLAIN_HTTP_PROTOCOLS: ReadonlySet<string> = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);

function plainHttp(s: Server): boolean {
  return s.tls === 'no TLS' && PLAIN_HTTP_PROTOCOLS.has(s.protocol);
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
    reads: postureReads('networking.istio.io/Gateway', 'Pod', 'apps/Deployment', 'Namespace', 'install.istio.io/IstioOperator'),
    // Of its namespaces only the mesh facts (mode, injection, waypoint): a team label leaves it be.
    namespaceContent: false,
    docs: {
      summary:
        "Two Istio `Gateway`s select the same gateway pods (shared workloads in the input, or equal or nested selectors when the pods are not in the input) and declare a server on the same port with overlapping hosts (Istio's analyzer IST0145). For an identical host, medium when both servers use the same TLS settings and high when they differ (one plaintext, another TLS, or different modes or certificates) or when the Gateways belong to different tenants; a wildcard that covers the other's host is one level lower, since the proxy picks the more specific name per request. The newer Gateway is reported (creationTimestamp, else input order).",
      why:
        "Istio merges every Gateway that selects a proxy into one listener per port. For the same host on the same port it keeps one server's TLS settings and drops the other's server (TLS) or appends both Gateways' routes into one table, the older Gateway's first (plaintext HTTP), so which certificate clients see, whether mutual TLS is required, and which VirtualService answers can change when an object is re-created. A tenant who adds a Gateway for a host another Gateway already serves can take its requests or downgrade its TLS on the shared ingress. A wildcard over another Gateway's host is resolved per request, but clients that reuse an HTTP/2 connection across names (connection coalescing, as with a shared wildcard certificate) can still land on the wrong Gateway's routes.",
      fix:
        'Declare each host on each port of a gateway deployment once: merge the servers into one Gateway, or give each team its own gateway deployment (a distinct selector). With tenants on a shared gateway, bind their hosts through the platform team\'s Gateway and restrict who may create Gateways.',
      bad: 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: shop, namespace: shop}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["shop.example.com"]\n    tls: {mode: SIMPLE, credentialName: shop-cert}\n---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: grab, namespace: promo}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*.example.com"]\n    tls: {mode: SIMPLE, credentialName: promo-cert}',
      references: [
        'https://istio.io/latest/docs/reference/config/analysis/ist0145/',
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
    for (const [w, gws] of index.istioGatewayOf) addGroup(scoped ? gws.filter((g) => g.namespace === w.namespace) : [...gws]);
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
      const severity: Severity = duplicate ? graded : graded === 'high' ? 'medium' : 'low';
      const shared = collapseOwned(index.selectedBy.get(newer)?.filter((w) => (index.selectedBy.get(older) ?? []).includes(w)) ?? []).workloads;
      const pods = shared.length ? `the same gateway pods (${listSome(shared.map((w) => describe(w.resource)), 3)})` : 'the same gateway pods (by their selectors; the pods are not in the input)';
      const evidence: EvidenceInput[] = [
        { role: 'conflicting-gateway', description: `Gateway ${older.namespace}/${older.name} serves ${quoteValue(other.raw, 120)} on port ${os.port} with ${os.tls}`, resource: older, path: ['spec', 'servers', os.index, 'hosts', other.index] },
        ...shared.slice(0, 3).map((w) => ({ role: 'gateway-pods', description: `${describe(w.resource)} runs both Gateways`, resource: w.resource })),
      ];
      report({
        resource: newer,
        path: ['spec', 'servers', ns.index, 'hosts', overlap.index],
        severity,
        key: `${older.namespace}/${older.name}:${ns.port}:${overlap.host}`,
        message: duplicate
          ? `Gateway ${newer.namespace}/${newer.name} serves ${quoteValue(overlap.raw, 120)} on port ${ns.port}, which Gateway ${older.namespace}/${older.name} also serves (${quoteValue(other.raw, 120)}) on ${pods}: ${
              plainHttp(os) && plainHttp(ns)
                ? "Istio merges the two servers into one listener and serves the routes of the VirtualServices bound to either Gateway for that host from one route table, the older Gateway's first, so a broad route of one answers requests meant for the other"
                : `Istio keeps one server per host and port, chosen by creation order, and ignores or merges the other's ${tlsDiffers ? `TLS settings (${os.tls}; here ${ns.tls}) and routes` : 'routes'}`
            }${tenants ? `; the two Gateways belong to different tenants (${older.namespace}, ${newer.namespace})` : ''}.`
          : `Gateway ${newer.namespace}/${newer.name} serves ${quoteValue(overlap.raw, 120)} on port ${ns.port}, which overlaps ${quoteValue(other.raw, 120)} of Gateway ${older.namespace}/${older.name} on ${pods}: the proxy picks the more specific name per request and the wildcard takes every other name it covers${
              tlsDiffers ? `; with different TLS settings (${os.tls}; here ${ns.tls}), HTTP/2 clients that reuse one connection for several names can reach the other Gateway's routes` : ''
            }${tenants ? `; the two Gateways belong to different tenants (${older.namespace}, ${newer.namespace})` : ''}.`,
        evidence,
      });
    }
  },
});
