/**
 * The agent's telemetry (issue 15, `meshward agent --prometheus URL`): every interval, query the
 * cluster's own Prometheus with the bounded client (src/insights/sources/prometheus.ts), reduce the
 * answers to traffic edges, and POST them to the server's /v1/telemetry as one TelemetryReport: the
 * busiest RELAY_LIMITS.maxTelemetryEdges edges, labels made safe, never a raw sample.
 *
 * It runs beside the object stream and never stops it: a Prometheus that is down is a note in the
 * report; a server that does not know the route (404: older than this agent) is logged once per run
 * of such answers and tried again next interval; any other failure is logged and retried next interval.
 * The URL may carry credentials: only its redacted form is ever logged or sent.
 */
import { redactUrl } from '../engine/redact.js';
import { loadPrometheus } from '../insights/sources/prometheus.js';
import { reportFromFacts } from '../insights/wire.js';
import { RELAY_LIMITS } from './protocol.js';
import { HttpsTransport, TransportFailure } from './transport.js';
/** Codes a server that knows /v1/telemetry answers with (RelayError). */
const RELAY_CODES = new Set(['unauthenticated', 'forbidden-cluster', 'revoked', 'bad-token', 'malformed', 'too-large', 'out-of-order', 'unsupported-version', 'rate-limited', 'unavailable']);
/**
 * A server older than the route: 404, or (fastify parses the body before finding no route) a 4xx
 * whose body is fastify's own error, not a RelayError of ours.
 */
function olderServer(status, code) {
    if (status === 404)
        return true;
    return status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 429 && (code === undefined || !RELAY_CODES.has(code));
}
export class TelemetryPusher {
    o;
    stopped = false;
    wake = null;
    listeners = new Set();
    counters = { sent: 0, failed: 0, lastSentAt: null, lastEdges: 0, lastError: null, unsupported: false };
    constructor(o) {
        this.o = o;
        if (!o.client.sendTelemetry)
            throw new Error('this relay client cannot send telemetry');
    }
    get stats() {
        return { ...this.counters };
    }
    /** Called after every attempt (tests). */
    onAttempt(listener) {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
    }
    stop() {
        this.stopped = true;
        const w = this.wake;
        this.wake = null;
        w?.();
    }
    /** Runs until stop(); never rejects. */
    async run() {
        while (!this.stopped) {
            await this.once();
            for (const l of this.listeners) {
                try {
                    l(this.stats);
                }
                catch {
                    /* a listener must not stop the pusher */
                }
            }
            await this.sleep(this.o.intervalMs);
        }
    }
    /** One query and one report. */
    async once() {
        const now = this.o.now ?? (() => new Date());
        const shown = redactUrl(this.o.url);
        try {
            const load = this.o.load ?? loadPrometheus;
            const facts = await load({ url: this.o.url, windowSeconds: this.o.windowSeconds, end: now(), ...(this.o.timeoutMs ? { timeoutMs: this.o.timeoutMs } : {}) });
            if (this.stopped)
                return;
            const report = await this.fitting(facts, now());
            const reply = await this.o.client.sendTelemetry(report);
            if (reply.ok) {
                this.counters.sent++;
                this.counters.lastSentAt = now().toISOString();
                this.counters.lastEdges = report.edges.length;
                this.counters.lastError = null;
                this.counters.unsupported = false;
                this.o.log.info({ event: 'telemetry-sent', edges: report.edges.length, notes: report.notes.length, prometheus: shown }, 'traffic aggregates sent');
                return;
            }
            this.counters.failed++;
            if (olderServer(reply.status, reply.error?.code)) {
                if (!this.counters.unsupported) {
                    this.o.log.warn({ event: 'telemetry-unsupported', status: reply.status }, `the server does not take telemetry (POST /v1/telemetry answered ${reply.status}${reply.error ? ` ${reply.error.code}` : ''}: a server older than this agent?); upgrade the server. Objects are still sent; telemetry is tried again every interval`);
                }
                this.counters.unsupported = true;
                this.counters.lastError = `POST /v1/telemetry: ${reply.status} (the server does not take telemetry)`;
                return;
            }
            const detail = reply.error ? `${reply.error.code}: ${reply.error.message.slice(0, 300)}` : `HTTP ${reply.status}`;
            this.counters.lastError = `POST /v1/telemetry: ${detail}`;
            this.o.log.warn({ event: 'telemetry-refused', status: reply.status, code: reply.error?.code ?? null }, 'the server did not take the traffic aggregates; trying again next interval');
        }
        catch (err) {
            this.counters.failed++;
            const message = err instanceof TransportFailure ? err.message : `unexpected: ${String(err?.message ?? err).slice(0, 300)}`;
            this.counters.lastError = message;
            this.o.log.warn({ event: 'telemetry-failed', reason: message }, 'traffic aggregates not sent; trying again next interval');
        }
    }
    /** The report, with fewer edges (the quietest dropped) until it fits the compressed limit. */
    async fitting(facts, at) {
        let maxEdges = Math.min(this.o.maxEdges ?? RELAY_LIMITS.maxTelemetryEdges, RELAY_LIMITS.maxTelemetryEdges);
        for (;;) {
            const report = reportFromFacts(facts, { cluster: this.o.cluster, agentVersion: this.o.agentVersion, sentAt: at, maxEdges });
            if (report.edges.length <= 1)
                return report;
            const raw = Buffer.byteLength(JSON.stringify(report));
            if (raw <= RELAY_LIMITS.maxCompressedBytes)
                return report;
            if (raw <= RELAY_LIMITS.maxTelemetryDecompressedBytes && (await HttpsTransport.compressedSize(report)) <= RELAY_LIMITS.maxCompressedBytes)
                return report;
            maxEdges = Math.floor(report.edges.length / 2);
        }
    }
    sleep(ms) {
        if (this.stopped)
            return Promise.resolve();
        return new Promise((resolve) => {
            const t = setTimeout(done, ms);
            function done() {
                clearTimeout(t);
                resolve();
            }
            this.wake = done;
        });
    }
}
