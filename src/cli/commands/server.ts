import path from 'node:path';
import { pino } from 'pino';
import type { Command } from 'commander';
import { openStore, type StoreSpec } from '../../store/index.js';
import { createAgentIdentityService, registerIdentityRoutes } from '../../server/identity.js';
import { createIngestRoutes, registerIngestRoutes } from '../../server/ingest.js';
import { registerTelemetryRoutes } from '../../server/telemetry.js';
import { addRelayTelemetryOptions, serverTelemetryPlan, type RelayTelemetryFlags } from '../telemetry-relay.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { AuthConfigError, cidrList, readTokensFile, type AuthConfig } from '../../server/api/auth.js';
import { DEFAULT_AGENT_PORT, DEFAULT_API_PORT } from '../../relay/protocol.js';
import { terminalSafe } from '../../engine/text.js';
import type { AgentIdentityService, IdentityOptions } from '../../server/types.js';
import { UsageError, VERSION, type CliIO } from '../io.js';
import type { SetExit } from './index.js';
import { customRulesFor } from './custom.js';
import { defaultConfig } from '../../config/config.js';
import { DEFAULT_ANALYSIS_LANES, MAX_ANALYSIS_LANES } from '../../server/analysis-worker-host.js';
import { DEFAULT_DECODER_THREADS, MAX_DECODER_THREADS } from '../../server/ingest-decoder.js';
import { DEFAULT_LEASE_MS, MAX_LEASE_MS, MIN_LEASE_MS, SQLITE_REPLICAS_REFUSED, type ReplicaSettings } from '../../server/replicas/index.js';

export interface ServerFlags extends RelayTelemetryFlags {
  data?: string;
  database?: string;
  host: string;
  agentPort: string;
  apiPort: string;
  apiTlsCert?: string;
  apiTlsKey?: string;
  tokensFile?: string;
  trustedProxyHeader?: string;
  trustedProxyCidr?: string[];
  retention: string;
  servingName?: string[];
  rules?: string[];
  caCert?: string;
  caKey?: string;
  servingCert?: string;
  servingKey?: string;
  replicaId?: string;
  leasePeriod?: string;
  analysisThreads?: string;
  ingestThreads?: string;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];
const HEADER = /^[A-Za-z0-9-]{1,64}$/;

function port(v: string, flag: string): number {
  const n = Number(v);
  if (!/^\d{1,5}$/.test(v) || n > 65535) throw new UsageError(`${flag} takes a port number (0-65535), not "${terminalSafe(v)}"`);
  return n;
}

/** `90d`, `12h`, `2w`: how long resolved findings are kept (an hour to ten years). */
export function retention(v: string): number {
  const m = /^(\d{1,5})(h|d|w)$/.exec(v);
  const ms = m ? Number(m[1]) * { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[m[2] as 'h' | 'd' | 'w'] : NaN;
  if (!Number.isFinite(ms) || ms < 3_600_000 || ms > 3650 * 86_400_000) throw new UsageError(`--retention takes a duration such as 90d, 12h or 8w (1h to 3650d), or 0 to keep everything; not "${terminalSafe(v.slice(0, 40))}"`);
  return ms;
}

/** `15s`, `1m`, `2500ms`: the replicas' lease period (1 s to 10 min). */
export function leasePeriod(v: string): number {
  const m = /^(\d{1,6})(ms|s|m)$/.exec(v);
  const ms = m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'] : NaN;
  if (!Number.isFinite(ms) || ms < MIN_LEASE_MS || ms > MAX_LEASE_MS) throw new UsageError(`--lease-period takes a duration such as 15s, 2m or 2500ms (1s to 10m); not "${terminalSafe(v.slice(0, 40))}"`);
  return ms;
}

/** `--analysis-threads N`: cluster analyses at once, each in its own worker thread keeping its own clusters' models. */
export function analysisThreads(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d{1,2}$/.test(v) || n < 1 || n > MAX_ANALYSIS_LANES) throw new UsageError(`--analysis-threads takes a whole number from 1 to ${MAX_ANALYSIS_LANES} (default ${DEFAULT_ANALYSIS_LANES} here: two, or one on a one-core machine), not "${terminalSafe(v.slice(0, 40))}"`);
  return n;
}

/** `--ingest-threads N`: threads decoding agents' batches (src/server/ingest-decoder.ts). */
export function ingestThreads(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d{1,2}$/.test(v) || n < 1 || n > MAX_DECODER_THREADS) throw new UsageError(`--ingest-threads takes a whole number from 1 to ${MAX_DECODER_THREADS} (default ${DEFAULT_DECODER_THREADS} here: one per core beside the event loop's, at most four), not "${terminalSafe(v.slice(0, 40))}"`);
  return n;
}

