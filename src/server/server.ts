/**
 * `meshward server` assembled (see ./types.ts for how the parts fit): one Store, one
 * AgentIdentityService, the analysis, and two fastify listeners on separate ports:
 *
 * - the agent port: mutual TLS (the identity service's options), the agents' routes (enroll, renew,
 *   cursor, batch) and nothing else;
 * - the API port: the REST API, /api/openapi.json, /metrics, /healthz, /readyz; HTTPS with
 *   --api-tls-cert/--api-tls-key, or HTTP behind a proxy that terminates TLS.
 *
 * The server never connects to a cluster and never fetches anything an agent sent.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { pino } from 'pino';
import { FLEET_CLUSTER, type Store } from '../store/types.js';
import { Analysis, DEFAULT_DEBOUNCE_MS, DEFAULT_FLEET_DEBOUNCE_MS } from './analysis.js';
import { Authenticator, type AuthConfig } from './api/auth.js';
import { openApiDocument } from './api/openapi.js';
import { registerApiRoutes } from './api/routes.js';
import { registerDashboard } from '../ui/serve.js';
import { createServerMetrics, registerHealthRoutes, type ServerMetrics } from './metrics.js';
import { StoreInputError, type StoreSpec } from '../store/index.js';
import { WorkerClusterAnalysis } from './analysis-worker-host.js';
import type { AgentIdentityService, IngestListener, RegisterAgentRoutes } from './types.js';
import { TelemetryPoller, type TelemetryPollerOptions } from './telemetry.js';
import { createReplicaCoordinator, type ReplicaCoordinator, type ReplicaSettings } from './replicas/index.js';
import { allRules } from '../rules/index.js';
import type { Rule } from '../rules/types.js';

export interface ServerOptions {
  store: Store;
  /** Null: no agent listener (an API-only replica, or tests of the API alone). */
  identity: AgentIdentityService | null;
  /** The agent port's routes (identity's enroll/renew, ingest's cursor/batch). */
  agentRoutes: RegisterAgentRoutes[];
  log: pino.Logger;
  auth: AuthConfig;
  host?: string;
  /** 0 picks a free port (tests). */
  agentPort?: number;
  apiPort?: number;
  apiTls?: { certFile: string; keyFile: string } | null;
  /** Retention of resolved findings and events, ms (null: keep forever). */
  retentionMs?: number | null;
  debounceMs?: number;
  fleetDebounceMs?: number;
  /** Run per-cluster analyses in a worker thread with its own connection to this store (the CLI does; tests may not). */
  analysisWorker?: StoreSpec | null;
  /** With analysisWorker: cluster analyses at once, each in its own thread (default DEFAULT_ANALYSIS_LANES). */
  analysisLanes?: number;
  /**
   * `server --rules`: declarative rule files (absolute paths), the rules loaded from them at start, and
   * every rule (loadCustomRules' `all`: the built-in ones, then these). The analysis runs `all`; the
   * worker thread loads the same files itself (rules are code, they do not cross threads) and refuses
   * to run if it finds other IDs.
   */
  customRules?: { files: readonly string[]; rules: readonly Rule[]; all: readonly Rule[] } | null;
  /** prom-client's process metrics (off in tests that start several servers). */
  defaultMetrics?: boolean;
  now?: () => Date;
  version?: string;
  /** The built dashboard to serve under /ui/ (default dist/ui; null: no dashboard). */
  dashboardDir?: string | null;
  /** `--prometheus CLUSTER=URL`: the server queries these clusters' Prometheus itself (src/server/telemetry.ts). */
  telemetry?: Omit<TelemetryPollerOptions, 'store' | 'log' | 'onStored' | 'now'> | null;
  /** One of several replicas on PostgreSQL (src/server/replicas: leases, notifications, fenced writes). Null: a single server. */
  replicas?: ReplicaSettings | null;
  /** Request deadlines and connection bounds (default SERVER_TIMEOUTS; tests shorten them). */
  timeouts?: Partial<ServerTimeouts>;
}

