/**
 * Traffic facts across the relay: what an agent sends (`TelemetryReport`, src/relay/protocol.ts),
 * how the server checks it, and how a stored report becomes TrafficFacts again for the analysis.
 *
 * Aggregates only: the agent reduces its Prometheus's answers to edges (./sources/edges.ts) and sends
 * at most RELAY_LIMITS.maxTelemetryEdges of them, the busiest first; never a raw sample.
 *
 * Every string is a metric label, which anything that can send a request into the mesh can pick: the
 * agent cuts nothing silently (an edge with a label over the bound is left out and counted in a note),
 * control characters are made visible (`\u001b` as text) on both sides, and the server refuses any
 * shape it does not expect. `responses` travel as pairs, so a response code `__proto__` is data.
 */
import { redactUrl } from '../engine/redact.js';
import { terminalSafe } from '../engine/text.js';
import { RELAY_LIMITS, RELAY_PROTOCOL_VERSION, isClusterName, type TelemetryReport, type WireTrafficEdge, type WireTrafficPeer } from '../relay/protocol.js';
import { buildTrafficFacts } from './facts.js';
import type { TrafficEdge, TrafficFacts, TrafficPeer, TrafficSourceInfo } from './types.js';

/** A label as it may cross the wire: control characters made visible (idempotent). */
export function wireLabel(s: string): string {
  return terminalSafe(s);
}

const REPORTERS: ReadonlySet<string> = new Set(['source', 'destination', 'waypoint', 'unknown']);
const PROTOCOLS: ReadonlySet<string> = new Set(['http', 'grpc', 'tcp', 'unknown']);
const SECURITIES: ReadonlySet<string> = new Set(['mutual_tls', 'none', 'unknown']);
/** Distinct response codes kept per edge (Istio's are three digits or 0; more is noise or an attack). */
const MAX_RESPONSE_CODES = 64;

/** The busier edge first: requests, then connections, then bytes. */
function busier(a: TrafficEdge, b: TrafficEdge): number {
  return b.requests - a.requests || b.connectionsOpened - a.connectionsOpened || b.bytes - a.bytes;
}

function peerOut(p: TrafficPeer): WireTrafficPeer | null {
  const out: WireTrafficPeer = { workload: wireLabel(p.workload), namespace: wireLabel(p.namespace), principal: wireLabel(p.principal) };
  if (p.canonicalService !== undefined) out.canonicalService = wireLabel(p.canonicalService);
  if (p.cluster !== undefined) out.cluster = wireLabel(p.cluster);
  for (const v of Object.values(out)) if ((v as string).length > RELAY_LIMITS.maxTelemetryLabel) return null;
  return out;
}

function edgeOut(e: TrafficEdge): WireTrafficEdge | null {
  const source = peerOut(e.source);
  const destination = peerOut(e.destination);
  if (!source || !destination) return null;
  const out: WireTrafficEdge = {
    source,
    destination,
    destinationService: wireLabel(e.destinationService),
    reporter: e.reporter,
    protocol: e.protocol,
    security: e.security,
    requests: e.requests,
    responses: [...e.responses].slice(0, MAX_RESPONSE_CODES).map(([code, n]) => [wireLabel(code), n]),
    connectionsOpened: e.connectionsOpened,
    bytes: e.bytes,
  };
  if (e.destinationServiceName !== undefined) out.destinationServiceName = wireLabel(e.destinationServiceName);
  if (e.destinationServiceNamespace !== undefined) out.destinationServiceNamespace = wireLabel(e.destinationServiceNamespace);
  if (e.destinationPort !== undefined) out.destinationPort = e.destinationPort;
  const strings = [out.destinationService, out.destinationServiceName ?? '', out.destinationServiceNamespace ?? '', ...out.responses.map(([c]) => c)];
  if (strings.some((s) => s.length > RELAY_LIMITS.maxTelemetryLabel)) return null;
  return out;
}

