import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { pino } from 'pino';
import { Option, type Command } from 'commander';
import type { ClusterCache } from '../../cluster/cache-types.js';
import { defaultSettings } from '../../config/settings.js';
import { DEFAULT_ROOT_NAMESPACE } from '../../model/meshconfig.js';
import { loadAllYamlBounded } from '../../loader/yaml-bounded.js';
import { readSideText, SideFileError } from '../../engine/side-file.js';
import { terminalSafe } from '../../engine/text.js';
import { TenantPolicyError } from '../../tenancy/policy.js';
import { ObjectCache } from '../../webhook/object-cache.js';
import { cacheKinds } from '../../webhook/admission-kinds.js';
import { ConfigMapPolicySource, parseConfigMapRef, readConfigMapPolicy } from '../../webhook/configmap-policy.js';
import { DEFAULT_RELOAD_INTERVAL_MS, TenantPolicyHolder, type PolicySource } from '../../webhook/reload.js';
import type { LiveSelection } from '../../cluster/types.js';
import { DEFAULT_DECISION_BUDGET_MS, DEFAULT_DRAIN_MS, startWebhookServer } from '../../webhook/server.js';
import { tuneGcForWebhook } from '../../webhook/gc-tuning.js';
import { DEFAULT_WARM_UP_DECISIONS } from '../../webhook/warm-up.js';
import { WEBHOOK_DEFAULT_PORT, type DenyOn, type Unsynced, type WebhookMode } from '../../webhook/types.js';
import { UsageError, type CliIO } from '../io.js';
import { addLiveOptions, liveSelection, parseDuration, type LiveFlags } from '../live.js';
import type { SetExit } from './index.js';
import { DNS_LABEL } from '../../model/names.js';

/** Where a pod finds its own namespace (the service account mount). */
const POD_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
/** The largest `--objects` file read. */
const MAX_OBJECTS_BYTES = 64 * 1024 * 1024;

/** Log lines gathered before one write to standard output, and the longest a line waits (ms). */
export const LOG_GATHER_BYTES = 4096;
export const LOG_FLUSH_MS = 250;

