/**
 * The relay's wire contract: what `meshward agent` (src/relay) sends to `meshward server` (src/server)
 * and what the server answers. Both sides import this file; nothing else about the wire is assumed.
 *
 * The direction is fixed: the agent, inside its cluster, connects outward to the server's agent port
 * (mutual TLS). The server never connects to a cluster, and never fetches anything an agent sent.
 *
 * Identity: an agent first enrolls with a one-time bootstrap token (`meshward server register-cluster
 * NAME` prints it) and a CSR for a key it generated and keeps; it gets a short-lived client certificate
 * whose URI SAN is `clusterSpiffeId(NAME)`. From then on every request is authenticated by that
 * certificate, and every write is authorized by the cluster it names: an agent writes its own cluster
 * only, whatever a body says.
 *
 * Data: a full snapshot (the sanitized objects of every watched kind), then deltas. Each snapshot
 * starts a new `epoch` (a random id the agent picks); batches within an epoch are numbered 1, 2, 3...
 * with no gaps. The server acknowledges a batch only once it is durably stored; an agent that
 * reconnects asks for the cursor and resumes after the last acknowledged batch, or, when it no longer
 * holds what follows (its queue overflowed, it restarted), starts a new epoch with a fresh snapshot.
 */
import type { SecretFacts } from '../cluster/secret-facts.js';

export const RELAY_PROTOCOL_VERSION = 1;

/** Agent-facing endpoints (the agent port; mutual TLS, except `enroll`, which takes a bootstrap token). */
export const AGENT_PATHS = {
  /** POST EnrollRequest with `Authorization: Bearer <bootstrap token>` → EnrollResponse. No client certificate needed. */
  enroll: '/v1/enroll',
  /** POST RenewRequest with the current client certificate → EnrollResponse (a new certificate, same cluster). */
  renew: '/v1/renew',
  /** GET → Cursor of the calling cluster (by its certificate). */
  cursor: '/v1/cursor',
  /** POST Batch (gzip-compressed JSON, `Content-Encoding: gzip`) → BatchAck, or an error body. */
  batch: '/v1/batch',
  /**
   * POST TelemetryReport (gzip-compressed JSON) → TelemetryAck: the traffic aggregates the agent read
   * from its cluster's Prometheus (`meshward agent --prometheus URL`). The server keeps the latest per
   * cluster. A server older than this route answers 404: the agent logs it and goes on without.
   */
  telemetry: '/v1/telemetry',
} as const;

/** Default ports: agents connect to AGENT_PORT; the API, metrics and dashboard listen on API_PORT. */
export const DEFAULT_AGENT_PORT = 9443;
export const DEFAULT_API_PORT = 8080;

/** A cluster name: a DNS label (it appears in certificates, URLs, metrics labels and file names). */
export const CLUSTER_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function isClusterName(s: unknown): s is string {
  return typeof s === 'string' && CLUSTER_NAME_PATTERN.test(s);
}

/** The URI SAN a cluster's client certificate carries. */
export function clusterSpiffeId(cluster: string): string {
  return `spiffe://meshward/cluster/${cluster}`;
}

/** The cluster a URI SAN names, or null when it is not exactly a meshward cluster identity. */
export function clusterFromSpiffeId(uri: string): string | null {
  const prefix = 'spiffe://meshward/cluster/';
  if (!uri.startsWith(prefix)) return null;
  const name = uri.slice(prefix.length);
  return isClusterName(name) ? name : null;
}

