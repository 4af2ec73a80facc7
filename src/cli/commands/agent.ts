/**
 * `meshward agent`: watches one cluster read-only and pushes its sanitized objects to `meshward
 * server` over mutual TLS (docs/agent.md). The kubeconfig is judged by the gate before anything
 * connects; the agent's credentials come from a bootstrap token (enrolled once, then renewed) or
 * from --cert/--key. JSON logs on stderr. Exit codes: 0 stopped by a signal, 1 the server refused the
 * cluster (revoked, wrong certificate), 2 usage (a refused kubeconfig included).
 */
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { pino } from 'pino';
import type { Command } from 'commander';
import type { ClusterCache } from '../../cluster/cache-types.js';
import { readSideText, SideFileError } from '../../engine/side-file.js';
import { terminalSafe } from '../../engine/text.js';
import { isClusterName } from '../../relay/protocol.js';
import type { AgentIdentity, CredentialStore } from '../../relay/identity-types.js';
import type { AgentStats } from '../../relay/agent.js';
import type { HealthServer } from '../../relay/agent-health.js';
import { UsageError, VERSION, type CliIO } from '../io.js';
import { parseDuration, DEFAULT_REQUEST_TIMEOUT_MS } from '../live.js';
import type { SetExit } from './index.js';
import { addRelayTelemetryOptions, agentTelemetryPlan, type RelayTelemetryFlags } from '../telemetry-relay.js';
import { DNS_LABEL } from '../../model/names.js';

const POD_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
/** PEM files and tokens are small; anything larger is not what the flag asks for. */
const MAX_PEM_BYTES = 256 * 1024;
const MAX_TOKEN_BYTES = 4 * 1024;

interface AgentFlags extends RelayTelemetryFlags {
  server?: string;
  cluster?: string;
  serverCa?: string;
  bootstrapTokenFile?: string;
  cert?: string;
  key?: string;
  credentialsFile?: string;
  credentialsSecret?: string;
  kubeconfig?: string;
  context?: string;
  inCluster?: boolean;
  allowExec?: string[];
  allowInsecureKubeconfig?: boolean;
  requestTimeout?: string;
  healthPort?: string;
  healthAddress?: string;
}

/** The probe port of the generated manifests and the chart (with --in-cluster, the default). */
export const DEFAULT_HEALTH_PORT = 8081;

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export function registerAgent(program: Command, io: CliIO, setExit: SetExit): void {
  const cmd = program
    .command('agent')
    .description('watch this cluster read-only and push its sanitized objects to meshward server over mutual TLS (docs/agent.md)')
    .option('--server <url>', "the server's agent port, https://HOST:9443")
    .option('--cluster <name>', 'the name this cluster was registered under (meshward server register-cluster NAME)')
    .option('--server-ca <file>', "PEM CA that signed the server's certificate (nothing else is trusted)")
    .option('--bootstrap-token-file <file>', 'one-time token from register-cluster: enroll once, then renew automatically')
    .option('--cert <file>', 'client certificate issued out of band (with --key; not renewed by the agent)')
    .option('--key <file>', 'private key of --cert')
    .option('--credentials-file <file>', 'where enrolled credentials are kept outside a cluster (default: ~/.meshward/agent-CLUSTER.json)')
    .option('--credentials-secret <name>', 'with --in-cluster: the Secret of the agent\'s namespace holding its credentials', 'meshward-agent-credentials')
    .option('--kubeconfig <file>', 'watch the cluster of this kubeconfig (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--context <name>', 'the kubeconfig context to watch (default: the current one)')
    .option('--in-cluster', "watch the cluster the agent runs in, with its pod's service account")
    .option('--allow-exec <name>', 'let the kubeconfig run this credential plugin; repeatable', collect)
    .option('--allow-insecure-kubeconfig', 'let the kubeconfig read credential files, skip TLS verification, use proxies, plain http:// or impersonation')
    .option('--request-timeout <duration>', `longest a single request (to the API or the server) may take (default: ${DEFAULT_REQUEST_TIMEOUT_MS / 1000}s)`)
    .option('--health-port <port>', `serve /healthz and /readyz over plain HTTP on this port, or "off" (default: ${DEFAULT_HEALTH_PORT} with --in-cluster, else off)`)
    .option('--health-address <ip>', 'address the probes listen on (default: $POD_IP, else 0.0.0.0 with --in-cluster, else 127.0.0.1)')
    .action(async (flags: AgentFlags) => {
      setExit(await runAgent(flags, io));
    });
  addRelayTelemetryOptions(cmd, 'agent');
}

async function readFlagFile(flag: string, file: string, io: CliIO, max: number): Promise<string> {
  try {
    return await readSideText(path.resolve(io.cwd, file), max);
  } catch (err) {
    if (err instanceof SideFileError) throw new UsageError(`${flag} ${terminalSafe(file)}: cannot read file: ${err.reason}`);
    throw err;
  }
}

