/**
 * The server's Prometheus metrics, /healthz and /readyz (API port). A registry of its own (two servers
 * in one process, as in tests, do not collide). Label values are cluster names (DNS labels, checked
 * at registration), severities and rule IDs: never free text from an agent, so no agent can grow them.
 *
 * Gauges that describe the store (open findings, last-seen age, lag) are refreshed from it once per
 * scrape, just before the registry is rendered.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FLEET_CLUSTER, type Store } from '../store/types.js';
import type { Authenticator } from './api/auth.js';
import { refuse } from './api/auth.js';
import { telemetryView } from './telemetry.js';

export interface ServerMetrics {
  registry: Registry;
  analysisDuration: Histogram<'cluster'>;
  analysisFailures: Counter<'cluster'>;
  /** Kept models built again by idle analysis lanes (Analysis.compactIdle). */
  analysisCompactions: Counter;
  batches: Counter<'cluster' | 'type'>;
  /** Reads the store and sets the gauges (called per scrape). */
  refresh(now: Date): Promise<void>;
}

export function createServerMetrics(store: Store, opts: { defaultMetrics?: boolean } = {}): ServerMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'meshward_server_' });
  const analysisDuration = new Histogram({
    name: 'meshward_server_analysis_duration_seconds',
    help: 'Time to analyse one cluster (load from the store, model, rules, record), by cluster; cluster="(fleet)" is the cross-cluster pass',
    labelNames: ['cluster'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  const analysisFailures = new Counter({ name: 'meshward_server_analysis_failures_total', help: 'Analyses that failed (the log says why), by cluster', labelNames: ['cluster'] as const, registers: [registry] });
  const analysisCompactions = new Counter({ name: 'meshward_server_analysis_compactions_total', help: "Kept cluster models built again by an idle analysis lane, so that no change waits for the build (docs/relay.md, \"Where it runs\")", registers: [registry] });
  const batches = new Counter({ name: 'meshward_server_batches_stored_total', help: 'Batches durably stored, by cluster and type (snapshot, delta)', labelNames: ['cluster', 'type'] as const, registers: [registry] });
  const findings = new Gauge({ name: 'meshward_server_findings_open', help: 'Open findings by cluster, severity and rule (suppressions not applied)', labelNames: ['cluster', 'severity', 'rule'] as const, registers: [registry] });
  const lastSeen = new Gauge({ name: 'meshward_server_agent_last_seen_age_seconds', help: "Seconds since the cluster's agent last called (-1: never)", labelNames: ['cluster'] as const, registers: [registry] });
  const ingestLag = new Gauge({ name: 'meshward_server_ingest_lag_seconds', help: 'Seconds the findings lag the stored objects: since the oldest unanalysed batch was stored (0 when analysis has caught up)', labelNames: ['cluster'] as const, registers: [registry] });
  const backlog = new Gauge({ name: 'meshward_server_analysis_backlog_batches', help: 'Stored batches not yet analysed', labelNames: ['cluster'] as const, registers: [registry] });
  const skew = new Gauge({ name: 'meshward_server_agent_clock_skew_seconds', help: 'Agent clock minus server clock at the last batch', labelNames: ['cluster'] as const, registers: [registry] });
  const objects = new Gauge({ name: 'meshward_server_cluster_objects', help: 'Objects stored for the cluster', labelNames: ['cluster'] as const, registers: [registry] });
  const revoked = new Gauge({ name: 'meshward_server_cluster_revoked', help: '1 when the cluster is revoked', labelNames: ['cluster'] as const, registers: [registry] });
  // Telemetry (issue 15): only for registered clusters (a document for a name nobody registered, as
  // `--prometheus CLUSTER=URL` may write, adds no series), so the series are bounded by the clusters.
  const telemetryAge = new Gauge({ name: 'meshward_server_telemetry_age_seconds', help: "Seconds since the cluster's traffic aggregates were stored (absent: none stored)", labelNames: ['cluster'] as const, registers: [registry] });
  const telemetryEdges = new Gauge({ name: 'meshward_server_telemetry_edges', help: "Traffic edges in the cluster's stored aggregates", labelNames: ['cluster'] as const, registers: [registry] });
  const telemetryStale = new Gauge({ name: 'meshward_server_telemetry_stale', help: "1 when the cluster's telemetry is older than three report intervals (the API's telemetry.stale)", labelNames: ['cluster'] as const, registers: [registry] });

  async function refresh(now: Date): Promise<void> {
    const [counts, clusters, telemetry] = await Promise.all([store.findingCounts(), store.listClusters(), store.telemetryFreshness()]);
    const telemetryOf = new Map(telemetry.map((t) => [t.cluster, t]));
    findings.reset();
    for (const c of counts) findings.set({ cluster: c.cluster, severity: c.severity, rule: c.ruleId }, c.open);
    for (const g of [lastSeen, ingestLag, backlog, skew, objects, revoked, telemetryAge, telemetryEdges, telemetryStale]) g.reset();
    for (const c of clusters) {
      if (c.name === FLEET_CLUSTER) continue;
      const l = { cluster: c.name };
      lastSeen.set(l, c.lastSeenAt ? Math.max(0, (now.getTime() - Date.parse(c.lastSeenAt)) / 1000) : -1);
      ingestLag.set(l, c.analysisBacklog > 0 && c.lastIngestAt ? Math.max(0, (now.getTime() - Date.parse(c.lastAnalysisAt ?? c.lastIngestAt)) / 1000) : 0);
      backlog.set(l, c.analysisBacklog);
      if (c.clockSkewMs !== null) skew.set(l, c.clockSkewMs / 1000);
      objects.set(l, c.objects);
      revoked.set(l, c.revokedAt ? 1 : 0);
      const t = telemetryView(telemetryOf.get(c.name), now);
      if (t) {
        telemetryAge.set(l, t.ageSeconds);
        telemetryEdges.set(l, t.edges);
        telemetryStale.set(l, t.stale ? 1 : 0);
      }
    }
  }
  return { registry, analysisDuration, analysisFailures, analysisCompactions, batches, refresh };
}

export interface HealthDeps {
  store: Store;
  metrics: ServerMetrics;
  auth: Authenticator;
  /** True once migrations ran. */
  migrated: () => boolean;
  now?: () => Date;
}

/** /metrics (viewer token: finding counts name clusters and rules), /healthz and /readyz (open). */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (!deps.migrated()) return reply.code(503).send({ status: 'not-ready', reason: 'the store schema is not migrated yet' });
    try {
      await deps.store.getCluster(FLEET_CLUSTER);
    } catch (err) {
      return reply.code(503).send({ status: 'not-ready', reason: `the store does not answer (${String((err as Error)?.name ?? 'error')})` });
    }
    return { status: 'ready', store: deps.store.engine };
  });
  app.get('/metrics', async (req, reply) => {
    const result = deps.auth.authenticate(req);
    if (!result.ok) return refuse(reply, 401, result.error, result.message);
    await deps.metrics.refresh((deps.now ?? (() => new Date()))());
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