function noteOut(n: string): string {
  const s = wireLabel(n);
  return s.length > RELAY_LIMITS.maxTelemetryNoteLength ? `${s.slice(0, RELAY_LIMITS.maxTelemetryNoteLength - 1)}…` : s;
}

/** The report an agent sends for the facts it read: the busiest edges up to the bound, labels made safe. */
export function reportFromFacts(facts: TrafficFacts, o: { cluster: string; agentVersion: string; sentAt: Date; maxEdges?: number; intervalSeconds?: number }): TelemetryReport {
  const maxEdges = Math.min(o.maxEdges ?? RELAY_LIMITS.maxTelemetryEdges, RELAY_LIMITS.maxTelemetryEdges);
  const notes = facts.notes.map(noteOut);
  const sorted = [...facts.edges].sort(busier);
  const edges: WireTrafficEdge[] = [];
  let overLong = 0;
  let overCount = 0;
  for (const e of sorted) {
    if (edges.length >= maxEdges) {
      overCount++;
      continue;
    }
    const w = edgeOut(e);
    if (w) edges.push(w);
    else overLong++;
  }
  if (overLong > 0) notes.push(`${overLong} edge(s) with a label over ${RELAY_LIMITS.maxTelemetryLabel} characters left out by the agent`);
  if (overCount > 0) notes.push(`${overCount} of the quietest edge(s) left out by the agent to stay within ${maxEdges} edges`);
  return {
    v: RELAY_PROTOCOL_VERSION,
    cluster: o.cluster,
    agentVersion: o.agentVersion,
    sentAt: o.sentAt.toISOString(),
    sourceName: noteOut(facts.source.name),
    windowSeconds: facts.source.windowSeconds,
    end: facts.source.end,
    ...(o.intervalSeconds !== undefined ? { intervalSeconds: o.intervalSeconds } : {}),
    edges,
    notes: notes.slice(0, RELAY_LIMITS.maxTelemetryNotes),
  };
}

/** A report the server refuses: `status` and a RelayError code, the message saying what is wrong (never echoing a value). */
export class TelemetryRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: 'malformed' | 'too-large' | 'unsupported-version',
    message: string,
  ) {
    super(message);
    this.name = 'TelemetryRefusal';
  }
}

function refuse(message: string, status = 400, code: TelemetryRefusal['code'] = 'malformed'): never {
  throw new TelemetryRefusal(status, code, message);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function label(v: unknown, at: string): string {
  if (typeof v !== 'string' || v.length > RELAY_LIMITS.maxTelemetryLabel) refuse(`${at} is not a label of at most ${RELAY_LIMITS.maxTelemetryLabel} characters`);
  return wireLabel(v);
}

function optLabel(v: unknown, at: string): string | undefined {
  return v === undefined ? undefined : label(v, at);
}

function count(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > Number.MAX_SAFE_INTEGER) refuse(`${at} is not a finite count of at least 0`);
  return v;
}

function peerIn(v: unknown, at: string): WireTrafficPeer {
  if (!isObj(v)) refuse(`${at} is not a peer object`);
  const out: WireTrafficPeer = { workload: label(v.workload, `${at}.workload`), namespace: label(v.namespace, `${at}.namespace`), principal: label(v.principal, `${at}.principal`) };
  const cs = optLabel(v.canonicalService, `${at}.canonicalService`);
  if (cs !== undefined) out.canonicalService = cs;
  const cl = optLabel(v.cluster, `${at}.cluster`);
  if (cl !== undefined) out.cluster = cl;
  return out;
}

