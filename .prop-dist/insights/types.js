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
export {};
