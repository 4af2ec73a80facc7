/**
 * The service graph of one cluster from its configuration (a MeshModel and its posture): workloads,
 * Services, routes (VirtualService, HTTPRoute, GRPCRoute, TCPRoute, TLSRoute), gateways and
 * ServiceEntries as nodes; Service → workload, route → destination and gateway → route as edges, each
 * with the mTLS state the posture gives its destination; when telemetry is given, traffic edges with
 * their rates and whether plaintext was seen. Hijacks come from the open findings of the HJK rules.
 *
 * Pure data: no layout, no DOM. Every lookup keyed by input goes through a Map.
 */
import type { MeshModel } from '../model/model.js';
import type { Resource } from '../model/resource.js';
import type { Workload } from '../model/workloads.js';
import { collapseOwned } from '../model/owners.js';
import { computePosture, type MeshPosture, type MtlsMode, type ServiceInfo, type WorkloadPosture } from '../posture/index.js';
import type { TrafficFacts, TrafficSecurity } from '../insights/types.js';
import { bestReported, edgeSecurity } from '../insights/graph.js';
import type { GraphEdge, GraphEdgeKind, GraphNode, GraphNodeKind, MtlsState, ServiceGraph } from './types.js';

/** What the graph needs of a finding (the engine's Finding and the store's FindingRecord both fit). */
export interface GraphFinding {
  ruleId: string;
  resource: { kind: string; namespace: string; name: string };
}

export interface GraphOptions {
  findings?: readonly GraphFinding[];
  telemetry?: TrafficFacts | null;
  /** Keep the nodes of this namespace and their direct neighbours. */
  namespace?: string | null;
  /** Most nodes returned (the rest are dropped and `truncated` is set). */
  maxNodes?: number;
}

export const DEFAULT_MAX_NODES = 5000;
const ISTIO = 'networking.istio.io';
const GATEWAY_API = 'gateway.networking.k8s.io';
const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute'] as const;
/** Hijack rules (src/rules/hijack): their open findings mark hosts taken by another tenant. */
export const HIJACK_RULE_PREFIX = 'HJK';

const WEAKNESS: Record<MtlsState, number> = { 'n/a': 0, strict: 1, permissive: 2, disabled: 3, none: 4 };
function stateOf(mode: MtlsMode): MtlsState {
  return mode === 'STRICT' ? 'strict' : mode === 'PERMISSIVE' ? 'permissive' : 'disabled';
}

