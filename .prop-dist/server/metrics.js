import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FLEET_CLUSTER } from '../store/types.js';
import { refuse } from './api/auth.js';
export function createServerMetrics(store, opts = {}) {
    const registry = new Registry();
    if (opts.defaultMetrics !== false)
        collectDefaultMetrics({ register: registry, prefix: 'meshward_server_' });
    const analysisDuration = new Histogram({
        name: 'meshward_server_analysis_duration_seconds',
        help: 'Time to analyse one cluster (load from the store, model, rules, record), by cluster; cluster="(fleet)" is the cross-cluster pass',
        labelNames: ['cluster'],
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
        registers: [registry],
    });
    const analysisFailures = new Counter({ name: 'meshward_server_analysis_failures_total', help: 'Analyses that failed (the log says why), by cluster', labelNames: ['cluster'], registers: [registry] });
    const batches = new Counter({ name: 'meshward_server_batches_stored_total', help: 'Batches durably stored, by cluster and type (snapshot, delta)', labelNames: ['cluster', 'type'], registers: [registry] });
    const findings = new Gauge({ name: 'meshward_server_findings_open', help: 'Open findings by cluster, severity and rule (suppressions not applied)', labelNames: ['cluster', 'severity', 'rule'], registers: [registry] });
    const lastSeen = new Gauge({ name: 'meshward_server_agent_last_seen_age_seconds', help: "Seconds since the cluster's agent last called (-1: never)", labelNames: ['cluster'], registers: [registry] });
    const ingestLag = new Gauge({ name: 'meshward_server_ingest_lag_seconds', help: 'Seconds the findings lag the stored objects: since the oldest unanalysed batch was stored (0 when analysis has caught up)', labelNames: ['cluster'], registers: [registry] });
    const backlog = new Gauge({ name: 'meshward_server_analysis_backlog_batches', help: 'Stored batches not yet analysed', labelNames: ['cluster'], registers: [registry] });
    const skew = new Gauge({ name: 'meshward_server_agent_clock_skew_seconds', help: 'Agent clock minus server clock at the last batch', labelNames: ['cluster'], registers: [registry] });
    const objects = new Gauge({ name: 'meshward_server_cluster_objects', help: 'Objects stored for the cluster', labelNames: ['cluster'], registers: [registry] });
    const revoked = new Gauge({ name: 'meshward_server_cluster_revoked', help: '1 when the cluster is revoked', labelNames: ['cluster'], registers: [registry] });
    async function refresh(now) {
        const [counts, clusters] = await Promise.all([store.findingCounts(), store.listClusters()]);
        findings.reset();
        for (const c of counts)
            findings.set({ cluster: c.cluster, severity: c.severity, rule: c.ruleId }, c.open);
        for (const g of [lastSeen, ingestLag, backlog, skew, objects, revoked])
            g.reset();
        for (const c of clusters) {
            if (c.name === FLEET_CLUSTER)
                continue;
            const l = { cluster: c.name };
            lastSeen.set(l, c.lastSeenAt ? Math.max(0, (now.getTime() - Date.parse(c.lastSeenAt)) / 1000) : -1);
            ingestLag.set(l, c.analysisBacklog > 0 && c.lastIngestAt ? Math.max(0, (now.getTime() - Date.parse(c.lastAnalysisAt ?? c.lastIngestAt)) / 1000) : 0);
            backlog.set(l, c.analysisBacklog);
            if (c.clockSkewMs !== null)
                skew.set(l, c.clockSkewMs / 1000);
            objects.set(l, c.objects);
            revoked.set(l, c.revokedAt ? 1 : 0);
        }
    }
    return { registry, analysisDuration, analysisFailures, batches, refresh };
}
/** /metrics (viewer token: finding counts name clusters and rules), /healthz and /readyz (open). */
export function registerHealthRoutes(app, deps) {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_req, reply) => {
        if (!deps.migrated())
            return reply.code(503).send({ status: 'not-ready', reason: 'the store schema is not migrated yet' });
        try {
            await deps.store.getCluster(FLEET_CLUSTER);
        }
        catch (err) {
            return reply.code(503).send({ status: 'not-ready', reason: `the store does not answer (${String(err?.name ?? 'error')})` });
        }
        return { status: 'ready', store: deps.store.engine };
    });
    app.get('/metrics', async (req, reply) => {
        const result = deps.auth.authenticate(req);
        if (!result.ok)
            return refuse(reply, 401, result.error, result.message);
        await deps.metrics.refresh((deps.now ?? (() => new Date()))());
        return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    });
}