function edgeIn(v: unknown, i: number): WireTrafficEdge {
  const at = `edges[${i}]`;
  if (!isObj(v)) refuse(`${at} is not an object`);
  if (typeof v.reporter !== 'string' || !REPORTERS.has(v.reporter)) refuse(`${at}.reporter is not source, destination, waypoint or unknown`);
  if (typeof v.protocol !== 'string' || !PROTOCOLS.has(v.protocol)) refuse(`${at}.protocol is not http, grpc, tcp or unknown`);
  if (typeof v.security !== 'string' || !SECURITIES.has(v.security)) refuse(`${at}.security is not mutual_tls, none or unknown`);
  if (!Array.isArray(v.responses) || v.responses.length > MAX_RESPONSE_CODES) refuse(`${at}.responses is not a list of at most ${MAX_RESPONSE_CODES} [code, count] pairs`);
  const responses: Array<[string, number]> = v.responses.map((p, j) => {
    if (!Array.isArray(p) || p.length !== 2) refuse(`${at}.responses[${j}] is not a [code, count] pair`);
    return [label(p[0], `${at}.responses[${j}][0]`), count(p[1], `${at}.responses[${j}][1]`)];
  });
  const out: WireTrafficEdge = {
    source: peerIn(v.source, `${at}.source`),
    destination: peerIn(v.destination, `${at}.destination`),
    destinationService: label(v.destinationService, `${at}.destinationService`),
    reporter: v.reporter as WireTrafficEdge['reporter'],
    protocol: v.protocol as WireTrafficEdge['protocol'],
    security: v.security as WireTrafficEdge['security'],
    requests: count(v.requests, `${at}.requests`),
    responses,
    connectionsOpened: count(v.connectionsOpened, `${at}.connectionsOpened`),
    bytes: count(v.bytes, `${at}.bytes`),
  };
  const dsn = optLabel(v.destinationServiceName, `${at}.destinationServiceName`);
  if (dsn !== undefined) out.destinationServiceName = dsn;
  const dsns = optLabel(v.destinationServiceNamespace, `${at}.destinationServiceNamespace`);
  if (dsns !== undefined) out.destinationServiceNamespace = dsns;
  if (v.destinationPort !== undefined) {
    if (typeof v.destinationPort !== 'number' || !Number.isInteger(v.destinationPort) || v.destinationPort < 0 || v.destinationPort > 65535) refuse(`${at}.destinationPort is not a port`);
    out.destinationPort = v.destinationPort;
  }
  return out;
}

const ISO = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{5,20}Z$/;

/** A strictly checked copy of a report (unknown fields dropped, every label re-escaped); throws TelemetryRefusal. */
export function validateTelemetryReport(v: unknown): TelemetryReport {
  if (!isObj(v)) refuse('a telemetry report is a JSON object');
  if (v.v !== RELAY_PROTOCOL_VERSION) refuse(`this server speaks relay protocol version ${RELAY_PROTOCOL_VERSION}; run an agent of the server's version`, 400, 'unsupported-version');
  if (!isClusterName(v.cluster)) refuse('`cluster` is not a cluster name (a DNS label)');
  if (typeof v.agentVersion !== 'string' || v.agentVersion.length > 100) refuse('`agentVersion` is not a short string');
  if (typeof v.sentAt !== 'string' || !ISO.test(v.sentAt)) refuse('`sentAt` is not an ISO 8601 time');
  if (typeof v.end !== 'string' || !ISO.test(v.end)) refuse('`end` is not an ISO 8601 time');
  if (typeof v.sourceName !== 'string' || v.sourceName.length > RELAY_LIMITS.maxTelemetryNoteLength) refuse('`sourceName` is not a short string');
  if (typeof v.windowSeconds !== 'number' || !Number.isSafeInteger(v.windowSeconds) || v.windowSeconds < 0 || v.windowSeconds > 30 * 86400) refuse('`windowSeconds` is not a window of 0 to 30 days in seconds');
  if (v.intervalSeconds !== undefined && (typeof v.intervalSeconds !== 'number' || !Number.isSafeInteger(v.intervalSeconds) || v.intervalSeconds < 60 || v.intervalSeconds > 86_400)) {
    refuse('`intervalSeconds` is not a report interval of 60 to 86400 seconds');
  }
  if (!Array.isArray(v.edges)) refuse('`edges` is not a list');
  if (v.edges.length > RELAY_LIMITS.maxTelemetryEdges) refuse(`a telemetry report holds at most ${RELAY_LIMITS.maxTelemetryEdges} edges, this one ${v.edges.length}`, 413, 'too-large');
  if (!Array.isArray(v.notes) || v.notes.length > RELAY_LIMITS.maxTelemetryNotes) refuse(`\`notes\` is not a list of at most ${RELAY_LIMITS.maxTelemetryNotes}`);
  const notes = v.notes.map((n, i) => {
    if (typeof n !== 'string' || n.length > RELAY_LIMITS.maxTelemetryNoteLength) refuse(`notes[${i}] is not a string of at most ${RELAY_LIMITS.maxTelemetryNoteLength} characters`);
    return wireLabel(n);
  });
  return {
    v: RELAY_PROTOCOL_VERSION,
    cluster: v.cluster,
    agentVersion: wireLabel(v.agentVersion),
    sentAt: v.sentAt,
    // The agent redacts its Prometheus URL (src/insights/sources/prometheus.ts); the server does not
    // rely on it: a password or token an agent left in it is fingerprinted here, before it is stored
    // and shown (redactUrl keeps fingerprints already there).
    sourceName: wireLabel(redactUrl(v.sourceName)),
    windowSeconds: v.windowSeconds,
    end: v.end,
    ...(v.intervalSeconds !== undefined ? { intervalSeconds: v.intervalSeconds as number } : {}),
    edges: v.edges.map(edgeIn),
    notes,
  };
}