/** Bounds the server enforces (and the agent respects, so it never sends what will be refused). */
export const RELAY_LIMITS = {
  /** Largest compressed request body. */
  maxCompressedBytes: 8 * 1024 * 1024,
  /** Largest body after decompression (a gzip bomb stops here). */
  maxDecompressedBytes: 64 * 1024 * 1024,
  /** Most changes in one batch. */
  maxChangesPerBatch: 5_000,
  /** Largest single object, serialized. The API server's own limit is about 1.5 MiB. */
  maxObjectBytes: 2 * 1024 * 1024,
  /** Most objects one cluster may hold in the store. */
  maxObjectsPerCluster: 250_000,
  /** Bootstrap token lifetime unless `register-cluster --ttl` says otherwise. */
  bootstrapTokenTtlMs: 60 * 60 * 1000,
  /** Client certificate lifetime; the agent renews at two thirds of it. */
  certificateTtlMs: 24 * 60 * 60 * 1000,
  /** Most traffic edges in one telemetry report (the agent keeps the busiest). */
  maxTelemetryEdges: 20_000,
  /** Longest label value in a telemetry report (longer is cut by the agent, refused by the server). */
  maxTelemetryLabel: 1_024,
  /** Most notes in one telemetry report, and the longest. */
  maxTelemetryNotes: 50,
  maxTelemetryNoteLength: 500,
  /** Largest telemetry report after decompression. */
  maxTelemetryDecompressedBytes: 32 * 1024 * 1024,
  /** Telemetry reports a cluster may send per minute (the agent sends one per interval, 1 min at the least). */
  telemetryPerMinute: 6,
} as const;

export interface EnrollRequest {
  v: typeof RELAY_PROTOCOL_VERSION;
  /** The cluster the bootstrap token was issued for (checked against the token, never trusted alone). */
  cluster: string;
  /** PKCS#10 CSR (PEM) for a key the agent generated; its subject and SANs are ignored (the server sets them). */
  csr: string;
  agentVersion: string;
}

export interface RenewRequest {
  v: typeof RELAY_PROTOCOL_VERSION;
  csr: string;
  agentVersion: string;
}

export interface EnrollResponse {
  cluster: string;
  /** The client certificate (PEM) with URI SAN clusterSpiffeId(cluster). */
  certificate: string;
  /** The CA that signs client certificates (PEM), for the agent's record. */
  caCertificate: string;
  /** ISO 8601. The agent renews before this. */
  notAfter: string;
}

/** Where the server stands for one cluster. `epoch` null: nothing stored yet (send a snapshot). */
export interface Cursor {
  cluster: string;
  epoch: string | null;
  /** Last acknowledged batch of `epoch` (0 when none). */
  seq: number;
  /** Whether `epoch`'s snapshot is complete (its `last` part stored). */
  snapshotComplete: boolean;
}

/** An object's identity within a cluster. `kind` is the kind key: `Kind` (core) or `group/Kind`. */
export interface ObjectKey {
  kind: string;
  /** '' for cluster-scoped objects. */
  namespace: string;
  name: string;
}

/** The store's and the wire's one string form of an ObjectKey. */
export function objectKeyString(k: ObjectKey): string {
  return `${k.kind}|${k.namespace}|${k.name}`;
}

/**
 * One object as the agent sends it: sanitized by src/cluster/sanitize.ts in the agent (and sanitized
 * again by the server on ingest: the server trusts no agent to have done it).
 */
export interface WireObject {
  apiVersion: string;
  kind: string;
  /** Whether the API serves the kind per namespace (from discovery). */
  namespaced: boolean;
  /** The sanitized object (metadata, spec, status...). */
  obj: Record<string, unknown>;
  /** A Secret's derived facts (never its data). */
  secretFacts?: SecretFacts;
}

export type Change = { op: 'upsert'; object: WireObject } | { op: 'delete'; key: ObjectKey };

/** Per watched kind, sent with a snapshot's last part and whenever it changes: what the agent could see. */
export interface WireKindStatus {
  kind: string;
  served: boolean;
  synced: boolean;
  objects: number;
  /** A short reason (403, not served...), never a secret value. */
  error: string | null;
}

