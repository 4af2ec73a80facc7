/**
 * Telemetry on the server (issue 15, docs/telemetry.md "On the server"): the latest traffic aggregates
 * per cluster, from one of two places, stored as one document per cluster (Store.putTelemetry):
 *
 * - the cluster's agent (`meshward agent --prometheus URL`) POSTs a TelemetryReport to /v1/telemetry
 *   on the agent port (registerTelemetryRoutes, here: the same authentication as cursor and batch);
 * - the server queries a cluster's Prometheus itself (`meshward server --prometheus CLUSTER=URL`,
 *   TelemetryPoller, here), for setups where the server can reach it.
 *
 * Either way the cluster's analysis is scheduled again, and reads the document through
 * telemetryFactsFor (the analysis passes it to the rules as RuleContext.telemetry).
 *
 * A report is hostile like a batch: authenticated before its body is read, the cluster of the
 * certificate only, rate limited per cluster, bounded compressed and decompressed, its shape checked
 * strictly and every label re-escaped (src/insights/wire.ts). Nothing of a body is ever logged.
 */
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { gunzip as gunzipCb, type InputType, type ZlibOptions } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { pino } from 'pino';
import { loadPrometheus } from '../insights/sources/prometheus.js';
import type { TrafficFacts } from '../insights/types.js';
import { factsFromStored, TelemetryRefusal, validateTelemetryReport, wireFromFacts } from '../insights/wire.js';
import { AGENT_PATHS, RELAY_LIMITS, reportIntervalSeconds, type RelayError, type TelemetryAck } from '../relay/protocol.js';
import type { Store, TelemetryFreshness, TelemetryRecord } from '../store/types.js';
import { StoreRevokedClusterError } from '../store/common.js';
import type { RegisterAgentRoutes } from './types.js';

const gunzip = promisify(gunzipCb) as (buf: InputType, opts: ZlibOptions) => Promise<Buffer>;

/** The stored telemetry of a cluster as facts for the rules; undefined when there is none (or it cannot be read). */
export async function telemetryFactsFor(store: Store, cluster: string): Promise<{ facts: TrafficFacts; receivedAt: string } | undefined> {
  const rec = await store.getTelemetry(cluster);
  if (!rec) return undefined;
  return { facts: factsFromStored(rec), receivedAt: rec.receivedAt };
}

/** Report intervals without a new document after which a cluster's telemetry is stale (one late report is not). */
export const TELEMETRY_STALE_INTERVALS = 3;
/** The interval assumed for a document that does not say its own (agents before it sent none): the CLI's default. */
export const TELEMETRY_DEFAULT_INTERVAL_SECONDS = 300;

/** A cluster's telemetry freshness as the API shows it (null: no traffic facts). */
export function telemetryView(t: TelemetryFreshness | undefined, now: Date) {
  if (!t) return null;
  const ageSeconds = Math.max(0, (now.getTime() - Date.parse(t.receivedAt)) / 1000);
  const staleAfterSeconds = TELEMETRY_STALE_INTERVALS * (t.intervalSeconds ?? TELEMETRY_DEFAULT_INTERVAL_SECONDS);
  return {
    source: t.via,
    receivedAt: t.receivedAt,
    ageSeconds,
    stale: ageSeconds > staleAfterSeconds,
    staleAfterSeconds,
    intervalSeconds: t.intervalSeconds,
    prometheus: t.sourceName,
    windowSeconds: t.windowSeconds,
    end: t.end,
    edges: t.edgeCount,
  };
}

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(JSON.stringify(body));
}

export interface TelemetryRouteOptions {
  /** Reports per minute per cluster (default RELAY_LIMITS.telemetryPerMinute). */
  perMinute?: number;
  now?: () => Date;
}