export type ServerTimeouts = { -readonly [K in keyof typeof SERVER_TIMEOUTS]: number };

export interface RunningServer {
  apiUrl: string;
  /** Null when no agent listener was started. */
  agentUrl: string | null;
  analysis: Analysis;
  /** What ingest calls after storing a batch (tests call it as ingest would). */
  listener: IngestListener;
  metrics: ServerMetrics;
  api: FastifyInstance;
  agent: FastifyInstance | null;
  /** Replica mode's coordinator (null for a single server). */
  replicas: ReplicaCoordinator | null;
  /** `--prometheus CLUSTER=URL`'s poller (null without targets). */
  telemetryPoller: TelemetryPoller | null;
  /** Stops accepting, waits for requests in flight and the running analysis, closes the store. */
  close(): Promise<void>;
}

/** How often the retention policy runs. */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
/** Longest body the API accepts (suppressions are small). */
const API_BODY_LIMIT = 64 * 1024;

/**
 * How long a client may take, per listener. Fastify's default (requestTimeout 0) turned Node's off: a
 * silent client, or one dripping a byte every few seconds, held a connection (and a file descriptor)
 * for as long as it liked, unauthenticated too. The webhook cuts requests at 15 s (src/webhook/server.ts).
 * - headers: 10 s from the connection (the TLS handshake too), as the webhook;
 * - API requests (bodies of at most 64 KiB): 30 s in all;
 * - agent requests: 120 s in all, for the largest batch (8 MiB compressed, RELAY_LIMITS) on a link of
 *   600 kbit/s; enroll and renew bodies are a few KiB. An agent itself gives up after 30 s without a
 *   byte (`--request-timeout`, src/relay/transport.ts), not after a total;
 * - idle (no byte either way, an answer being computed included): 120 s, past the agent's own;
 * - connections at once: what a fleet needs with room to spare (an agent keeps one or two: batches
 *   and telemetry; 500 agents were measured), the rest refused at accept.
 * Node checks the request and header deadlines every CONNECTIONS_CHECK_MS, so they hold to within that.
 */
export const SERVER_TIMEOUTS = {
  headersMs: 10_000,
  apiRequestMs: 30_000,
  agentRequestMs: 120_000,
  idleMs: 120_000,
  apiMaxConnections: 1_024,
  agentMaxConnections: 4_096,
} as const;
const CONNECTIONS_CHECK_MS = 2_000;

/**
 * A request as the listeners' log lines show it: method, path, the query's parameter names (values
 * dropped: cursors, filters), the peer. Never a header, the Host included (Fastify's default
 * serializer logs it, and the whole query string). Path and names are bounded.
 */
