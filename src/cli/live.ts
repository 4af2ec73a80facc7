import os from 'node:os';
import type { Command } from 'commander';
import { analyse, type ScanOptions } from '../engine/scan.js';
import { foldedNote } from '../engine/owned.js';
import type { Finding } from '../engine/finding.js';
import type { RuleFailure } from '../engine/run.js';
import { IGNORE_ANNOTATION, resourceKey } from '../engine/suppress.js';
import { terminalSafe } from '../engine/text.js';
import type { MeshModel } from '../model/model.js';
import { groupOf, type Resource } from '../model/resource.js';
import type { Rule } from '../rules/types.js';
import type { ReportError } from '../report/types.js';
import type { ClusterRead, ClusterSummary, LiveSelection, ProgressEvent, ReadClusters, ReadClustersOptions } from '../cluster/types.js';
import type { PoolFaults, WorkerAnalysis } from '../cluster/analyse-worker-pool.js';
import { LiveLocator } from '../cluster/live-locator.js';
import { factsFromData, type TrafficFactsData } from '../insights/facts.js';
import type { TrafficFacts } from '../insights/types.js';
import { UsageError, positiveInt, type CliIO } from './io.js';
import { Progress, progressWanted } from './progress.js';

/**
 * Clusters read and analysed at once when --cluster-concurrency is not given. Listing is mostly
 * waiting on the network and analysis is one core's work per cluster, so a few clusters at once keep
 * a small machine busy; each one in flight holds its whole object set in memory (about 100 MB for
 * 10,000 objects), so peak memory is this many clusters, whatever the size of the fleet.
 */
export const DEFAULT_CLUSTER_CONCURRENCY = 4;
/** Most clusters at once: beyond this, memory grows and the API servers see a burst, for no gain. */
const MAX_CLUSTER_CONCURRENCY = 64;
/** One list request (one page of 500 objects) that takes longer than this has hung. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** A whole cluster: listing every kind, paging through 100,000 objects on a slow link fits. */
export const DEFAULT_CLUSTER_TIMEOUT_MS = 5 * 60_000;