export interface Batch {
  v: typeof RELAY_PROTOCOL_VERSION;
  /** Must equal the cluster of the client certificate; a mismatch is refused (403), never "corrected". */
  cluster: string;
  agentVersion: string;
  epoch: string;
  /** 1-based, contiguous within the epoch. A snapshot's parts come first, then deltas. */
  seq: number;
  type: 'snapshot' | 'delta';
  /** On the final part of a snapshot: the cluster's stored state becomes exactly this epoch's objects. */
  last?: boolean;
  /** Agent clock (ISO 8601): for measuring skew and lag only, never for ordering. */
  sentAt: string;
  changes: Change[];
  kinds?: WireKindStatus[];
}

/**
 * One traffic edge on the wire: src/insights/types.ts TrafficEdge with `responses` as pairs (a map
 * keyed by response code would make `__proto__` a key). Every string is a metric label: hostile.
 */
export interface WireTrafficEdge {
  source: WireTrafficPeer;
  destination: WireTrafficPeer;
  destinationService: string;
  destinationServiceName?: string;
  destinationServiceNamespace?: string;
  destinationPort?: number;
  reporter: 'source' | 'destination' | 'waypoint' | 'unknown';
  protocol: 'http' | 'grpc' | 'tcp' | 'unknown';
  security: 'mutual_tls' | 'none' | 'unknown';
  requests: number;
  /** [response code, requests] pairs. */
  responses: Array<[string, number]>;
  connectionsOpened: number;
  bytes: number;
}

export interface WireTrafficPeer {
  workload: string;
  namespace: string;
  principal: string;
  canonicalService?: string;
  cluster?: string;
}

/**
 * Traffic aggregates an agent read from its cluster's Prometheus over a window: edges (bounded by
 * RELAY_LIMITS.maxTelemetryEdges, the busiest kept), never raw samples. Sent on its own route, on
 * an interval, outside the batch stream (no epoch, no seq: the newest report replaces the last).
 */
export interface TelemetryReport {
  v: typeof RELAY_PROTOCOL_VERSION;
  /** Must equal the cluster of the client certificate (403 otherwise). */
  cluster: string;
  agentVersion: string;
  /** Agent clock (ISO 8601). */
  sentAt: string;
  /** The Prometheus as the agent shows it (redacted URL). */
  sourceName: string;
  windowSeconds: number;
  /** End of the window (ISO 8601, agent clock). */
  end: string;
  /**
   * How often this agent reports, seconds (60 to 86400): the server marks the cluster's telemetry
   * stale after three intervals without a report. Optional: agents before it sent none (then the
   * server assumes the default 5 min), and servers before it drop it.
   */
  intervalSeconds?: number;
  edges: WireTrafficEdge[];
  /** What the agent could not read (Prometheus down, a query cut): shown as notes. */
  notes: string[];
}

/** The interval a report announces (the server marks telemetry stale after three): whole seconds, within what the server takes. */
export function reportIntervalSeconds(intervalMs: number): number {
  return Math.min(86_400, Math.max(60, Math.round(intervalMs / 1000)));
}

export interface TelemetryAck {
  /** Edges the server kept. */
  edges: number;
  /** Server clock (ISO 8601): when the report was stored. */
  receivedAt: string;
}

export interface BatchAck {
  epoch: string;
  /** The last batch now durably stored (this one, or an earlier duplicate's). */
  seq: number;
}

/**
 * Error bodies (`application/json`) on any agent endpoint. `code` is stable; `message` says what is
 * wrong and how to fix it (never echoing a secret). For 409 `out-of-order` the body carries the server's
 * cursor: resume after it, or start a new epoch.
 */
export interface RelayError {
  code:
    | 'unauthenticated'
    | 'forbidden-cluster'
    | 'revoked'
    | 'bad-token'
    | 'malformed'
    | 'too-large'
    | 'out-of-order'
    | 'unsupported-version'
    | 'rate-limited'
    | 'unavailable';
  message: string;
  cursor?: Cursor;
}
