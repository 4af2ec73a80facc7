/**
 * The service graph's shape: plain JSON data, no layout and no DOM. The server's
 * `GET /api/clusters/:cluster/graph` answers it (built from configuration by ./config-graph.ts), and a
 * graph built from telemetry alone (`meshward graph`, src/insights) can emit the same shape, so the
 * dashboard draws either.
 *
 * Every string came from an agent or a metric label: render as text, never as markup or a URL.
 */

/** What a node stands for. `unknown` is a traffic peer that matches nothing in the configuration. */
export type GraphNodeKind = 'workload' | 'service' | 'route' | 'gateway' | 'external' | 'unknown';

/**
 * The transport security of an edge: `strict` (mTLS required), `permissive` (mTLS or plaintext
 * accepted), `disabled` (PeerAuthentication DISABLE: plaintext), `none` (the destination has no
 * sidecar or ztunnel: plaintext), `n/a` (configuration edges that carry no traffic themselves).
 */
export type MtlsState = 'strict' | 'permissive' | 'disabled' | 'none' | 'n/a';

export interface GraphNode {
  /** `Kind:namespace/name` for configuration objects, `traffic:namespace/workload` for unknown peers. */
  id: string;
  kind: GraphNodeKind;
  /** The Kubernetes kind (Deployment, Service, VirtualService, HTTPRoute, Gateway, ServiceEntry...). */
  resourceKind: string;
  namespace: string;
  name: string;
  /** Hosts the node serves or claims (a Service's FQDN, a route's or ServiceEntry's hosts). */
  hosts: string[];
  /** The workload's own mode on ports without an override (workloads only). */
  mtls: MtlsState | null;
  /** Another tenant's configuration takes this node's traffic (an open hijack finding names its host). */
  hijacked: boolean;
  /** This node is the object of an open hijack finding (it takes someone else's host). */
  hijacks: boolean;
  /** Rule IDs of the open findings about this object. */
  findings: string[];
}

/** `selects`: Service → workload; `routes`: route → destination; `binds`: gateway (or Service parent) → route; `traffic`: observed. */
export type GraphEdgeKind = 'selects' | 'routes' | 'binds' | 'traffic';

/**
 * mTLS as the proxies reported a hop's traffic: all `mutual_tls`, all `none` (plaintext), both
 * (`mixed`), or not reported (`unknown`). The one edge-security type of `meshward graph`
 * (src/insights/graph.ts) and of this graph.
 */
export type EdgeSecurity = 'mutual_tls' | 'none' | 'mixed' | 'unknown';

/**
 * Observed traffic on one hop: what `meshward graph` edges carry (src/insights/graph.ts GraphEdge
 * extends it) and what a `traffic` edge of this graph carries in `traffic`. Each hop is counted once,
 * from the destination's report when there is one (src/insights/graph.ts bestReported).
 */
export interface TrafficMeasures {
  requests: number;
  /** Requests by response code. */
  responses: Record<string, number>;
  connectionsOpened: number;
  bytes: number;
  security: EdgeSecurity;
}

export interface TrafficSummary extends TrafficMeasures {
  /** Requests per second over the window. */
  requestRate: number;
  /** Some of this traffic was reported without mTLS (`connection_security_policy="none"`): security is none or mixed. */
  plaintextSeen: boolean;
  windowSeconds: number;
}

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  kind: GraphEdgeKind;
  mtls: MtlsState;
  /** Why the edge has its mTLS state, e.g. `port 8080 STRICT from namespace shop/default`. */
  note: string | null;
  traffic: TrafficSummary | null;
}

/** What `GET /api/clusters/:cluster/graph` answers. */
export interface ClusterServiceGraph extends ServiceGraph {
  cluster: string;
}

export interface ServiceGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** True when nodes were left out to stay under the size limit. */
  truncated: boolean;
  notes: string[];
}
