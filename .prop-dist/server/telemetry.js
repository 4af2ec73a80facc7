import { promisify } from 'node:util';
import { gunzip as gunzipCb } from 'node:zlib';
import { loadPrometheus } from '../insights/sources/prometheus.js';
import { factsFromStored, TelemetryRefusal, validateTelemetryReport, wireFromFacts } from '../insights/wire.js';
import { AGENT_PATHS, RELAY_LIMITS } from '../relay/protocol.js';
const gunzip = promisify(gunzipCb);
/** The stored telemetry of a cluster as facts for the rules; undefined when there is none (or it cannot be read). */
export async function telemetryFactsFor(store, cluster) {
    const rec = await store.getTelemetry(cluster);
    if (!rec)
        return undefined;
    return { facts: factsFromStored(rec), receivedAt: rec.receivedAt };
}
function send(reply, status, body) {
    return reply.code(status).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(JSON.stringify(body));
}
/** POST /v1/telemetry on the agent port. */
export function createTelemetryRoutes(opts = {}) {
    const perMinute = opts.perMinute ?? RELAY_LIMITS.telemetryPerMinute;
    const now = opts.now ?? (() => new Date());
    return (app, deps) => {
        const buckets = new Map();
        /** 0 when allowed, else ms until the next report is. */
        const take = (cluster) => {
            const t = Date.now();
            const b = buckets.get(cluster) ?? { tokens: perMinute, at: t };
            b.tokens = Math.min(perMinute, b.tokens + ((t - b.at) / 60_000) * perMinute);
            b.at = t;
            buckets.set(cluster, b);
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return 0;
            }
            return Math.ceil(((1 - b.tokens) / perMinute) * 60_000);
        };
        // Reports decompressed at once, all clusters together (each may take the decompressed bound).
        let inFlight = 0;
        const MAX_IN_FLIGHT = 2;
        app.register(async (scope) => {
            scope.removeAllContentTypeParsers();
            scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: RELAY_LIMITS.maxCompressedBytes }, (_req, body, done) => done(null, body));
            scope.setErrorHandler((err, req, reply) => {
                if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) {
                    return send(reply, 413, { code: 'too-large', message: `the telemetry report is over ${RELAY_LIMITS.maxCompressedBytes} bytes compressed; send fewer edges` });
                }
                if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
                    return send(reply, 400, { code: 'malformed', message: 'the request could not be read; send gzip-compressed JSON' });
                deps.log.error({ event: 'telemetry-error', cluster: req.meshwardCluster ?? null, error: String(err.message).slice(0, 300) }, 'telemetry ingest failed');
                return send(reply, 503, { code: 'unavailable', message: 'the server could not store the telemetry now; retry later' });
            });
            scope.addHook('onRequest', async (req, reply) => {
                const who = await deps.identity.authenticate(req.raw.socket, now());
                if ('code' in who) {
                    deps.log.warn({ event: 'agent-refused', code: who.code, path: req.routeOptions.url ?? null }, 'agent request refused');
                    return send(reply, who.code === 'unauthenticated' || who.code === 'bad-token' ? 401 : 403, { code: who.code, message: who.message });
                }
                req.meshwardCluster = who.cluster;
                const waitMs = take(who.cluster);
                if (waitMs > 0) {
                    reply.header('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))));
                    return send(reply, 429, { code: 'rate-limited', message: `cluster ${who.cluster} sends telemetry more often than ${perMinute} times a minute; slow down` });
                }
            });
            scope.post(AGENT_PATHS.telemetry, async (req, reply) => {
                const cluster = req.meshwardCluster;
                if (inFlight >= MAX_IN_FLIGHT) {
                    reply.header('retry-after', '5');
                    return send(reply, 503, { code: 'unavailable', message: 'the server is storing as many telemetry reports as it takes at once; retry shortly' });
                }
                inFlight++;
                try {
                    const body = req.body;
                    if (!Buffer.isBuffer(body) || body.length === 0)
                        return send(reply, 400, { code: 'malformed', message: 'the telemetry body is empty; send gzip-compressed JSON' });
                    if (String(req.headers['content-encoding'] ?? '').toLowerCase().trim() !== 'gzip')
                        return send(reply, 400, { code: 'malformed', message: 'a telemetry report is sent with Content-Encoding: gzip' });
                    let raw;
                    try {
                        raw = await gunzip(body, { maxOutputLength: RELAY_LIMITS.maxTelemetryDecompressedBytes });
                    }
                    catch (err) {
                        if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
                            return send(reply, 413, { code: 'too-large', message: `the telemetry report is over ${RELAY_LIMITS.maxTelemetryDecompressedBytes} bytes decompressed; send fewer edges` });
                        }
                        return send(reply, 400, { code: 'malformed', message: 'the telemetry body is not valid gzip' });
                    }
                    let parsed;
                    try {
                        parsed = JSON.parse(raw.toString('utf8'));
                    }
                    catch {
                        return send(reply, 400, { code: 'malformed', message: 'the telemetry body is not JSON' });
                    }
                    let report;
                    try {
                        report = validateTelemetryReport(parsed);
                    }
                    catch (err) {
                        if (err instanceof TelemetryRefusal)
                            return send(reply, err.status, { code: err.code, message: err.message });
                        throw err;
                    }
                    if (report.cluster !== cluster) {
                        deps.log.warn({ event: 'forbidden-cluster', cluster }, 'an agent tried to write another cluster');
                        return send(reply, 403, { code: 'forbidden-cluster', message: `this certificate writes cluster ${cluster} only; the report names another cluster` });
                    }
                    const receivedAt = now().toISOString();
                    await deps.store.putTelemetry({ cluster, via: 'agent', receivedAt, sourceName: report.sourceName, windowSeconds: report.windowSeconds, end: report.end, edges: report.edges, notes: report.notes });
                    deps.log.info({ event: 'telemetry-stored', cluster, edges: report.edges.length, windowSeconds: report.windowSeconds }, 'telemetry stored');
                    try {
                        deps.listener.onTelemetry?.(cluster);
                    }
                    catch (err) {
                        deps.log.error({ event: 'listener-error', cluster, error: String(err?.message ?? err).slice(0, 300) }, 'telemetry listener failed');
                    }
                    return send(reply, 200, { edges: report.edges.length, receivedAt });
                }
                finally {
                    inFlight--;
                }
            });
        });
    };
}
export const registerTelemetryRoutes = createTelemetryRoutes();
/**
 * `meshward server --prometheus CLUSTER=URL`: queries each cluster's Prometheus on an interval, one
 * cluster after another, and stores the aggregates as the agent would send them (via: server).
 * A Prometheus that is down is a note in the stored document, never a crash.
 */