function peerBack(p: WireTrafficPeer): TrafficPeer {
  const out: TrafficPeer = { workload: p.workload, namespace: p.namespace, principal: p.principal };
  if (p.canonicalService !== undefined) out.canonicalService = p.canonicalService;
  if (p.cluster !== undefined) out.cluster = p.cluster;
  return out;
}

/** Wire edges as the rules read them (responses in a Map again). */
export function edgesFromWire(edges: readonly WireTrafficEdge[]): TrafficEdge[] {
  return edges.map((e) => {
    const responses = new Map<string, number>();
    for (const [code, n] of e.responses) responses.set(code, (responses.get(code) ?? 0) + n);
    const out: TrafficEdge = {
      source: peerBack(e.source),
      destination: peerBack(e.destination),
      destinationService: e.destinationService,
      reporter: e.reporter,
      protocol: e.protocol,
      security: e.security,
      requests: e.requests,
      responses,
      connectionsOpened: e.connectionsOpened,
      bytes: e.bytes,
    };
    if (e.destinationServiceName !== undefined) out.destinationServiceName = e.destinationServiceName;
    if (e.destinationServiceNamespace !== undefined) out.destinationServiceNamespace = e.destinationServiceNamespace;
    if (e.destinationPort !== undefined) out.destinationPort = e.destinationPort;
    return out;
  });
}

/** Facts read by the server itself (--prometheus CLUSTER=URL) in the stored form, bounded like an agent's. */
export function wireFromFacts(facts: TrafficFacts, maxEdges: number = RELAY_LIMITS.maxTelemetryEdges): { edges: WireTrafficEdge[]; notes: string[] } {
  const r = reportFromFacts(facts, { cluster: 'server', agentVersion: '', sentAt: new Date(0), maxEdges });
  return { edges: r.edges, notes: r.notes };
}

/** Where stored traffic came from, for TrafficFacts.source. */
export function storedSource(o: { via: 'agent' | 'server'; sourceName: string; windowSeconds: number; end: string; cluster: string }): TrafficSourceInfo {
  return o.via === 'agent'
    ? { kind: 'relay', name: `${o.sourceName} (via the agent of cluster ${o.cluster})`, windowSeconds: o.windowSeconds, end: o.end }
    : { kind: 'prometheus', name: o.sourceName, windowSeconds: o.windowSeconds, end: o.end };
}

/** A stored telemetry document as TrafficFacts for the rules. */
export function factsFromStored(o: { via: 'agent' | 'server'; sourceName: string; windowSeconds: number; end: string; cluster: string; edges: readonly WireTrafficEdge[]; notes: readonly string[] }): TrafficFacts {
  return buildTrafficFacts(storedSource(o), edgesFromWire(o.edges), o.notes);
}
