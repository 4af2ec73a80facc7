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
import { loadPrometheus, type PrometheusOptions } from '../insights/sources/prometheus.js';
import type { TrafficFacts } from '../insights/types.js';
import { reportFromFacts } from '../insights/wire.js';
import type { AgentLog } from './agent.js';
import { RELAY_LIMITS, reportIntervalSeconds, type TelemetryReport } from './protocol.js';
import { HttpsTransport, TransportFailure, type RelayClient } from './transport.js';

export interface TelemetryPusherOptions {
  cluster: string;
  agentVersion: string;
  client: RelayClient;
  log: AgentLog;
  /** The in-cluster Prometheus (`--prometheus URL`). */
  url: string;
  windowSeconds: number;
  intervalMs: number;
  timeoutMs?: number;
  /** Most edges per report (at most RELAY_LIMITS.maxTelemetryEdges). */
  maxEdges?: number;
  /** Test hook: how facts are loaded (default: loadPrometheus). */
  load?: (o: PrometheusOptions) => Promise<TrafficFacts>;
  now?: () => Date;
}

export interface TelemetryStats {
  sent: number;
  failed: number;
  lastSentAt: string | null;
  lastEdges: number;
  lastError: string | null;
  /** The server answered 404 to the last report: it does not take telemetry. */
  unsupported: boolean;
}

/** Codes a server that knows /v1/telemetry answers with (RelayError). */
const RELAY_CODES: ReadonlySet<string> = new Set(['unauthenticated', 'forbidden-cluster', 'revoked', 'bad-token', 'malformed', 'too-large', 'out-of-order', 'unsupported-version', 'rate-limited', 'unavailable']);

/**
 * A server older than the route: 404, or (fastify parses the body before finding no route) a 4xx
 * whose body is fastify's own error, not a RelayError of ours.
 */
function olderServer(status: number, code: string | undefined): boolean {
  if (status === 404) return true;
  return status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 429 && (code === undefined || !RELAY_CODES.has(code));
}

export class TelemetryPusher {
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly listeners = new Set<(s: TelemetryStats) => void>();
  private readonly counters: TelemetryStats = { sent: 0, failed: 0, lastSentAt: null, lastEdges: 0, lastError: null, unsupported: false };

  constructor(private readonly o: TelemetryPusherOptions) {
    if (!o.client.sendTelemetry) throw new Error('this relay client cannot send telemetry');
  }

  get stats(): TelemetryStats {
    return { ...this.counters };
  }

  /** Called after every attempt (tests). */
  onAttempt(listener: (s: TelemetryStats) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.stopped = true;
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Runs until stop(); never rejects. */
  async run(): Promise<void> {
    while (!this.stopped) {
      await this.once();
      for (const l of this.listeners) {
        try {
          l(this.stats);
        } catch {
          /* a listener must not stop the pusher */
        }
      }
      await this.sleep(this.o.intervalMs);
    }
  }

  /** One query and one report. */
  async once(): Promise<void> {
    const now = this.o.now ?? (() => new Date());
    const shown = redactUrl(this.o.url);
    try {
      const load = this.o.load ?? loadPrometheus;
      const facts = await load({ url: this.o.url, windowSeconds: this.o.windowSeconds, end: now(), ...(this.o.timeoutMs ? { timeoutMs: this.o.timeoutMs } : {}) });
      if (this.stopped) return;
      const report = await this.fitting(facts, now());
      const reply = await this.o.client.sendTelemetry!(report);
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
          this.o.log.warn(
            { event: 'telemetry-unsupported', status: reply.status },
            `the server does not take telemetry (POST /v1/telemetry answered ${reply.status}${reply.error ? ` ${reply.error.code}` : ''}: a server older than this agent?); upgrade the server. Objects are still sent; telemetry is tried again every interval`,
          );
        }
        this.counters.unsupported = true;
        this.counters.lastError = `POST /v1/telemetry: ${reply.status} (the server does not take telemetry)`;
        return;
      }
      const detail = reply.error ? `${reply.error.code}: ${reply.error.message.slice(0, 300)}` : `HTTP ${reply.status}`;
      this.counters.lastError = `POST /v1/telemetry: ${detail}`;
      this.o.log.warn({ event: 'telemetry-refused', status: reply.status, code: reply.error?.code ?? null }, 'the server did not take the traffic aggregates; trying again next interval');
    } catch (err) {
      this.counters.failed++;
      const message = err instanceof TransportFailure ? err.message : `unexpected: ${String((err as Error)?.message ?? err).slice(0, 300)}`;
      this.counters.lastError = message;
      this.o.log.warn({ event: 'telemetry-failed', reason: message }, 'traffic aggregates not sent; trying again next interval');
    }
  }

  /** The report, with fewer edges (the quietest dropped) until it fits the compressed limit. */
  private async fitting(facts: TrafficFacts, at: Date): Promise<TelemetryReport> {
    let maxEdges = Math.min(this.o.maxEdges ?? RELAY_LIMITS.maxTelemetryEdges, RELAY_LIMITS.maxTelemetryEdges);
    for (;;) {
      const report = reportFromFacts(facts, { cluster: this.o.cluster, agentVersion: this.o.agentVersion, sentAt: at, maxEdges, intervalSeconds: reportIntervalSeconds(this.o.intervalMs) });
      if (report.edges.length <= 1) return report;
      const raw = Buffer.byteLength(JSON.stringify(report));
      if (raw <= RELAY_LIMITS.maxCompressedBytes) return report;
      if (raw <= RELAY_LIMITS.maxTelemetryDecompressedBytes && (await HttpsTransport.compressedSize(report)) <= RELAY_LIMITS.maxCompressedBytes) return report;
      maxEdges = Math.floor(report.edges.length / 2);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}
