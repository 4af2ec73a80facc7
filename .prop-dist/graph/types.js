/**
 * The service graph's shape: plain JSON data, no layout and no DOM. The server's
 * `GET /api/clusters/:cluster/graph` answers it (built from configuration by ./config-graph.ts), and a
 * graph built from telemetry alone (`meshward graph`, src/insights) can emit the same shape, so the
 * dashboard draws either.
 *
 * Every string came from an agent or a metric label: render as text, never as markup or a URL.
 */
export {};