/** Parsed values of the flags `addLiveOptions` adds. */
export interface LiveFlags {
  kubeconfig?: string;
  context?: string[];
  allContexts?: boolean;
  inCluster?: boolean;
  clusterName?: string[];
  allowExec?: string[];
  allowInsecureKubeconfig?: boolean;
  clusterConcurrency?: string;
  requestTimeout?: string;
  clusterTimeout?: string;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** The live-cluster flags, the same on scan, posture, tenants and blast-radius (docs/live.md). */
export function addLiveOptions(command: Command): Command {
  return command
    .option('--kubeconfig <file>', 'read live clusters through this kubeconfig (default with --context/--all-contexts: $KUBECONFIG merged as kubectl does, else ~/.kube/config)')
    .option('--context <name>', 'a kubeconfig context to scan live; repeatable (default with --kubeconfig: the current context)', collect)
    .option('--all-contexts', 'scan every context of the kubeconfig')
    .option('--in-cluster', "scan the cluster meshward runs in, with its pod's service account")
    .option('--cluster-name <ctx=name>', 'the name a context is reported under (default: the context name); repeatable', collect)
    .option('--allow-exec <name>', 'let a kubeconfig run this credential plugin (beyond the well-known ones: docs/live.md); repeatable', collect)
    .option('--allow-insecure-kubeconfig', 'let kubeconfigs read credential files, skip TLS verification, use proxies, plain http:// or impersonation')
    .addOption(command.createOption('--cluster-concurrency <n>', `clusters read and analysed at once; memory grows with this, not with the number of clusters (default: ${DEFAULT_CLUSTER_CONCURRENCY})`))
    .option('--request-timeout <duration>', `longest a single API request may take, e.g. 30s, 2m (default: ${DEFAULT_REQUEST_TIMEOUT_MS / 1000}s)`)
    .option('--cluster-timeout <duration>', `longest reading one cluster may take; what is not listed by then makes it partial (default: ${DEFAULT_CLUSTER_TIMEOUT_MS / 60_000}m)`);
}

/** Whether any flag selects a live cluster (the others only tune how one is read). */
export function wantsLive(flags: LiveFlags): boolean {
  return flags.kubeconfig !== undefined || (flags.context?.length ?? 0) > 0 || Boolean(flags.allContexts) || Boolean(flags.inCluster);
}

/**
 * The selection the flags describe, or null when no live flag was given. Contradictions and malformed
 * values are usage errors naming the flag.
 */
export function liveSelection(flags: LiveFlags): LiveSelection | null {
  const tuning = (
    [
      ['--cluster-name', (flags.clusterName?.length ?? 0) > 0],
      ['--allow-exec', (flags.allowExec?.length ?? 0) > 0],
      ['--allow-insecure-kubeconfig', Boolean(flags.allowInsecureKubeconfig)],
      ['--cluster-concurrency', flags.clusterConcurrency !== undefined],
      ['--request-timeout', flags.requestTimeout !== undefined],
      ['--cluster-timeout', flags.clusterTimeout !== undefined],
    ] as const
  ).filter(([, given]) => given);
  if (!wantsLive(flags)) {
    if (tuning.length) throw new UsageError(`${tuning[0][0]} applies to live clusters: add --context NAME, --all-contexts, --kubeconfig FILE or --in-cluster`);
    return null;
  }
  const contexts = flags.context ?? [];
  if (flags.inCluster && (flags.kubeconfig !== undefined || contexts.length || flags.allContexts)) {
    throw new UsageError('--in-cluster uses the pod\'s service account, not a kubeconfig: leave out --kubeconfig, --context and --all-contexts, or leave out --in-cluster');
  }
  if (flags.allContexts && contexts.length) throw new UsageError('--all-contexts already selects every context: leave out --context, or --all-contexts');
  for (const c of contexts) if (!c.trim()) throw new UsageError('--context needs a context name (`kubectl config get-contexts` lists them)');
  if (flags.kubeconfig !== undefined && !flags.kubeconfig.trim()) throw new UsageError('--kubeconfig needs a file');
  const clusterNames = new Map<string, string>();
  const names = new Map<string, string>();
  for (const pair of flags.clusterName ?? []) {
    const i = pair.indexOf('=');
    const ctx = i > 0 ? pair.slice(0, i) : '';
    const name = i > 0 ? pair.slice(i + 1).trim() : '';
    if (!ctx || !name) throw new UsageError(`--cluster-name takes CONTEXT=NAME, not "${terminalSafe(pair.slice(0, 80))}"`);
    if (name.length > 253) throw new UsageError(`--cluster-name ${terminalSafe(ctx.slice(0, 80))}: the name is over 253 characters`);
    if (clusterNames.has(ctx)) throw new UsageError(`--cluster-name names context "${terminalSafe(ctx.slice(0, 80))}" twice`);
    const other = names.get(name);
    // Two clusters under one name would share fingerprints: a baseline entry of one would hide the other's finding.
    if (other !== undefined) throw new UsageError(`--cluster-name gives contexts "${terminalSafe(other.slice(0, 80))}" and "${terminalSafe(ctx.slice(0, 80))}" the same name "${terminalSafe(name.slice(0, 80))}"; each cluster needs its own`);
    names.set(name, ctx);
    clusterNames.set(ctx, name);
  }
  for (const name of flags.allowExec ?? []) {
    if (!name.trim()) throw new UsageError('--allow-exec takes the name of a credential plugin (e.g. --allow-exec my-plugin) or its exact absolute path');
  }
  const concurrency = flags.clusterConcurrency === undefined ? DEFAULT_CLUSTER_CONCURRENCY : positiveInt(flags.clusterConcurrency, '--cluster-concurrency');
  if (concurrency > MAX_CLUSTER_CONCURRENCY) throw new UsageError(`--cluster-concurrency is at most ${MAX_CLUSTER_CONCURRENCY} (each cluster in flight holds its objects in memory)`);
  return {
    ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
    contexts: [...contexts],
    allContexts: Boolean(flags.allContexts),
    inCluster: Boolean(flags.inCluster),
    clusterNames,
    allowExec: [...(flags.allowExec ?? [])],
    allowInsecureKubeconfig: Boolean(flags.allowInsecureKubeconfig),
    concurrency,
    requestTimeoutMs: flags.requestTimeout === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : parseDuration(flags.requestTimeout, '--request-timeout'),
    clusterTimeoutMs: flags.clusterTimeout === undefined ? DEFAULT_CLUSTER_TIMEOUT_MS : parseDuration(flags.clusterTimeout, '--cluster-timeout'),
  };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** Longest timeout accepted: a day (setTimeout overflows past 24.8 days). */
const MAX_DURATION_MS = 24 * 3_600_000;

/** `500ms`, `30s`, `2m`, `1h`, or a number of seconds as kubectl takes it; at least 1 ms, at most a day. */
export function parseDuration(v: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
  const ms = m ? Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']) : NaN;
  if (!Number.isFinite(ms) || ms < 1 || ms > MAX_DURATION_MS) {
    throw new UsageError(`${flag} takes a duration such as 30s, 2m or 500ms (at most 24h), not "${terminalSafe(v.slice(0, 40))}"`);
  }
  return ms;
}

/**
 * Kinds the model itself reads beyond the rules' `reads`: the mesh config (the istio ConfigMap or an
 * IstioOperator, found in the cluster as a file scan finds it in files) and namespaces (injection
 * labels, the root namespace). Secrets are not here: they are listed only where a rule needs them.
 */
export const MODEL_KINDS: readonly string[] = ['ConfigMap', 'install.istio.io/IstioOperator', 'Namespace'];

/**
 * What to list: the union of the rules' reads and the model's own, each once, sorted. Some rules name
 * a kind bare (`Deployment`) and others with its group (`apps/Deployment`): the bare name is dropped
 * when the grouped one is there, or the same objects would be listed, and analysed, twice.
 */
export function liveKinds(rules: readonly Rule[], extra: readonly string[] = MODEL_KINDS): string[] {
  const kinds = new Set<string>(extra);
  for (const r of rules) for (const k of r.meta.reads) kinds.add(k);
  const grouped = new Set([...kinds].filter((k) => k.includes('/')).map((k) => k.slice(k.lastIndexOf('/') + 1)));
  return [...kinds].filter((k) => k.includes('/') || !grouped.has(k)).sort();
}

/** The reader: the one tests put in CliIO, else src/cluster (loaded only when a live flag is given). */
export async function clusterReader(io: CliIO): Promise<ReadClusters> {
  if (io.readClusters) return io.readClusters;
  // Loaded on demand: a scan of files never loads the Kubernetes client.
  const { readClusters } = await import('../cluster/read.js');
  return readClusters;
}

export interface ClusterAnalysis<T> {
  summaries: ClusterSummary[];
  /** What `analyseOne` returned for each cluster, keyed by cluster name. */
  results: Map<string, T>;
  /** Read errors of every cluster, as report errors (file `cluster NAME`), in selection order. */
  errors: ReportError[];
}

export interface ReadOptions {
  selection: LiveSelection;
  kinds: readonly string[];
  io: CliIO;
  /** The report format on standard output ('text' when none): progress is drawn only where it will not mix with data. */
  format: string;
  verbose?: boolean;
  /** Test hooks of the analysis pool (a worker that crashes or throws on a cluster). */
  faults?: PoolFaults;
}

/**
 * Reads the selected clusters and hands each one, while its objects are in memory, to `analyseOne`;
 * only what that returns is kept (findings, small facts), so memory grows with --cluster-concurrency,
 * not with the number of clusters. Draws progress on a terminal. Everything runs on this thread
 * (posture, tenants and blast-radius need the model here); `scan` uses scanClusters.
 */
export async function readAndAnalyse<T>(opts: ReadOptions, analyseOne: (read: ClusterRead) => T | Promise<T>): Promise<ClusterAnalysis<T>> {
  const { io } = opts;
  const readClusters = await clusterReader(io);
  const results = new Map<string, T>();
  const summaries = await withProgress(opts, (readOpts, onProgress) =>
    readClusters(readOpts, async (read) => {
      const name = read.summary.name;
      if (read.summary.status !== 'error') onProgress({ cluster: name, phase: 'analysing' });
      inCanonicalOrder(read.resources);
      const result = await analyseOne(read);
      // The objects go now: a ClusterRead the reader still holds must not keep them alive either.
      read.resources = [];
      results.set(name, result);
      onProgress({ cluster: name, phase: read.summary.status === 'error' ? 'error' : 'done', detail: statusDetail(read.summary) });
    }),
  );
  const errors: ReportError[] = [];
  for (const s of summaries) errors.push(...clusterErrors(s));
  return { summaries, results, errors };
}

/** The reader's options from the CLI's, with progress drawn on a terminal and usage errors turned into UsageError. */
async function withProgress(opts: ReadOptions, read: (readOpts: ReadClustersOptions, onProgress: (e: ProgressEvent) => void) => Promise<ClusterSummary[]>): Promise<ClusterSummary[]> {
  const { io } = opts;
  const progress = progressWanted(io, opts.format) ? new Progress(io.stderr) : null;
  const onProgress = (e: ProgressEvent) => progress?.update(e);
  try {
    return await read(
      {
        ...opts.selection,
        kinds: opts.kinds,
        env: io.env,
        homedir: io.homedir ?? os.homedir(),
        cwd: io.cwd,
        onProgress,
        ...(opts.verbose ? { onNote: (note: string) => io.stderr.write(`meshward: ${terminalSafe(note)}\n`) } : {}),
      },
      onProgress,
    );
  } catch (err) {
    // No kubeconfig, an unreadable one, no current context: the invocation is wrong, not a cluster.
    if (err instanceof Error && err.name === 'LiveSelectionError') throw new UsageError(err.message);
    throw err;
  } finally {
    progress?.finish();
  }
}

/** Most analysis worker threads, whatever the machine: each holds its clusters' objects and a copy of the rules. */
const MAX_ANALYSIS_WORKERS = 16;

/**
 * Worker threads `scan` analyses clusters with: `MESHWARD_LIVE_WORKERS` when set (0: everything on the
 * main thread), else one per available core, never more than the clusters in flight.
 */
export function analysisWorkers(env: Readonly<Record<string, string | undefined>>, concurrency: number): number {
  const given = env.MESHWARD_LIVE_WORKERS;
  if (given !== undefined && given.trim() !== '') {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`MESHWARD_LIVE_WORKERS takes a whole number of threads (0: analyse on the main thread), not "${terminalSafe(given.slice(0, 40))}"`);
    return Math.min(n, concurrency, MAX_ANALYSIS_WORKERS);
  }
  return Math.max(1, Math.min(os.availableParallelism(), concurrency, MAX_ANALYSIS_WORKERS));
}

/**
 * Traffic facts for live clusters, as plain data (it crosses to worker threads): a cluster's own
 * (`--prometheus CLUSTER=URL`), else the fallback (a bare `--prometheus URL` or `--metrics FILE`).
 */
export interface ClusterTelemetry {
  named: ReadonlyMap<string, TrafficFactsData>;
  fallback?: TrafficFactsData;
}

/** The facts a cluster's rules get, indexed on the thread that runs them. */
export function telemetryFor(t: ClusterTelemetry | undefined, cluster: string): TrafficFacts | undefined {
  const d = t?.named.get(cluster) ?? t?.fallback;
  return d ? factsFromData(d) : undefined;
}

/** What `scan` analyses clusters with: ScanOptions with the rules given (findings stay compact). */
export type ClusterScanOptions = ScanOptions & {
  rules: readonly Rule[];
  telemetryByCluster?: ClusterTelemetry;
  /** Also make each cluster's posture view (for the HTML report's posture table), while its model is alive. */
  posture?: boolean;
};

/**
 * `scan`'s live side: every cluster read and analysed as analyseCluster does, in a pool of worker
 * threads (src/cluster/analyse-worker-pool.ts) so that several clusters' parsing and rules use several cores.
 * On this thread instead when MESHWARD_LIVE_WORKERS=0 or a test gave its own reader (CliIO.readClusters,
 * which hands over objects on this thread). Findings and reports are the same either way.
 */
export async function scanClusters(opts: ReadOptions, analysis: ClusterScanOptions): Promise<ClusterAnalysis<ClusterFindings>> {
  const workers = analysisWorkers(opts.io.env, opts.selection.concurrency);
  if (opts.io.readClusters || workers === 0) {
    const postureView = analysis.posture ? (await import('./commands/posture.js')).postureView : undefined;
    return readAndAnalyse(opts, (read) => analyseCluster(read, { ...analysis, telemetry: telemetryFor(analysis.telemetryByCluster, read.summary.name) }, postureView));
  }
  const [{ readAndAnalyseInWorkers }, { getAdvisoryDatabase, advisoryNow }, { allRules }] = await Promise.all([
    import('../cluster/analyse-worker-pool.js'),
    import('../advisories/database.js'),
    import('../rules/index.js'),
  ]);
  const db = getAdvisoryDatabase();
  const workerAnalysis: WorkerAnalysis = {
    ruleIds: analysis.rules === allRules ? null : analysis.rules.map((r) => r.meta.id),
    model: { meshConfig: analysis.model?.meshConfig ?? null, tenantPolicy: analysis.model?.tenantPolicy ?? null },
    ...(analysis.settings ? { settings: analysis.settings } : {}),
    disabled: [...(analysis.disabled ?? [])],
    ...(analysis.severityOverrides ? { severityOverrides: analysis.severityOverrides } : {}),
    // Always the database itself, the bundled one too: a worker that had to validate it would load zod (~0.2 s).
    advisories: db,
    now: advisoryNow().toISOString(),
    ...(analysis.telemetryByCluster ? { telemetry: analysis.telemetryByCluster } : {}),
    ...(analysis.posture ? { posture: true } : {}),
    ...(analysis.foldOwned ? { foldOwned: true } : {}),
  };
  const results = new Map<string, ClusterFindings>();
  const summaries = await withProgress(opts, (readOpts, onProgress) =>
    readAndAnalyseInWorkers(readOpts, workerAnalysis, { size: workers, ...(opts.faults ? { faults: opts.faults } : {}) }, (summary, result) => {
      results.set(summary.name, result ?? NO_FINDINGS());
      onProgress({ cluster: summary.name, phase: summary.status === 'error' ? 'error' : 'done', detail: statusDetail(summary) });
    }),
  );
  const errors: ReportError[] = [];
  for (const s of summaries) errors.push(...clusterErrors(s));
  return { summaries, results, errors };
}

const NO_FINDINGS = (): ClusterFindings => ({ findings: [], errors: [], failures: [], notes: [], meshConfig: 'none', ignoreAnnotations: new Map() });


/**
 * Sorts a cluster's objects by kind (`group/Kind`), namespace and name, and renumbers their ids. The
 * reader lists kinds in parallel, so its order varies from run to run; messages that list objects
 * ("Deployment a/b, Pod a/c and 6 more") must not. A file scan keeps the order of its files.
 */
export function inCanonicalOrder(resources: Resource[]): Resource[] {
  // Each object's key made once, not twice per comparison (10,000 objects: about 280,000 comparisons):
  // by position, through the ids the sort renumbers anyway.
  const keys = resources.map((r, i) => {
    r.id = i;
    return orderKey(r);
  });
  resources.sort((a, b) => compareKeys(keys[a.id], keys[b.id]));
  for (let i = 0; i < resources.length; i++) resources[i].id = i;
  return resources;
}

/** The order of inCanonicalOrder, on anything with group (or apiVersion), kind, namespace and name. */
export function compareObjects(a: OrderKey, b: OrderKey): number {
  return compareKeys(orderKey(a), orderKey(b));
}

function compareKeys(ka: readonly string[], kb: readonly string[]): number {
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
  return 0;
}

type OrderKey = { group?: string; apiVersion?: string; kind: string; namespace: string; name: string };

function orderKey(r: OrderKey): [string, string, string, string] {
  const group = r.group ?? groupOf(r.apiVersion ?? '');
  return [group, r.kind, r.namespace, r.name];
}

function statusDetail(s: ClusterSummary): string {
  const first = s.errors[0];
  const resources = `${s.resources} object${s.resources === 1 ? '' : 's'}`;
  if (s.status === 'ok') return resources;
  if (s.status === 'partial') return `partial: ${resources}, ${s.errors.length} kind${s.errors.length === 1 ? '' : 's'} not read`;
  return first ? terminalSafe(first.message.split('\n')[0]) : 'error';
}

/** A cluster's read errors as report errors: listed, and they make the run exit 1 (unless --fail-on none). */
export function clusterErrors(s: ClusterSummary): ReportError[] {
  return s.errors.map((e) => ({
    file: `cluster ${s.name}`,
    line: 0,
    message: `${e.kind}${e.status !== null ? ` (HTTP ${e.status})` : ''}: ${e.message}`,
    cluster: s.name,
    kind: e.kind,
    status: e.status,
  }));
}

/** What `scan` keeps of one cluster after its objects are dropped. */
export interface ClusterFindings {
  findings: Finding[];
  /** Errors of the model built from the cluster (a mesh config that does not parse...). */
  errors: ReportError[];
  failures: RuleFailure[];
  notes: string[];
  meshConfig: string;
  /** The ignore annotations of the objects findings are about, for annotation suppressions after the objects are gone. */
  ignoreAnnotations: Map<string, Resource>;
  /** The cluster's posture view (`meshward posture -f json`'s data), when the HTML report asked for it. */
  posture?: unknown;
}

/**
 * One cluster through the same analysis as files (model, credential problems, rules), with the same
 * options: --mesh-config and --tenants apply, else the mesh config found in the cluster. Keeps only
 * findings and what suppressions need.
 */
export function analyseCluster(read: ClusterRead, opts: ScanOptions, onModel?: (model: MeshModel, findings: readonly Finding[]) => unknown): ClusterFindings {
  const name = read.summary.name;
  if (read.summary.status === 'error' && read.resources.length === 0) {
    return NO_FINDINGS();
  }
  // Findings point at their field in the cluster's object (cluster, object, path): there is no file.
  const result = analyse({ files: [], resources: read.resources, errors: [], notes: [] }, { ...opts, locator: new LiveLocator() });
  // What the caller makes of the model while it is alive (the HTML report's posture view) rides along.
  const fromModel = onModel?.(result.model, result.findings);
  const ignoreAnnotations = new Map<string, Resource>();
  const lookup = new Map<string, Resource>();
  for (const r of result.model.resources) if (Object.hasOwn(r.annotations, IGNORE_ANNOTATION)) lookup.set(resourceKey(r), r);
  // Most clusters have no ignore annotation at all: then no finding needs its key made.
  for (const f of lookup.size ? result.findings : []) {
    const key = resourceKey(f.resource);
    const r = lookup.get(key);
    // Only the annotation is kept, not the object.
    if (r && !ignoreAnnotations.has(key)) ignoreAnnotations.set(key, { ...r, obj: null, labels: {}, annotations: { [IGNORE_ANNOTATION]: r.annotations[IGNORE_ANNOTATION] } });
  }
  const errors: ReportError[] = result.errors.map((e) => ({ ...e, file: /^<.*>$/.test(e.file) ? `cluster ${name}` : e.file, cluster: name }));
  const notes = result.model.mesh.notes.map((n) => `${name}: ${terminalSafe(n)}`);
  const folded = foldedNote(result.folded, `${terminalSafe(name)}: `);
  if (folded) notes.push(folded);
  return { findings: result.findings, errors, failures: result.failures, notes, meshConfig: result.model.mesh.origin, ignoreAnnotations, ...(fromModel !== undefined ? { posture: fromModel } : {}) };
}