/** POST /v1/telemetry on the agent port. */
export function createTelemetryRoutes(opts: TelemetryRouteOptions = {}): RegisterAgentRoutes {
  const perMinute = opts.perMinute ?? RELAY_LIMITS.telemetryPerMinute;
  const now = opts.now ?? (() => new Date());
  return (app, deps) => {
    const buckets = new Map<string, { tokens: number; at: number }>();
    /** 0 when allowed, else ms until the next report is. */
    const take = (cluster: string): number => {
      const t = performance.now();
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
      scope.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
        if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) {
          return send(reply, 413, { code: 'too-large', message: `the telemetry report is over ${RELAY_LIMITS.maxCompressedBytes} bytes compressed; send fewer edges` } satisfies RelayError);
        }
        if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return send(reply, 400, { code: 'malformed', message: 'the request could not be read; send gzip-compressed JSON' } satisfies RelayError);
        deps.log.error({ event: 'telemetry-error', cluster: (req as FastifyRequest & { meshwardCluster?: string }).meshwardCluster ?? null, error: String(err.message).slice(0, 300) }, 'telemetry ingest failed');
        return send(reply, 503, { code: 'unavailable', message: 'the server could not store the telemetry now; retry later' } satisfies RelayError);
      });
      scope.addHook('onRequest', async (req: FastifyRequest & { meshwardCluster?: string }, reply) => {
        const who = await deps.identity.authenticate(req.raw.socket as TLSSocket, now());
        if ('code' in who) {
          deps.log.warn({ event: 'agent-refused', code: who.code, path: req.routeOptions.url ?? null }, 'agent request refused');
          return send(reply, who.code === 'unauthenticated' || who.code === 'bad-token' ? 401 : 403, { code: who.code, message: who.message });
        }
        req.meshwardCluster = who.cluster;
        const waitMs = take(who.cluster);
        if (waitMs > 0) {
          reply.header('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))));
          return send(reply, 429, { code: 'rate-limited', message: `cluster ${who.cluster} sends telemetry more often than ${perMinute} times a minute; slow down` } satisfies RelayError);
        }
      });
      scope.post(AGENT_PATHS.telemetry, async (req: FastifyRequest & { meshwardCluster?: string }, reply) => {
        const cluster = req.meshwardCluster!;
        if (inFlight >= MAX_IN_FLIGHT) {
          reply.header('retry-after', '5');
          return send(reply, 503, { code: 'unavailable', message: 'the server is storing as many telemetry reports as it takes at once; retry shortly' } satisfies RelayError);
        }
        inFlight++;
        try {
          const body = req.body;
          if (!Buffer.isBuffer(body) || body.length === 0) return send(reply, 400, { code: 'malformed', message: 'the telemetry body is empty; send gzip-compressed JSON' } satisfies RelayError);
          if (String(req.headers['content-encoding'] ?? '').toLowerCase().trim() !== 'gzip') return send(reply, 400, { code: 'malformed', message: 'a telemetry report is sent with Content-Encoding: gzip' } satisfies RelayError);
          let raw: Buffer;
          try {
            raw = await gunzip(body, { maxOutputLength: RELAY_LIMITS.maxTelemetryDecompressedBytes });
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
              return send(reply, 413, { code: 'too-large', message: `the telemetry report is over ${RELAY_LIMITS.maxTelemetryDecompressedBytes} bytes decompressed; send fewer edges` } satisfies RelayError);
            }
            return send(reply, 400, { code: 'malformed', message: 'the telemetry body is not valid gzip' } satisfies RelayError);
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(raw.toString('utf8'));
          } catch {
            return send(reply, 400, { code: 'malformed', message: 'the telemetry body is not JSON' } satisfies RelayError);
          }
          let report;
          try {
            report = validateTelemetryReport(parsed);
          } catch (err) {
            if (err instanceof TelemetryRefusal) return send(reply, err.status, { code: err.code, message: err.message } satisfies RelayError);
            throw err;
          }
          if (report.cluster !== cluster) {
            deps.log.warn({ event: 'forbidden-cluster', cluster }, 'an agent tried to write another cluster');
            return send(reply, 403, { code: 'forbidden-cluster', message: `this certificate writes cluster ${cluster} only; the report names another cluster` } satisfies RelayError);
          }
          const receivedAt = now().toISOString();
          try {
            await deps.store.putTelemetry({ cluster, via: 'agent', receivedAt, sourceName: report.sourceName, windowSeconds: report.windowSeconds, end: report.end, ...(report.intervalSeconds !== undefined ? { intervalSeconds: report.intervalSeconds } : {}), edges: report.edges, notes: report.notes });
          } catch (err) {
            // Revoked after this request was authenticated: refused like any later request of the cluster.
            if (err instanceof StoreRevokedClusterError) {
              deps.log.warn({ event: 'agent-refused', code: 'revoked', cluster }, 'telemetry of a revoked cluster refused');
              return send(reply, 403, { code: 'revoked', message: `cluster ${cluster} is revoked; its telemetry is refused` } satisfies RelayError);
            }
            throw err;
          }
          deps.log.info({ event: 'telemetry-stored', cluster, edges: report.edges.length, windowSeconds: report.windowSeconds }, 'telemetry stored');
          try {
            deps.listener.onTelemetry?.(cluster, receivedAt);
          } catch (err) {
            deps.log.error({ event: 'listener-error', cluster, error: String((err as Error)?.message ?? err).slice(0, 300) }, 'telemetry listener failed');
          }
          return send(reply, 200, { edges: report.edges.length, receivedAt } satisfies TelemetryAck);
        } finally {
          inFlight--;
        }
      });
    });
  };
}