export function nodeId(kind: string, namespace: string, name: string): string {
  return `${kind}:${namespace}/${name}`;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** A workload's mTLS state on `port` (or its workload-wide mode when the port is not known). */
function workloadState(wp: WorkloadPosture | undefined, port: number | null): { state: MtlsState; note: string } {
  if (!wp) return { state: 'none', note: 'no posture for the workload' };
  if (!wp.mtls.applies) return { state: 'none', note: 'not in the mesh: plaintext' };
  const p = port === null ? undefined : wp.mtls.ports.find((x) => x.port === port);
  const mode = p ? p.mode : wp.mtls.mode;
  const origin = p ? p.origin : wp.mtls.origin;
  const from = origin.resource ? `${origin.level} ${origin.resource.namespace}/${origin.resource.name}` : "Istio's default";
  return { state: stateOf(mode), note: `${port !== null ? `port ${port} ` : ''}${mode} from ${from}` };
}

export function buildConfigGraph(model: MeshModel, opts: GraphOptions = {}): ServiceGraph {
  const posture: MeshPosture = computePosture(model);
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const notes: string[] = [];

  const addNode = (kind: GraphNodeKind, r: { kind: string; namespace: string; name: string }, hosts: string[] = [], mtls: MtlsState | null = null): GraphNode => {
    const id = nodeId(r.kind, r.namespace, r.name);
    let n = nodes.get(id);
    if (!n) nodes.set(id, (n = { id, kind, resourceKind: r.kind, namespace: r.namespace, name: r.name, hosts, mtls, hijacked: false, hijacks: false, findings: [] }));
    return n;
  };
  const addEdge = (from: string, to: string, kind: GraphEdgeKind, mtls: MtlsState, note: string | null): GraphEdge => {
    const id = `${kind}|${from}|${to}`;
    let e = edges.get(id);
    if (!e) edges.set(id, (e = { id, from, to, kind, mtls, note, traffic: null }));
    else if (WEAKNESS[mtls] > WEAKNESS[e.mtls]) Object.assign(e, { mtls, note });
    return e;
  };

  // Workloads. A Deployment's ReplicaSets and Pods in the input (a live cluster) are its node, not nodes
  // of their own: edges to them are the Deployment's (src/model/owners.ts).
  const workloadNode = new Map<Workload, GraphNode>();
  const { runBy } = collapseOwned(posture.workloads.map((wp) => wp.workload));
  for (const wp of posture.workloads) {
    if (runBy.has(wp.workload)) continue;
    const n = addNode(wp.gateway ? 'gateway' : 'workload', wp.workload.resource, [], workloadState(wp, null).state);
    workloadNode.set(wp.workload, n);
  }
  for (const [w, top] of runBy) {
    const n = workloadNode.get(top);
    if (n) workloadNode.set(w, n);
  }

  // Services → the workloads they select, each edge with the destination's mode on the target port.
  const serviceNode = new Map<ServiceInfo, GraphNode>();
  const serviceState = new Map<ServiceInfo, { state: MtlsState; note: string | null }>();
  for (const s of posture.services.all) {
    const sn = addNode('service', s.resource, [s.fqdn]);
    serviceNode.set(s, sn);
    let worst: { state: MtlsState; note: string | null } = { state: 'n/a', note: null };
    for (const w of s.workloads) {
      const wn = workloadNode.get(w);
      if (!wn) continue;
      const wp = posture.of(w);
      let edgeState: MtlsState = 'n/a';
      let note: string | null = null;
      for (const port of s.ports.length ? s.ports : [{ targetPort: null, port: 0 }]) {
        const target = typeof port.targetPort === 'number' ? port.targetPort : port.targetPort === null && port.port ? port.port : null;
        const st = workloadState(wp, target);
        if (WEAKNESS[st.state] > WEAKNESS[edgeState]) ((edgeState = st.state), (note = st.note));
      }
      addEdge(sn.id, wn.id, 'selects', edgeState, note);
      if (WEAKNESS[edgeState] > WEAKNESS[worst.state]) worst = { state: edgeState, note };
    }
    serviceState.set(s, worst);
  }

  // ServiceEntries: external hosts.
  const externalByHost = new Map<string, GraphNode[]>();
  for (const se of model.ofKind(ISTIO, 'ServiceEntry')) {
    const hosts = strings(rec(se.obj?.spec).hosts).map((h) => h.toLowerCase());
    const n = addNode('external', se, hosts);
    for (const h of hosts) externalByHost.set(h, [...(externalByHost.get(h) ?? []), n]);
  }

  /** Route destination → Service nodes (or ServiceEntry nodes) with the mTLS state the route's traffic meets. */
  const destinations = (host: string, fromNs: string): Array<{ node: GraphNode; state: MtlsState; note: string | null }> => {
    const out: Array<{ node: GraphNode; state: MtlsState; note: string | null }> = [];
    for (const s of posture.services.resolve(host, fromNs)) {
      const sn = serviceNode.get(s);
      const st = serviceState.get(s);
      if (sn) out.push({ node: sn, state: st?.state ?? 'n/a', note: st?.note ?? null });
    }
    if (!out.length) for (const n of externalByHost.get(host.toLowerCase()) ?? []) out.push({ node: n, state: 'n/a', note: 'external host (ServiceEntry)' });
    return out;
  };

  // Istio gateways.
  const gatewayNode = new Map<string, GraphNode>();
  for (const g of model.ofKind(ISTIO, 'Gateway')) {
    const hosts = arr(rec(g.obj?.spec).servers).flatMap((s) => strings(rec(s).hosts));
    gatewayNode.set(`${ISTIO}|${g.namespace}/${g.name}`, addNode('gateway', g, hosts));
  }
  for (const g of model.ofKind(GATEWAY_API, 'Gateway')) {
    const hosts = arr(rec(g.obj?.spec).listeners).flatMap((l) => (typeof rec(l).hostname === 'string' ? [rec(l).hostname as string] : []));
    gatewayNode.set(`${GATEWAY_API}|${g.namespace}/${g.name}`, addNode('gateway', g, hosts));
  }

  // VirtualServices: gateways → VS → destination hosts.
  for (const vs of model.ofKind(ISTIO, 'VirtualService')) {
    const spec = rec(vs.obj?.spec);
    const vn = addNode('route', vs, strings(spec.hosts));
    for (const ref of strings(spec.gateways)) {
      if (ref === 'mesh') continue;
      const [ns, name] = ref.includes('/') ? [ref.slice(0, ref.indexOf('/')), ref.slice(ref.indexOf('/') + 1)] : [vs.namespace, ref];
      const g = gatewayNode.get(`${ISTIO}|${ns}/${name}`);
      if (g) addEdge(g.id, vn.id, 'binds', 'n/a', null);
    }
    for (const section of ['http', 'tcp', 'tls']) {
      for (const rule of arr(spec[section])) {
        for (const dest of arr(rec(rule).route)) {
          const host = rec(rec(dest).destination).host;
          if (typeof host !== 'string') continue;
          for (const d of destinations(host, vs.namespace)) addEdge(vn.id, d.node.id, 'routes', d.state, d.note);
        }
      }
    }
  }

  // Gateway-API routes: parents (Gateways, or Services for mesh routes) → route → backend Services.
  for (const kind of ROUTE_KINDS) {
    for (const route of model.ofKind(GATEWAY_API, kind)) {
      const spec = rec(route.obj?.spec);
      const rn = addNode('route', route, strings(spec.hostnames));
      for (const p of arr(spec.parentRefs).map(rec)) {
        if (typeof p.name !== 'string') continue;
        const ns = typeof p.namespace === 'string' ? p.namespace : route.namespace;
        const pk = typeof p.kind === 'string' ? p.kind : 'Gateway';
        if (pk === 'Gateway') {
          const g = gatewayNode.get(`${GATEWAY_API}|${ns}/${p.name}`);
          if (g) addEdge(g.id, rn.id, 'binds', 'n/a', null);
        } else if (pk === 'Service') {
          const s = posture.services.get(ns, p.name);
          const sn = s && serviceNode.get(s);
          if (sn) addEdge(sn.id, rn.id, 'binds', 'n/a', null);
        }
      }
      for (const rule of arr(spec.rules)) {
        for (const b of arr(rec(rule).backendRefs).map(rec)) {
          if (typeof b.name !== 'string') continue;
          if ((typeof b.kind === 'string' && b.kind !== 'Service') || (typeof b.group === 'string' && b.group !== '')) continue;
          const s = posture.services.get(typeof b.namespace === 'string' ? b.namespace : route.namespace, b.name);
          const sn = s && serviceNode.get(s);
          if (s && sn) addEdge(rn.id, sn.id, 'routes', serviceState.get(s)?.state ?? 'n/a', serviceState.get(s)?.note ?? null);
        }
      }
    }
  }

  // Findings: every open finding's rule on its object's node; hijack findings mark the taker and the hosts it takes.
  for (const f of opts.findings ?? []) {
    const n = nodes.get(nodeId(f.resource.kind, f.resource.namespace, f.resource.name));
    if (!n) continue;
    if (!n.findings.includes(f.ruleId)) n.findings.push(f.ruleId);
    if (!f.ruleId.startsWith(HIJACK_RULE_PREFIX)) continue;
    n.hijacks = true;
    for (const host of n.hosts) {
      for (const s of posture.services.resolve(host, n.namespace)) {
        const sn = serviceNode.get(s);
        if (sn && sn.namespace !== n.namespace) sn.hijacked = true;
      }
    }
  }
  for (const n of nodes.values()) n.findings.sort();

  if (opts.telemetry) addTraffic(opts.telemetry, nodes, edges, model, posture, addNode);

  return select([...nodes.values()], [...edges.values()], opts, notes);
}

function addTraffic(
  facts: TrafficFacts,
  nodes: Map<string, GraphNode>,
  edges: Map<string, GraphEdge>,
  model: MeshModel,
  posture: MeshPosture,
  addNode: (kind: GraphNodeKind, r: { kind: string; namespace: string; name: string }) => GraphNode,
): void {
  // Istio names a workload after its Deployment (or the pod's owner): match by namespace and name.
  const byName = new Map<string, GraphNode>();
  for (const wp of posture.workloads) {
    const n = nodes.get(nodeId(wp.workload.resource.kind, wp.workload.namespace, wp.workload.resource.name));
    if (n) byName.set(`${wp.workload.namespace}/${wp.workload.resource.name}`, n);
  }
  void model;
  const peer = (ns: string, name: string): GraphNode => byName.get(`${ns}/${name}`) ?? addNode('unknown', { kind: 'traffic', namespace: ns, name });
  const window = Math.max(1, facts.source.windowSeconds);
  const seen = new Map<string, Set<TrafficSecurity>>();
  // Each hop once (the destination's report when there is one), as `meshward graph` counts it.
  for (const t of bestReported(facts.edges)) {
    const active = t.requests > 0 || t.connectionsOpened > 0 || t.bytes > 0;
    if (!active) continue;
    const from = peer(t.source.namespace, t.source.workload);
    const to = peer(t.destination.namespace, t.destination.workload);
    const id = `traffic|${from.id}|${to.id}`;
    let e = edges.get(id);
    if (!e) {
      e = { id, from: from.id, to: to.id, kind: 'traffic', mtls: 'n/a', note: null, traffic: { requests: 0, responses: {}, requestRate: 0, connectionsOpened: 0, bytes: 0, security: 'unknown', plaintextSeen: false, windowSeconds: window } };
      edges.set(id, e);
    }
    const tr = e.traffic!;
    tr.requests += t.requests;
    tr.connectionsOpened += t.connectionsOpened;
    tr.bytes += t.bytes;
    tr.requestRate = tr.requests / window;
    // Response codes are labels: a null-prototype record keeps `__proto__` an ordinary key.
    if (Object.getPrototypeOf(tr.responses) !== null) tr.responses = Object.assign(Object.create(null) as Record<string, number>, tr.responses);
    for (const [code, n] of t.responses) tr.responses[code] = (Object.hasOwn(tr.responses, code) ? tr.responses[code]! : 0) + n;
    let s = seen.get(id);
    if (!s) seen.set(id, (s = new Set()));
    s.add(t.security);
    tr.security = edgeSecurity(s);
    tr.plaintextSeen = s.has('none');
    // The edge's state is what was seen: plaintext (none) when any of it was; strict when all was mutual TLS.
    e.mtls = tr.plaintextSeen ? 'none' : tr.security === 'mutual_tls' ? 'strict' : 'n/a';
    e.note = tr.plaintextSeen ? (tr.security === 'mixed' ? 'plaintext seen (with mutual TLS)' : 'plaintext seen') : tr.security === 'mutual_tls' ? 'mutual TLS seen' : 'security not reported';
  }
}

/** The namespace filter (its nodes and their direct neighbours) and the size cap. */
function select(nodes: GraphNode[], edges: GraphEdge[], opts: GraphOptions, notes: string[]): ServiceGraph {
  let keep: Set<string> | null = null;
  if (opts.namespace) {
    keep = new Set(nodes.filter((n) => n.namespace === opts.namespace).map((n) => n.id));
    const core = new Set(keep);
    for (const e of edges) {
      if (core.has(e.from)) keep.add(e.to);
      if (core.has(e.to)) keep.add(e.from);
    }
    nodes = nodes.filter((n) => keep!.has(n.id));
  }
  const max = opts.maxNodes ?? DEFAULT_MAX_NODES;
  let truncated = false;
  if (nodes.length > max) {
    truncated = true;
    notes.push(`the graph has ${nodes.length} nodes; the first ${max} (by namespace and name) are shown: filter by namespace to see the rest`);
    nodes = [...nodes].sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, max);
  }
  const ids = new Set(nodes.map((n) => n.id));
  return { nodes, edges: edges.filter((e) => ids.has(e.from) && ids.has(e.to)), truncated, notes };
}

export type { Resource };
