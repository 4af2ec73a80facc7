/**
 * Traffic facts: what Istio's standard metrics say the mesh did over a window, reduced to edges.
 *
 * This is the contract between the sources (src/insights/sources: a Prometheus text or OpenMetrics
 * file, a Prometheus HTTP API, or aggregates an agent relays) and the INS rules (src/rules/insights).
 * Sources turn series into TrafficEdge values; buildTrafficFacts (./facts.ts) indexes them; rules read
 * them through RuleContext.telemetry and never see a metric, a label set or a query.
 *
 * Every string here came from a metric label, which anything that can send a request into the mesh can
 * influence (a client picks its own `source_workload` when it has no sidecar; a Host header becomes
 * `destination_service` on passthrough traffic). Treat them as hostile: escape for output, never
 * fetch or execute, key maps by them only through Map.
 */

/** One side of an edge, from the `source_*` or `destination_*` labels. */
export interface TrafficPeer {
  /** `*_workload`: the workload name Istio derived (a Deployment's name), or 'unknown' (no sidecar, no metadata). */
  workload: string;
  /** `*_workload_namespace`, or 'unknown'. */
  namespace: string;
  /** `*_principal`: a SPIFFE ID (`spiffe://<trust domain>/ns/<ns>/sa/<sa>`) or 'unknown' (no mTLS). */
  principal: string;
  /** `*_canonical_service` when present. */
  canonicalService?: string;
  /** `*_cluster` when present (multi-cluster meshes). */
  cluster?: string;
}

export type TrafficProtocol = 'http' | 'grpc' | 'tcp' | 'unknown';
/** `connection_security_policy`: as the reporting proxy saw the connection. */
export type TrafficSecurity = 'mutual_tls' | 'none' | 'unknown';
export type TrafficReporter = 'source' | 'destination' | 'waypoint' | 'unknown';

/** All series that share these labels, summed over the window. */
export interface TrafficEdge {
  source: TrafficPeer;
  destination: TrafficPeer;
  /**
   * `destination_service`: the host the traffic was routed to (`reviews.bookinfo.svc.cluster.local`),
   * or an Envoy cluster name such as `PassthroughCluster` / `BlackHoleCluster` for egress that matched
   * no registered host.
   */
  destinationService: string;
  /** `destination_service_name` / `_namespace` when present. */
  destinationServiceName?: string;
  destinationServiceNamespace?: string;
  /** Destination port when a label carries it (`destination_port`), else undefined. */
  destinationPort?: number;
  reporter: TrafficReporter;
  protocol: TrafficProtocol;
  security: TrafficSecurity;
  /** Requests in the window (increase of istio_requests_total), 0 for TCP-only edges. */
  requests: number;
  /** Requests by `response_code` ('200', '403', ... ; '0' for resets), summed over the window. */
  responses: ReadonlyMap<string, number>;
  /** TCP connections opened in the window (istio_tcp_connections_opened_total), 0 for HTTP-only edges. */
  connectionsOpened: number;
  /** Bytes sent plus received over the window, when the source had them (0 otherwise). */
  bytes: number;
}

/** Where the facts came from, for notes and reports (never the URL's credentials: sources redact). */
export interface TrafficSourceInfo {
  kind: 'file' | 'prometheus' | 'relay';
  /** A file path, or a redacted Prometheus URL, or the cluster name for relayed aggregates. */
  name: string;
  /** The window the figures cover, in seconds (a file is one scrape: its counters are totals since start). */
  windowSeconds: number;
  /** End of the window (ISO 8601). */
  end: string;
}

/** Edges plus the indexes rules need; build with buildTrafficFacts (./facts.ts). */
export interface TrafficFacts {
  readonly source: TrafficSourceInfo;
  readonly edges: readonly TrafficEdge[];
  /** What could not be read or was cut (series limit, timeout, a bad line): shown as notes, never fatal. */
  readonly notes: readonly string[];
  /** Edges whose destination workload is `workload` in `namespace` (the destination's view and the source's). */
  into(namespace: string, workload: string): readonly TrafficEdge[];
  /** Edges whose source workload is `workload` in `namespace`. */
  from(namespace: string, workload: string): readonly TrafficEdge[];
  /** Edges routed to a `destination_service` value (a host, or PassthroughCluster / BlackHoleCluster). */
  toService(destinationService: string): readonly TrafficEdge[];
}