export const registerTelemetryRoutes: RegisterAgentRoutes = createTelemetryRoutes();

export interface TelemetryPollerOptions {
  store: Store;
  log: pino.Logger;
  /** Cluster name → Prometheus URL (may carry credentials: only ever shown redacted). */
  targets: ReadonlyMap<string, string>;
  windowSeconds: number;
  intervalMs: number;
  timeoutMs?: number;
  /** Told after each stored document (the analysis schedules the cluster). */
  onStored: (cluster: string, receivedAt: string) => void;
  /**
   * Replicas: whether this replica holds the cluster's lease. Only the holder queries that cluster's
   * Prometheus, so N replicas send one query per interval, not N; a cluster nobody holds (not
   * registered, or revoked) is not queried. Absent: a single server queries every target.
   */
  holds?: (cluster: string) => boolean;
  now?: () => Date;
}

/**
 * `meshward server --prometheus CLUSTER=URL`: queries each cluster's Prometheus on an interval, one
 * cluster after another, and stores the aggregates as the agent would send them (via: server).
 * A Prometheus that is down is a note in the stored document, never a crash.
 */
export class TelemetryPoller {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  /** Completed rounds, documents stored, and targets skipped because another replica holds them (tests). */
  rounds = 0;
  queried = 0;
  skipped = 0;

  constructor(private readonly o: TelemetryPollerOptions) {}

  start(): void {
    this.running = this.round();
  }

  /** One pass over every target (tests call it directly). */
  async round(): Promise<void> {
    for (const [cluster, url] of this.o.targets) {
      if (this.stopped) return;
      if (this.o.holds && !this.o.holds(cluster)) {
        this.skipped++;
        continue;
      }
      try {
        const end = (this.o.now ?? (() => new Date()))();
        const facts = await loadPrometheus({ url, windowSeconds: this.o.windowSeconds, end, ...(this.o.timeoutMs ? { timeoutMs: this.o.timeoutMs } : {}) });
        const { edges, notes } = wireFromFacts(facts);
        const record: TelemetryRecord = { cluster, via: 'server', receivedAt: new Date().toISOString(), sourceName: facts.source.name, windowSeconds: facts.source.windowSeconds, end: facts.source.end, intervalSeconds: reportIntervalSeconds(this.o.intervalMs), edges, notes };
        await this.o.store.putTelemetry(record);
        this.queried++;
        this.o.log.info({ event: 'telemetry-queried', cluster, edges: edges.length, notes: notes.length }, 'telemetry queried');
        this.o.onStored(cluster, record.receivedAt);
      } catch (err) {
        if (err instanceof StoreRevokedClusterError) {
          // Revoked: its traffic is no longer kept (the store refuses it); said once a round, not an error.
          this.o.log.warn({ event: 'telemetry-revoked', cluster }, 'the cluster is revoked: its Prometheus answer is not stored; drop it from --prometheus');
          continue;
        }
        this.o.log.error({ event: 'telemetry-query-failed', cluster, error: String((err as Error)?.message ?? err).slice(0, 300) }, 'telemetry query failed; it runs again on the next interval');
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

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