function podNamespace(io: CliIO): string {
  if (io.env.POD_NAMESPACE && DNS_LABEL.test(io.env.POD_NAMESPACE)) return io.env.POD_NAMESPACE;
  try {
    const ns = readFileSync(POD_NAMESPACE_FILE, 'utf8').trim();
    if (DNS_LABEL.test(ns)) return ns;
  } catch {
    /* not in a pod */
  }
  throw new UsageError('--in-cluster: cannot tell the agent\'s namespace (set POD_NAMESPACE from the downward API)');
}

export async function runAgent(flags: AgentFlags, io: CliIO): Promise<number> {
  if (!flags.server) throw new UsageError('agent needs --server https://HOST:PORT (the server\'s agent port)');
  let server: URL;
  try {
    server = new URL(flags.server);
  } catch {
    throw new UsageError(`--server: "${terminalSafe(flags.server.slice(0, 200))}" is not a URL; give https://HOST:PORT`);
  }
  if (server.protocol !== 'https:') throw new UsageError('--server must be https:// (the agent port speaks mutual TLS only)');
  if (!flags.cluster) throw new UsageError('agent needs --cluster NAME, the name the cluster was registered under');
  if (!isClusterName(flags.cluster)) throw new UsageError(`--cluster: "${terminalSafe(String(flags.cluster).slice(0, 80))}" is not a cluster name (a DNS label: lowercase letters, digits and -)`);
  const cluster = flags.cluster;
  if (!flags.serverCa) throw new UsageError('agent needs --server-ca FILE, the CA of the server\'s certificate (meshward server prints where it is)');
  const fixed = flags.cert !== undefined || flags.key !== undefined;
  if (fixed && (!flags.cert || !flags.key)) throw new UsageError('--cert and --key go together');
  if (fixed && flags.bootstrapTokenFile) throw new UsageError('--bootstrap-token-file enrolls for a certificate; --cert/--key bring one: give one or the other');
  if (flags.inCluster && (flags.kubeconfig !== undefined || flags.context !== undefined)) throw new UsageError("--in-cluster uses the pod's service account: leave out --kubeconfig and --context");
  const requestTimeoutMs = flags.requestTimeout === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : parseDuration(flags.requestTimeout, '--request-timeout');

  const health = healthListen(flags, io);
  const telemetry = agentTelemetryPlan(flags, io);

  const serverCaPem = await readFlagFile('--server-ca', flags.serverCa, io, MAX_PEM_BYTES);
  if (!/-----BEGIN CERTIFICATE-----/.test(serverCaPem)) throw new UsageError(`--server-ca ${terminalSafe(flags.serverCa)}: no PEM certificate in it`);
  const bootstrapToken = flags.bootstrapTokenFile ? (await readFlagFile('--bootstrap-token-file', flags.bootstrapTokenFile, io, MAX_TOKEN_BYTES)).trim() : undefined;
  if (flags.bootstrapTokenFile && !bootstrapToken) throw new UsageError(`--bootstrap-token-file ${terminalSafe(flags.bootstrapTokenFile)} is empty`);
  const fixedCreds = fixed ? { certificatePem: await readFlagFile('--cert', flags.cert!, io, MAX_PEM_BYTES), keyPem: await readFlagFile('--key', flags.key!, io, MAX_PEM_BYTES) } : undefined;

  const log = pino({ base: { service: 'meshward-agent', cluster }, timestamp: pino.stdTimeFunctions.isoTime }, io.stderr);

  // The probes answer from the start (liveness while the cache syncs); readiness follows the agent.
  const healthState: { enrolled: boolean; cache: ClusterCache | null; agent: { stats: AgentStats } | null } = { enrolled: false, cache: null, agent: null };
  let healthServer: HealthServer | null = null;
  if (health) {
    const { startHealthServer } = await import('../../relay/agent-health.js');
    try {
      healthServer = await startHealthServer({
        ...health,
        state: () => ({ enrolled: healthState.enrolled, synced: healthState.cache ? healthState.cache.status().synced : null, stats: healthState.agent?.stats ?? null }),
      });
    } catch (err) {
      throw new UsageError(`--health-port ${health.port} on ${terminalSafe(health.host)}: cannot listen (${terminalSafe(String((err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? err))}); choose another port, or "off"`);
    }
    log.info({ event: 'health-listening', address: healthServer.address, port: healthServer.port }, 'probes on /healthz and /readyz');
  }
  try {
    return await watchAndPush();
  } finally {
    await healthServer?.close();
  }

  async function watchAndPush(): Promise<number> {
    // The kubeconfig first: a refused one stops the agent before it enrolls or connects anywhere.
    const { openClusterCache } = await import('../../cluster/informer.js');
    const { LiveSelectionError } = await import('../../cluster/kubeconfig-source.js');
    const { relayKinds } = await import('../../relay/kinds.js');
    const live = {
      ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
      inCluster: Boolean(flags.inCluster),
      clusterNames: new Map<string, string>(),
      allowExec: [...(flags.allowExec ?? [])],
      allowInsecureKubeconfig: Boolean(flags.allowInsecureKubeconfig),
      env: io.env,
      homedir: io.homedir ?? os.homedir(),
      cwd: io.cwd,
    };
    let cache: ClusterCache;
    try {
      cache = await openClusterCache({ ...live, ...(flags.context !== undefined ? { context: flags.context } : {}), requestTimeoutMs, kinds: relayKinds(), onNote: (note) => log.info({ event: 'cache-note', note }, 'cluster cache') });
    } catch (err) {
      if (err instanceof LiveSelectionError) throw new UsageError(err.message);
      throw err;
    }

    healthState.cache = cache;
    let identity: AgentIdentity;
    try {
      const store = await credentialStore(flags, io, cluster, live);
      const { openAgentIdentity } = await import('../../relay/enroll.js');
      identity = await openAgentIdentity({
        server,
        cluster,
        serverCaPem,
        ...(bootstrapToken ? { bootstrapToken } : {}),
        ...(fixedCreds ? { fixed: fixedCreds } : {}),
        store,
        agentVersion: VERSION,
        onEnrollRetry: (reason, delayMs) => log.warn({ event: 'enroll-retry', reason, delayMs }, 'enrollment not answered; trying again'),
      });
    } catch (err) {
      await cache.close();
      const { AgentIdentityError } = await import('../../relay/enroll.js');
      const { CredentialStoreError } = await import('../../relay/credentials.js');
      if (err instanceof AgentIdentityError || err instanceof CredentialStoreError) {
        log.error({ event: 'identity-failed', reason: err.message }, 'the agent has no usable identity');
        io.stderr.write(`meshward: ${terminalSafe(err.message)}\n`);
        return 1;
      }
      throw err;
    }

    healthState.enrolled = true;
    const { HttpsTransport } = await import('../../relay/transport.js');
    const { RelayAgent, AgentFatalError } = await import('../../relay/agent.js');
    const client = new HttpsTransport({ server, serverCaPem, identity, requestTimeoutMs });
    const agent = new RelayAgent({ cluster, agentVersion: VERSION, cache, client, identity, log });
    healthState.agent = agent;
    log.info({ event: 'starting', server: server.origin, kinds: relayKinds().length }, 'meshward agent starting');
    // Traffic aggregates from the in-cluster Prometheus, beside the object stream (src/relay/telemetry.ts).
    const { TelemetryPusher } = await import('../../relay/telemetry.js');
    const pusher = telemetry ? new TelemetryPusher({ cluster, agentVersion: VERSION, client, log, ...telemetry }) : null;
    const pushing = pusher?.run();
    const stop = (signal: string) => {
      log.info({ event: 'shutdown', signal }, 'stopping');
      agent.stop();
      pusher?.stop();
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
    try {
      await agent.run();
      log.info({ event: 'stopped' }, 'stopped');
      return 0;
    } catch (err) {
      if (err instanceof AgentFatalError) {
        log.error({ event: 'refused', reason: err.message }, 'the server refused this agent; stopping');
        io.stderr.write(`meshward: ${terminalSafe(err.message)}\n`);
        return 1;
      }
      throw err;
    } finally {
      pusher?.stop();
      await pushing;
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      client.close();
      await cache.close();
    }
  }
}

/** Where the probes listen, or null when they are off. */
function healthListen(flags: AgentFlags, io: CliIO): { host: string; port: number } | null {
  const raw = flags.healthPort ?? (flags.inCluster ? String(DEFAULT_HEALTH_PORT) : 'off');
  if (raw === 'off') {
    if (flags.healthAddress !== undefined) throw new UsageError('--health-address needs the probes on: give --health-port PORT too');
    return null;
  }
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) throw new UsageError(`--health-port: "${terminalSafe(raw.slice(0, 40))}" is not a port (0 to 65535, or "off")`);
  const podIp = io.env.POD_IP && isIP(io.env.POD_IP) ? io.env.POD_IP : undefined;
  const host = flags.healthAddress ?? podIp ?? (flags.inCluster ? '0.0.0.0' : '127.0.0.1');
  if (!isIP(host)) throw new UsageError(`--health-address: "${terminalSafe(host.slice(0, 80))}" is not an IP address`);
  return { host, port: Number(raw) };
}

async function credentialStore(flags: AgentFlags, io: CliIO, cluster: string, live: { inCluster: boolean; clusterNames: Map<string, string>; allowExec: string[]; allowInsecureKubeconfig: boolean; env: NodeJS.ProcessEnv; homedir: string; cwd: string }): Promise<CredentialStore> {
  const { FileCredentialStore, SecretCredentialStore } = await import('../../relay/credentials.js');
  if (flags.inCluster && flags.credentialsFile === undefined) {
    const { selectTargets } = await import('../../cluster/read.js');
    const [t] = selectTargets({ ...live, contexts: [], allContexts: false, inCluster: true });
    if (!t?.spec) throw new UsageError(`--in-cluster: the service account cannot be used: ${t?.errors.map((e) => e.message).join('; ') ?? 'no cluster'}`);
    return new SecretCredentialStore({ spec: t.spec, namespace: podNamespace(io), name: flags.credentialsSecret });
  }
  const file = flags.credentialsFile !== undefined ? path.resolve(io.cwd, flags.credentialsFile) : path.join(io.homedir ?? os.homedir(), '.meshward', `agent-${cluster}.json`);
  return new FileCredentialStore(file);
}