export class TelemetryPoller {
    o;
    timer = null;
    running = null;
    stopped = false;
    /** Completed rounds (tests). */
    rounds = 0;
    constructor(o) {
        this.o = o;
    }
    start() {
        this.running = this.round();
    }
    /** One pass over every target (tests call it directly). */
    async round() {
        for (const [cluster, url] of this.o.targets) {
            if (this.stopped)
                return;
            try {
                const end = (this.o.now ?? (() => new Date()))();
                const facts = await loadPrometheus({ url, windowSeconds: this.o.windowSeconds, end, ...(this.o.timeoutMs ? { timeoutMs: this.o.timeoutMs } : {}) });
                const { edges, notes } = wireFromFacts(facts);
                const record = { cluster, via: 'server', receivedAt: new Date().toISOString(), sourceName: facts.source.name, windowSeconds: facts.source.windowSeconds, end: facts.source.end, edges, notes };
                await this.o.store.putTelemetry(record);
                this.o.log.info({ event: 'telemetry-queried', cluster, edges: edges.length, notes: notes.length }, 'telemetry queried');
                this.o.onStored(cluster);
            }
            catch (err) {
                this.o.log.error({ event: 'telemetry-query-failed', cluster, error: String(err?.message ?? err).slice(0, 300) }, 'telemetry query failed; it runs again on the next interval');
            }
        }
        this.rounds++;
        if (!this.stopped) {
            this.timer = setTimeout(() => {
                this.running = this.round();
            }, this.o.intervalMs);
            this.timer.unref();
        }
    }
    async stop() {
        this.stopped = true;
        if (this.timer)
            clearTimeout(this.timer);
        await this.running;
    }
}