interface WebhookFlags extends LiveFlags {
  tlsCert?: string;
  tlsKey?: string;
  port: string;
  host?: string;
  tenants?: string;
  tenantsConfigmap?: string;
  mode: WebhookMode;
  denyOn: DenyOn;
  unsynced: Unsynced;
  overBudget: Unsynced;
  namespace?: string;
  rootNamespace: string;
  judgeRootNamespace?: boolean;
  exemptNamespace?: string[];
  decisionBudget?: string;
  reloadInterval?: string;
  drainTimeout?: string;
  warmUpDecisions?: string;
  objects?: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** `meshward webhook`: the admission webhook (docs/webhook.md). */
export function registerWebhook(program: Command, io: CliIO, setExit: SetExit): void {
  const cmd = program
    .command('webhook')
    .description('run the admission webhook: judge every object a tenant creates against the live cluster and refuse what would open a hole (docs/webhook.md)')
    .option('--tls-cert <file>', 'PEM certificate the webhook serves (reloaded when the file changes)')
    .option('--tls-key <file>', 'PEM private key of the certificate (reloaded when the file changes)')
    .option('--port <n>', 'HTTPS port', String(WEBHOOK_DEFAULT_PORT))
    .option('--host <address>', 'address to listen on (default: every address, IPv6 and IPv4 where the host has both)')
    .option('--tenants <file>', 'tenant policy (docs/tenancy.md); reloaded when it changes, a bad new version is refused and the old one kept')
    .option('--tenants-configmap <ns/name>', 'tenant policy from a ConfigMap (key tenants.yaml) of the watched cluster, read through the API and reloaded when it changes')
    .addOption(new Option('--mode <mode>', 'enforce: deny at or above --deny-on and warn below; warn: warnings only; audit: audit annotations only').choices(['enforce', 'warn', 'audit']).default('enforce'))
    .addOption(new Option('--deny-on <severity>', 'lowest severity that denies in enforce mode').choices(['critical', 'high', 'medium']).default('high'))
    .addOption(new Option('--unsynced <answer>', 'answer while the cluster cache has not synced: allow (with a warning) or deny').choices(['allow', 'deny']).default('allow'))
    .option('--namespace <ns>', "the webhook's own namespace, never judged (default: $POD_NAMESPACE, else the pod's service-account namespace, else meshward)")
    .option('--root-namespace <ns>', 'the Istio root namespace, never judged unless --judge-root-namespace', DEFAULT_ROOT_NAMESPACE)
    .option('--judge-root-namespace', 'judge objects in the Istio root namespace too')
    .option('--exempt-namespace <ns>', 'another namespace never judged; repeatable', collect)
    .option('--decision-budget <duration>', `longest a review may wait for its decision to start; past it the review is answered unchecked per --over-budget (default ${DEFAULT_DECISION_BUDGET_MS / 1000}s; webhooks time out at 10s). A decision that started is answered as decided`)
    .addOption(new Option('--over-budget <answer>', 'answer in enforce mode to a review that waited past --decision-budget: deny (as failurePolicy Fail would) or allow with a warning').choices(['allow', 'deny']).default('deny'))
    .option('--reload-interval <duration>', `how often the TLS and tenant files are checked for changes (default ${DEFAULT_RELOAD_INTERVAL_MS / 1000}s)`)
    .option('--drain-timeout <duration>', `longest a shutdown (SIGTERM) waits for reviews in flight (default ${DEFAULT_DRAIN_MS / 1000}s)`)
    .option('--warm-up-decisions <n>', `reviews of its own the webhook decides before /readyz says ready, so the first real ones find the code compiled (default ${DEFAULT_WARM_UP_DECISIONS}; 0: ready as soon as the cache has synced)`)
    .option('--objects <file>', 'judge against the objects of this YAML file instead of a live cluster (to try a policy, or in tests)')
    .addOption(new Option('--log-level <level>', 'lowest level logged; reviews allowed with nothing to say are logged at debug, refusals and warnings at info').choices(['debug', 'info', 'warn', 'error']).default('info'));
  addLiveOptions(cmd);
  cmd.action(async (flags: WebhookFlags) => {
    setExit(await runWebhook(flags, io));
  });
}

function ownNamespace(flags: WebhookFlags, io: CliIO): string {
  if (flags.namespace) return flags.namespace;
  if (io.env.POD_NAMESPACE) return io.env.POD_NAMESPACE;
  try {
    const fromMount = readFileSync(POD_NAMESPACE_FILE, 'utf8').trim();
    if (DNS_LABEL.test(fromMount)) return fromMount;
  } catch {
    /* not in a pod */
  }
  return 'meshward';
}

async function objectsCache(file: string, shown: string): Promise<ClusterCache> {
  let text: string;
  try {
    text = await readSideText(file, MAX_OBJECTS_BYTES);
  } catch (err) {
    if (err instanceof SideFileError) throw new UsageError(`--objects ${shown}: cannot read file: ${err.reason}`);
    throw err;
  }
  let docs: unknown[];
  try {
    docs = loadAllYamlBounded(text, { maxNodes: 5_000_000, maxDepth: 128, schema: yaml.CORE_SCHEMA });
  } catch (err) {
    const line = (err as { line?: number }).line ?? 0;
    throw new UsageError(`--objects ${shown}:${line + 1}: not a YAML stream of Kubernetes objects`);
  }
  const cache = new ObjectCache({ name: 'objects' });
  for (const d of docs) {
    if (d && typeof d === 'object' && !Array.isArray(d) && typeof (d as { kind?: unknown }).kind === 'string') cache.apply(d as Record<string, unknown>);
  }
  return cache;
}

async function runWebhook(flags: WebhookFlags, io: CliIO): Promise<number> {
  // Before the cache is read: its objects must not train V8 to allocate every review's garbage in old space.
  tuneGcForWebhook();
  if (!flags.tlsCert || !flags.tlsKey) throw new UsageError('webhook needs --tls-cert FILE and --tls-key FILE: the API server only calls webhooks over HTTPS');
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a port number (0 to 65535), not "${terminalSafe(flags.port.slice(0, 20))}"`);
  if (flags.tenantsConfigmap !== undefined && flags.tenants !== undefined) throw new UsageError('--tenants and --tenants-configmap both give the tenant policy: keep one');
  if (flags.tenantsConfigmap !== undefined && !wantsCluster(flags)) throw new UsageError('--tenants-configmap reads the ConfigMap from the watched cluster: add --in-cluster, --kubeconfig FILE or --context NAME');
  const own = ownNamespace(flags, io);
  for (const [flag, ns] of [['--namespace', own], ['--root-namespace', flags.rootNamespace], ...(flags.exemptNamespace ?? []).map((n) => ['--exempt-namespace', n])] as const) {
    if (!DNS_LABEL.test(ns)) throw new UsageError(`${flag}: "${terminalSafe(ns.slice(0, 80))}" is not a namespace name`);
  }
  const selection = liveSelection(flags);
  if (selection && flags.objects) throw new UsageError('--objects replaces the live cluster: leave out --kubeconfig, --context and --in-cluster, or --objects');
  if (!selection && !flags.objects) throw new UsageError('webhook needs a cluster to judge against: --in-cluster (in a pod), --kubeconfig FILE / --context NAME, or --objects FILE');
  if (selection && (selection.allContexts || selection.contexts.length > 1)) throw new UsageError('webhook watches exactly one cluster: give one --context (or none for the current one), not several');
  const budgetMs = flags.decisionBudget === undefined ? DEFAULT_DECISION_BUDGET_MS : parseDuration(flags.decisionBudget, '--decision-budget');
  const reloadMs = flags.reloadInterval === undefined ? DEFAULT_RELOAD_INTERVAL_MS : parseDuration(flags.reloadInterval, '--reload-interval');
  const drainMs = flags.drainTimeout === undefined ? DEFAULT_DRAIN_MS : parseDuration(flags.drainTimeout, '--drain-timeout');
  if (!/^\d{1,7}$/.test(flags.warmUpDecisions ?? '0')) throw new UsageError(`--warm-up-decisions must be a whole number from 0 to 9999999, not ${terminalSafe(String(flags.warmUpDecisions).slice(0, 40))}`);
  const warmUpDecisions = flags.warmUpDecisions === undefined ? DEFAULT_WARM_UP_DECISIONS : Number(flags.warmUpDecisions);

  // On the real standard output, log lines are buffered and written asynchronously: a synchronous write
  // per review (Node writes to pipes synchronously on Linux) stalls every review while the log reader
  // lags, which at 1,000 reviews/s is most of the latency. They are also gathered: one asynchronous
  // write per line hands each line to libuv's thread pool, which cost more CPU than the whole HTTPS
  // exchange (0.10 ms a review, bench/webhook.js); lines go out once 4 KiB have gathered, or every
  // LOG_FLUSH_MS at the latest, so a quiet webhook's lines are never held longer. Flushed at shutdown
  // and on exit.
  const asyncOut = io.stdout === process.stdout ? pino.destination({ dest: 1, sync: false, minLength: LOG_GATHER_BYTES, periodicFlush: LOG_FLUSH_MS }) : null;
  const flushLog = () => {
    try {
      asyncOut?.flushSync();
    } catch {
      // nothing to flush to (stdout closed)
    }
  };
  if (asyncOut) process.once('exit', flushLog);
  const logger = pino({ base: { service: 'meshward-webhook' }, level: flags.logLevel ?? 'info', timestamp: pino.stdTimeFunctions.isoTime }, asyncOut ?? io.stdout);
  const policyEvents = {
    onLoaded: (what: string) => logger.info({ event: 'tenants-reloaded', source: what }, 'tenant policy reloaded'),
    onRefused: (what: string, reason: string) => logger.error({ event: 'tenants-reload-refused', source: what, reason }, 'new tenant policy refused; the previous one stays in force'),
  };
  let tenants: PolicySource = TenantPolicyHolder.none();
  try {
    if (flags.tenants) tenants = await TenantPolicyHolder.fromFile(path.resolve(io.cwd, flags.tenants), reloadMs, policyEvents);
  } catch (err) {
    if (err instanceof TenantPolicyError) throw new UsageError(err.message);
    throw err;
  }

  let cache: ClusterCache;
  if (flags.objects) cache = await objectsCache(path.resolve(io.cwd, flags.objects), flags.objects);
  else {
    cache = await liveCache(selection!, io, (note) => logger.info({ event: 'cache-note', note }, 'cluster cache'));
    if (flags.tenantsConfigmap !== undefined) {
      try {
        tenants = await configMapPolicy(selection!, io, flags.tenantsConfigmap, reloadMs, policyEvents);
      } catch (err) {
        await cache.close();
        if (err instanceof TenantPolicyError) throw new UsageError(err.message);
        throw err;
      }
    }
  }

  const exempt = new Set([own, 'kube-system', ...(flags.judgeRootNamespace ? [] : [flags.rootNamespace]), ...(flags.exemptNamespace ?? [])]);
  let server;
  try {
    server = await startWebhookServer({
      cache,
      tenants,
      settings: defaultSettings(),
      tlsCertFile: path.resolve(io.cwd, flags.tlsCert),
      tlsKeyFile: path.resolve(io.cwd, flags.tlsKey),
      port,
      host: flags.host,
      logger,
      mode: flags.mode,
      denyOn: flags.denyOn,
      unsynced: flags.unsynced,
      overBudget: flags.overBudget,
      exempt,
      budgetMs,
      reloadIntervalMs: reloadMs,
      warmUpDecisions,
    });
  } catch (err) {
    tenants.close();
    await cache.close();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'EACCES') throw new UsageError(`--tls-cert/--tls-key: cannot read ${terminalSafe(e.path ?? 'the file')}: ${e.code}`);
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES') throw new UsageError(`--port ${port}: ${e.code}; choose another port`);
    if (/PEM|key|certificate/i.test(e.message ?? '')) throw new UsageError(`--tls-cert/--tls-key: the certificate or key does not load (${terminalSafe((e.message ?? '').slice(0, 120))})`);
    throw err;
  }
  logger.info({ event: 'listening', port: server.port, mode: flags.mode, denyOn: flags.denyOn, unsynced: flags.unsynced, overBudget: flags.overBudget, exempt: [...exempt], cluster: cache.name, tenants: flags.tenants ?? flags.tenantsConfigmap ?? null }, 'meshward webhook listening');
  cache.whenSynced().then(
    () => logger.info({ event: 'synced', objects: cache.status().size }, 'cluster cache synced; ready'),
    () => undefined,
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ event: 'shutdown', signal }, 'stopping: no new connections, draining reviews in flight');
      process.off('SIGHUP', hup);
      server
        .close(drainMs)
        .then(async () => {
          tenants.close();
          await cache.close();
          logger.info({ event: 'stopped' }, 'stopped');
          if (asyncOut) await new Promise<void>((done) => asyncOut.flush(() => done()));
          resolve();
        });
    };
    const hup = () => {
      void server.reloadTls();
      void tenants.check();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', hup);
  });
  return 0;
}

function wantsCluster(flags: WebhookFlags): boolean {
  return flags.kubeconfig !== undefined || (flags.context?.length ?? 0) > 0 || Boolean(flags.inCluster);
}

/** The kinds the cache watches, as the cache takes them (`Kind` for core, `group/Kind` otherwise). */
export function webhookCacheKinds(): string[] {
  return cacheKinds().map((k) => (k.group ? `${k.group}/${k.kind}` : k.kind));
}

/** The informer-backed cache of the one selected cluster; its kubeconfig judged by the gate first. */
async function liveCache(selection: LiveSelection, io: CliIO, onNote: (note: string) => void): Promise<ClusterCache> {
  const { openClusterCache } = await import('../../cluster/informer.js');
  const { LiveSelectionError } = await import('../../cluster/kubeconfig-source.js');
  try {
    return await openClusterCache({
      ...(selection.kubeconfig !== undefined ? { kubeconfig: selection.kubeconfig } : {}),
      ...(selection.contexts[0] !== undefined ? { context: selection.contexts[0] } : {}),
      inCluster: selection.inCluster,
      clusterNames: selection.clusterNames,
      allowExec: selection.allowExec,
      allowInsecureKubeconfig: selection.allowInsecureKubeconfig,
      requestTimeoutMs: selection.requestTimeoutMs,
      kinds: webhookCacheKinds(),
      env: io.env,
      homedir: io.homedir ?? os.homedir(),
      cwd: io.cwd,
      onNote,
    });
  } catch (err) {
    if (err instanceof LiveSelectionError) throw new UsageError(err.message);
    throw err;
  }
}

/** The tenant policy from a ConfigMap of the selected cluster, over its own judged connection. */
async function configMapPolicy(selection: LiveSelection, io: CliIO, ref: string, reloadMs: number, events: { onLoaded: (w: string) => void; onRefused: (w: string, m: string) => void }): Promise<PolicySource> {
  const where = parseConfigMapRef(ref);
  const { selectTargets } = await import('../../cluster/read.js');
  const { connect } = await import('../../cluster/client.js');
  const [target] = selectTargets({
    kubeconfig: selection.inCluster ? undefined : selection.kubeconfig,
    contexts: selection.inCluster ? [] : selection.contexts.slice(0, 1),
    allContexts: false,
    inCluster: selection.inCluster,
    clusterNames: selection.clusterNames,
    allowExec: selection.allowExec,
    allowInsecureKubeconfig: selection.allowInsecureKubeconfig,
    env: io.env,
    homedir: io.homedir ?? os.homedir(),
    cwd: io.cwd,
  });
  if (!target?.spec) throw new UsageError(`--tenants-configmap: the cluster was refused: ${target?.errors.map((e) => e.message).join('; ') ?? 'no cluster selected'}`);
  const conn = await connect(target.spec);
  const source = await ConfigMapPolicySource.open(() => readConfigMapPolicy(conn, where, selection.requestTimeoutMs), `configmap ${where.namespace}/${where.name}`, reloadMs, events);
  const close = source.close.bind(source);
  source.close = () => {
    close();
    conn.close();
  };
  return source;
}