export function requestLogLine(req: { method?: string; url?: string; ip?: string; socket?: { remotePort?: number } }): Record<string, unknown> {
  const url = typeof req.url === 'string' ? req.url : '';
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).slice(0, 256);
  const names = q < 0 ? [] : [...new Set([...new URLSearchParams(url.slice(q + 1)).keys()])].slice(0, 20).map((k) => k.slice(0, 64));
  return { method: req.method, url: names.length ? `${path}?${names.join('&')}` : path, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

/** The Node server options both listeners share (headers deadline, its check, the TLS handshake's own). */
function nodeServerOptions(timeouts: ServerTimeouts): { headersTimeout: number; connectionsCheckingInterval: number; handshakeTimeout: number } {
  return { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: Math.min(CONNECTIONS_CHECK_MS, timeouts.headersMs), handshakeTimeout: timeouts.headersMs };
}

function urlOf(app: FastifyInstance, scheme: 'http' | 'https'): string {
  const a = app.server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `${scheme}://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${a.port}`;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { store, log } = opts;
  const now = opts.now ?? (() => new Date());
  const host = opts.host ?? '127.0.0.1';
  let migrated = false;
  await store.migrate();
  migrated = true;

  const replicas = opts.replicas ? createReplicaCoordinator(store, opts.replicas, log.child({ part: 'replicas' })) : null;
  const metrics = createServerMetrics(store, { defaultMetrics: opts.defaultMetrics });
  const analysis = new Analysis({
    store,
    log: log.child({ part: 'analysis' }),
    debounceMs: opts.debounceMs ?? DEFAULT_DEBOUNCE_MS,
    fleetDebounceMs: opts.fleetDebounceMs ?? DEFAULT_FLEET_DEBOUNCE_MS,
    now,
    rules: opts.customRules?.all ?? allRules,
    worker: opts.analysisWorker ? new WorkerClusterAnalysis(opts.analysisWorker, opts.customRules?.rules.length ? { ruleFiles: opts.customRules.files, ruleIds: opts.customRules.rules.map((r) => r.meta.id) } : {}, opts.analysisLanes) : null,
    onAnalysed: (cluster, seconds, _outcome, error) => {
      metrics.analysisDuration.observe({ cluster }, seconds);
      if (error) metrics.analysisFailures.inc({ cluster });
    },
    onCompacted: () => metrics.analysisCompactions.inc(),
    gate: replicas,
  });
  replicas?.attach(analysis);
  const listener: IngestListener = {
    onStored(cluster, info) {
      metrics.batches.inc({ cluster, type: info.type });
      if (replicas) replicas.onLocalStored(cluster, info);
      else analysis.onStored(cluster, info);
    },
    onTelemetry(cluster, receivedAt) {
      // Replicas: the lease holder analyses (told by a notice when the report came in elsewhere).
      if (replicas) replicas.onLocalTelemetry(cluster, receivedAt ?? now().toISOString());
      else analysis.onTelemetry(cluster);
    },
  };
  const auth = new Authenticator(opts.auth);
  if (auth.tokenCount === 0 && !opts.auth.proxyHeader) log.warn('no API tokens and no trusted proxy: every API request will be refused (pass --tokens-file)');

  // --- API listener ---
  const apiTls = opts.apiTls ? { key: readFileSync(opts.apiTls.keyFile), cert: readFileSync(opts.apiTls.certFile) } : null;
  const timeouts: ServerTimeouts = { ...SERVER_TIMEOUTS, ...opts.timeouts };
  const nodeOptions = nodeServerOptions(timeouts);
  const api: FastifyInstance = Fastify({
    loggerInstance: log.child({ listener: 'api' }, { serializers: { req: requestLogLine } }),
    bodyLimit: API_BODY_LIMIT,
    requestTimeout: timeouts.apiRequestMs,
    connectionTimeout: timeouts.idleMs,
    ...(apiTls ? { https: { ...apiTls, ...nodeOptions } } : { http: nodeOptions }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    routerOptions: { maxParamLength: 200 },
  }) as unknown as FastifyInstance;
  api.server.maxConnections = timeouts.apiMaxConnections;
  api.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    // API answers are never cached; the dashboard's hashed files set their own (src/ui/serve.ts).
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  api.setErrorHandler((err: { statusCode?: number; validation?: unknown; message?: string; code?: string }, req, reply) => {
    // The store refusing what the caller sent (a forged page cursor, say) is the caller's error; its
    // message says what and how to fix it, and quotes no more of the input than escaped as JSON.
    if (err instanceof StoreInputError) return reply.code(400).send({ error: 'bad-request', message: err.message });
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      req.log.error({ err: { name: (err as Error).name, code: err.code } }, 'request failed');
      return reply.code(500).send({ error: 'internal', message: 'the server failed to answer; its log has the details' });
    }
    // Validation messages name the field and the rule, never echo the value.
    return reply.code(status).send({ error: err.validation ? 'bad-request' : (err.code ?? 'bad-request').toLowerCase(), message: err.message ?? 'bad request' });
  });
  api.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not-found', message: 'no such route: /api/openapi.json lists them' }));
  const document = openApiDocument(opts.version ?? '0');
  api.get('/api/openapi.json', async () => document);
  registerApiRoutes(api, { store, analysis, auth, log, now });
  registerHealthRoutes(api, { store, metrics, auth, migrated: () => migrated, now });
  if (opts.dashboardDir !== null) registerDashboard(api, { dir: opts.dashboardDir });

  // --- Agent listener ---
  let agent: FastifyInstance | null = null;
  if (opts.identity) {
    agent = Fastify({
      loggerInstance: log.child({ listener: 'agent' }, { serializers: { req: requestLogLine } }),
      https: { ...opts.identity.agentTlsOptions(), ...nodeOptions },
      // Ingest bounds its own bodies (compressed and decompressed); this is the outer cap.
      bodyLimit: 8 * 1024 * 1024 + 64 * 1024,
      requestTimeout: timeouts.agentRequestMs,
      connectionTimeout: timeouts.idleMs,
    }) as unknown as FastifyInstance;
    agent.server.maxConnections = timeouts.agentMaxConnections;
    for (const register of opts.agentRoutes) register(agent, { store, identity: opts.identity, listener, log: log.child({ listener: 'agent' }) });
  }

  try {
    await api.listen({ host, port: opts.apiPort ?? 8080 });
    if (agent) await agent.listen({ host, port: opts.agentPort ?? 9443 });
  } catch (err) {
    await api.close().catch(() => undefined);
    await agent?.close().catch(() => undefined);
    throw err;
  }

  // Replicas: take a first share of the leases before scheduling (only held clusters are analysed here).
  await replicas?.start();
  // Batches stored before a restart may not have been analysed.
  await analysis.scheduleAll();

  const poller = opts.telemetry && opts.telemetry.targets.size > 0 ? new TelemetryPoller({ ...opts.telemetry, store, log: log.child({ part: 'telemetry' }), onStored: (c, at) => listener.onTelemetry?.(c, at), now, ...(replicas ? { holds: (c: string) => replicas.holds(c) } : {}) }) : null;
  poller?.start();

  let pruneTimer: NodeJS.Timeout | null = null;
  if (opts.retentionMs) {
    const retentionMs = opts.retentionMs;
    const prune = async () => {
      const cutoff = new Date(now().getTime() - retentionMs);
      try {
        const removed = await store.prune({ resolvedBefore: cutoff, eventsBefore: cutoff });
        if (removed) log.info({ removed }, 'retention: old resolved findings and events removed');
      } catch (err) {
        log.error({ err: String((err as Error)?.message ?? err).slice(0, 200) }, 'retention pass failed; it runs again in an hour');
      }
    };
    void prune();
    pruneTimer = setInterval(prune, PRUNE_INTERVAL_MS);
    pruneTimer.unref();
  }

  const apiUrl = urlOf(api, apiTls ? 'https' : 'http');
  const agentUrl = agent ? urlOf(agent, 'https') : null;
  log.info({ apiUrl, agentUrl, store: store.engine }, 'meshward server listening');

  let closing: Promise<void> | null = null;
  return {
    apiUrl,
    agentUrl,
    analysis,
    listener,
    metrics,
    api,
    agent,
    replicas,
    telemetryPoller: poller,
    close() {
      closing ??= (async () => {
        if (pruneTimer) clearInterval(pruneTimer);
        await poller?.stop();
        // Agents first (no new batches), then the API, then the analysis in flight, then the store.
        await agent?.close();
        await api.close();
        await analysis.close();
        // Leases handed back after the last fenced write, so another replica takes them at once.
        await replicas?.close();
        await store.close();
        log.info('meshward server stopped');
      })();
      return closing;
    },
  };
}

export { FLEET_CLUSTER };