/** Replica mode: on with PostgreSQL (a lone replica simply holds every lease), refused with SQLite. */
export function replicaSettings(flags: Pick<ServerFlags, 'replicaId' | 'leasePeriod'>, spec: StoreSpec): ReplicaSettings | null {
  if (spec.engine !== 'postgres') {
    if (flags.replicaId !== undefined || flags.leasePeriod !== undefined) throw new UsageError(SQLITE_REPLICAS_REFUSED);
    return null;
  }
  if (flags.replicaId !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(flags.replicaId)) {
    throw new UsageError('--replica-id takes a name of letters, digits, dots, dashes and underscores (at most 100), e.g. the pod name');
  }
  return { connectionString: spec.connectionString, replicaId: flags.replicaId, leaseMs: flags.leasePeriod !== undefined ? leasePeriod(flags.leasePeriod) : DEFAULT_LEASE_MS };
}

/** The store the flags name: exactly one of --data (SQLite) and --database (PostgreSQL). */
export function storeSpec(flags: Pick<ServerFlags, 'data' | 'database'>, cwd: string, env: NodeJS.ProcessEnv = {}): StoreSpec {
  const database = flags.database ?? env.MESHWARD_DATABASE_URL;
  if (database) {
    if (!/^postgres(ql)?:\/\//i.test(database)) throw new UsageError('--database takes a postgres://user@host:port/db URL (the password from PGPASSWORD or ~/.pgpass, not the URL, keeps it out of process listings)');
    return { engine: 'postgres', connectionString: database };
  }
  if (flags.data) return { engine: 'sqlite', dataDir: path.resolve(cwd, flags.data) };
  throw new UsageError('say where the server keeps its data: --data DIR (SQLite, one replica) or --database postgres://... (several replicas)');
}

/** The API's authentication from the flags (the tokens file read and checked now, so a bad one stops the start). */
export function authConfig(flags: ServerFlags, cwd: string): AuthConfig {
  const fromFile = flags.tokensFile ? readTokensFile(path.resolve(cwd, flags.tokensFile)) : { tokens: [], proxyUsers: [] };
  if (flags.trustedProxyHeader && !HEADER.test(flags.trustedProxyHeader)) throw new UsageError('--trusted-proxy-header takes a header name such as X-Forwarded-User');
  if (flags.trustedProxyHeader?.toLowerCase() === 'authorization') throw new UsageError('--trusted-proxy-header cannot be Authorization (bearer tokens use it)');
  const cidrs = flags.trustedProxyCidr ?? [];
  if (flags.trustedProxyHeader && cidrs.length === 0) throw new UsageError('--trusted-proxy-header needs --trusted-proxy-cidr (repeatable): the header is believed only from the proxy\'s addresses');
  if (!flags.trustedProxyHeader && cidrs.length > 0) throw new UsageError('--trusted-proxy-cidr is used only with --trusted-proxy-header');
  cidrList(cidrs);
  return { ...fromFile, proxyHeader: flags.trustedProxyHeader ?? null, proxyCidrs: cidrs };
}

export function identityOptions(flags: ServerFlags, spec: StoreSpec, cwd: string): IdentityOptions {
  const files = [flags.caCert, flags.caKey, flags.servingCert, flags.servingKey];
  const abs = (f: string | undefined) => (f ? path.resolve(cwd, f) : undefined);
  if (files.some(Boolean)) {
    if (!files.every(Boolean)) throw new UsageError('--ca-cert, --ca-key, --serving-cert and --serving-key go together');
    return { caCertFile: abs(flags.caCert), caKeyFile: abs(flags.caKey), servingCertFile: abs(flags.servingCert), servingKeyFile: abs(flags.servingKey) };
  }
  const dataDir = spec.engine === 'sqlite' ? spec.dataDir : flags.data ? path.resolve(cwd, flags.data) : null;
  if (!dataDir) throw new UsageError('with --database, give the agent CA: --ca-cert/--ca-key/--serving-cert/--serving-key (shared by every replica), or --data DIR for a single replica to generate one');
  return { dataDir, servingNames: flags.servingName?.length ? flags.servingName : undefined };
}

/** `meshward server`: the relay's server (docs/relay.md). Returns the command so admin subcommands can hang off it. */
export function registerServer(program: Command, io: CliIO, setExit: SetExit): Command {
  const cmd = program
    .command('server')
    .description('run the relay server: agents push their clusters\' sanitized objects over mutual TLS; the server analyses them and serves findings over a REST API (docs/relay.md)')
    .option('--data <dir>', 'keep everything in this folder: SQLite store (WAL), the agent CA and serving certificate')
    .option('--database <url>', 'PostgreSQL store (postgres://...; default $MESHWARD_DATABASE_URL), for several replicas; with --data too, the agent CA is generated there')
    .option('--host <address>', 'address both listeners bind', '0.0.0.0')
    .option('--agent-port <n>', 'agent port (mutual TLS)', String(DEFAULT_AGENT_PORT))
    .option('--api-port <n>', 'API port (REST, /metrics, /healthz, /readyz)', String(DEFAULT_API_PORT))
    .option('--api-tls-cert <file>', 'serve the API over HTTPS with this certificate (PEM); without it, HTTP (put a TLS proxy in front)')
    .option('--api-tls-key <file>', 'private key of --api-tls-cert')
    .option('--tokens-file <file>', 'API bearer tokens, hashed, with roles viewer/admin (format in docs/relay.md)')
    .option('--trusted-proxy-header <name>', 'believe this header (e.g. X-Forwarded-User) as the user, from --trusted-proxy-cidr addresses only (an OIDC proxy)')
    .option('--trusted-proxy-cidr <cidr>', 'address range the trusted proxy connects from; repeatable', collect)
    .option('--retention <duration>', 'how long resolved findings and their events are kept (0: forever)', '90d')
    .option('--rules <path>', 'custom rule file or folder (YAML + CEL, docs/custom-rules.md), run after the built-in rules on every cluster; repeatable; read at start', collect)
    .option('--serving-name <name>', 'DNS name or IP the generated agent-port certificate carries; repeatable (default localhost, 127.0.0.1)', collect)
    .option('--ca-cert <file>', 'agent client CA certificate (PEM), instead of one generated in --data')
    .option('--ca-key <file>', 'its private key')
    .option('--serving-cert <file>', 'agent-port serving certificate (PEM)')
    .option('--serving-key <file>', 'its private key')
    .option('--replica-id <name>', 'with --database: this replica\'s name in the leases table (default: host name and a random suffix; the pod name in Kubernetes)')
    .option('--analysis-threads <n>', `cluster analyses run at once, each in a worker thread keeping its clusters' models (memory grows with each; default ${DEFAULT_ANALYSIS_LANES} here, at most ${MAX_ANALYSIS_LANES})`)
    .option('--ingest-threads <n>', `threads that decompress, check and sanitize agents' batches beside the event loop (default ${DEFAULT_DECODER_THREADS} here, at most ${MAX_DECODER_THREADS})`)
    .option('--lease-period <duration>', 'with --database: how long a replica holds a cluster\'s analysis without renewing; a dead replica\'s clusters move within it (default 15s, renewed every third)');
  addRelayTelemetryOptions(cmd, 'server');
  cmd.action(async (flags: ServerFlags) => {
    setExit(await runServer(flags, io));
  });
  return cmd;
}

export interface StartedFromFlags {
  server: RunningServer;
  identity: AgentIdentityService;
  log: pino.Logger;
}

/** Opens the store and identity and starts the listeners the flags describe (also used by `meshward demo`). */
export async function startServerFromFlags(flags: ServerFlags, io: CliIO, log: pino.Logger): Promise<StartedFromFlags> {
  const spec = storeSpec(flags, io.cwd, io.env);
  let auth: AuthConfig;
  try {
    auth = authConfig(flags, io.cwd);
  } catch (err) {
    if (err instanceof AuthConfigError) throw new UsageError(err.message);
    throw err;
  }
  if (Boolean(flags.apiTlsCert) !== Boolean(flags.apiTlsKey)) throw new UsageError('--api-tls-cert and --api-tls-key go together');
  const retentionMs = flags.retention === '0' ? null : retention(flags.retention);
  const agentPort = port(flags.agentPort, '--agent-port');
  const apiPort = port(flags.apiPort, '--api-port');
  const idOpts = identityOptions(flags, spec, io.cwd);
  const telemetry = serverTelemetryPlan(flags, io);
  const replicas = replicaSettings(flags, spec);
  const analysisLanes = analysisThreads(flags.analysisThreads);
  const decoderThreads = ingestThreads(flags.ingestThreads);
  // Loaded (and refused with file:line) before anything listens. Plugins are for the CLI's scans only:
  // the server runs no package code a rule file could name.
  const ruleFiles = (flags.rules ?? []).map((p) => path.resolve(io.cwd, p));
  const loaded = ruleFiles.length ? await customRulesFor(flags.rules ?? [], defaultConfig(), io) : null;
  const customRules = loaded ? { files: ruleFiles, rules: loaded.rules, all: loaded.all } : null;
  const store = await openStore(spec);
  try {
    const identity = await createAgentIdentityService(store, idOpts);
    const server = await startServer({
      store,
      identity,
      agentRoutes: [registerIdentityRoutes, decoderThreads === undefined ? registerIngestRoutes : createIngestRoutes({ decoderThreads }), registerTelemetryRoutes],
      log,
      auth,
      host: flags.host,
      agentPort,
      apiPort,
      apiTls: flags.apiTlsCert ? { certFile: path.resolve(io.cwd, flags.apiTlsCert), keyFile: path.resolve(io.cwd, flags.apiTlsKey!) } : null,
      retentionMs,
      analysisWorker: spec,
      analysisLanes,
      customRules,
      version: VERSION,
      telemetry,
      replicas,
    });
    return { server, identity, log };
  } catch (err) {
    await store.close().catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES') throw new UsageError(`cannot listen: ${e.code} (choose other --agent-port/--api-port)`);
    throw err;
  }
}

async function runServer(flags: ServerFlags, io: CliIO): Promise<number> {
  const log = pino({ base: { service: 'meshward-server' }, timestamp: pino.stdTimeFunctions.isoTime }, io.stdout);
  const { server } = await startServerFromFlags(flags, io, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ event: 'shutdown', signal }, 'stopping: no new connections, finishing requests and the analysis in flight');
      server.close().then(resolve, (err) => {
        log.error({ err: String((err as Error)?.message ?? err).slice(0, 200) }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
