/**
 * `readClusters`: the live source (contract in types.ts).
 *
 * kubeconfig files (merged as kubectl merges them) → every selected context judged by the gate before
 * anything connects → for each cluster that passes, `concurrency` at a time: credentials through
 * `@kubernetes/client-node`, discovery of the kinds the rules read, paginated lists, each object through
 * the sanitizer, then `consume` — and only after `consume` returns does that worker start another
 * cluster, so memory follows the concurrency, not the fleet.
 */
import fs from 'node:fs';
import net from 'node:net';
import { allRules } from '../rules/index.js';
import type { Resource } from '../model/resource.js';
import { FOREIGN_TEMPLATE_GROUPS } from '../model/workloads.js';
import { own } from '../model/own.js';
import { quote } from '../kubeconfig/redact.js';
import { terminalSafe } from '../engine/text.js';
import { liveResource } from './live-resource.js';
import { SECRET_SELECTORS } from './secrets.js';
import { connect, TransportError, type Connection } from './client.js';
import { discover, DiscoveryError, splitKindKey, type ResolvedKind } from './discovery.js';
import { gateContext, judgeSet, type ClientSpec } from './gate.js';
import { loadKubeconfigSet, selectContexts, type KubeconfigSet } from './kubeconfig-source.js';
import { ApiError, BoundError, DEFAULT_TUNING, listKind, makeRequester, type ApiRequester, type RequesterOptions, type Tuning } from './list.js';
import type { ClusterError, ClusterRead, ClusterStatus, ClusterSummary, ProgressEvent, ReadClustersOptions } from './types.js';

export { LiveSelectionError } from './kubeconfig-source.js';

/** Where a pod finds its service account (tests point these at temp files). */
export interface InClusterPaths {
  token: string;
  ca: string;
}

export const DEFAULT_IN_CLUSTER_PATHS: InClusterPaths = {
  token: '/var/run/secrets/kubernetes.io/serviceaccount/token',
  ca: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
};

/** Knobs beyond the contract: bounds and test hooks. Defaults suit real clusters. */
export interface ReadExtras {
  tuning?: Partial<Tuning>;
  inClusterPaths?: InClusterPaths;
  /** Waits between retries (tests pass a recording fake). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * One cluster to read, after the gate. `spec` is null when the gate refused it (then `errors` says why).
 * Plain data: the analysis workers receive it as a message.
 */
export interface Target {
  name: string;
  context: string | null;
  server: string;
  spec: ClientSpec | null;
  errors: ClusterError[];
  notes: string[];
}

export async function readClusters(opts: ReadClustersOptions & ReadExtras, consume: (read: ClusterRead) => Promise<void>): Promise<ClusterSummary[]> {
  const tuning: Tuning = { ...DEFAULT_TUNING, ...opts.tuning };
  const targets = selectTargets(opts);
  for (const t of targets) for (const n of t.notes) opts.onNote?.(n);

  const summaries: ClusterSummary[] = new Array(targets.length);
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (failure === null && next < targets.length) {
      const i = next++;
      const read = await readOne(targets[i], opts, tuning);
      summaries[i] = read.summary;
      const phase = read.summary.status === 'error' ? (targets[i].spec ? 'error' : 'refused') : 'analysing';
      emit(opts, { cluster: read.summary.name, phase, detail: phase === 'analysing' ? undefined : firstLine(read.summary.errors[0]?.message) });
      try {
        await consume(read);
      } catch (err) {
        failure ??= err;
        return;
      }
      if (read.summary.status !== 'error') emit(opts, { cluster: read.summary.name, phase: 'done', detail: `${read.summary.resources} objects${read.summary.status === 'partial' ? ', partial' : ''}` });
    }
  };
  const n = Math.max(1, Math.min(Math.floor(opts.concurrency) || 1, targets.length || 1));
  await Promise.all(Array.from({ length: n }, worker));
  if (failure !== null) throw failure;
  return summaries;
}

function emit(opts: ReadClustersOptions, e: ProgressEvent): void {
  if (!opts.onProgress) return;
  opts.onProgress({ ...e, cluster: terminalSafe(e.cluster), detail: e.detail === undefined ? undefined : terminalSafe(e.detail) });
}

function firstLine(s: string | undefined): string | undefined {
  return s === undefined ? undefined : s.split('\n')[0].slice(0, 300);
}

// ---------------------------------------------------------------------------------------------------
// selection and gate (nothing connects here)

/** What choosing clusters needs: the selection flags, the gate's policy, and where files are. */
export type TargetSelection = Pick<
  ReadClustersOptions,
  'kubeconfig' | 'contexts' | 'allContexts' | 'inCluster' | 'clusterNames' | 'allowExec' | 'allowInsecureKubeconfig' | 'env' | 'homedir' | 'cwd'
> & Pick<ReadExtras, 'inClusterPaths'>;

/**
 * The selected clusters, each judged by the gate (shared by the live scan and the cluster cache).
 * Nothing connects here. Throws LiveSelectionError when the selection as a whole cannot be made.
 */
export function selectTargets(opts: TargetSelection): Target[] {
  const targets: Target[] = [];
  if (opts.inCluster) targets.push(inClusterTarget(opts));
  const wantsKubeconfig = !opts.inCluster || opts.contexts.length > 0 || opts.allContexts || opts.kubeconfig !== undefined;
  if (!wantsKubeconfig) return targets;
  const set: KubeconfigSet = loadKubeconfigSet(opts);
  const selected = selectContexts(set, opts);
  const findings = judgeSet(set);
  const policy = { allowExec: opts.allowExec, allowInsecureKubeconfig: opts.allowInsecureKubeconfig, env: opts.env };
  for (const { name, resolved: rc } of selected) {
    if (!rc) {
      targets.push({
      name: opts.clusterNames.get(name) ?? name,
      context: name,
      server: '',
      spec: null,
      errors: [{ kind: 'kubeconfig', status: null, message: `no context named ${quote(name)} in ${set.files.map((f) => quote(f.file)).join(', ')}; kubectl config get-contexts lists them` }],
        notes: [],
      });
      continue;
    }
    const g = gateContext(set, findings, rc, policy);
    targets.push({
      name: opts.clusterNames.get(rc.context) ?? rc.context,
      context: rc.context,
      server: g.server,
      spec: g.ok ? g.spec : null,
      errors: g.ok ? [] : g.errors,
      notes: g.notes,
    });
  }
  return targets;
}

function inClusterTarget(opts: TargetSelection): Target {
  const name = opts.clusterNames.get('in-cluster') ?? 'in-cluster';
  const host = opts.env.KUBERNETES_SERVICE_HOST;
  const port = opts.env.KUBERNETES_SERVICE_PORT;
  const paths = opts.inClusterPaths ?? DEFAULT_IN_CLUSTER_PATHS;
  const fail = (message: string): Target => ({ name, context: null, server: '', spec: null, errors: [{ kind: 'kubeconfig', status: null, message }], notes: [] });
  if (!host || !port || !/^\d{1,5}$/.test(port) || !/^[A-Za-z0-9.:\-]+$/.test(host)) {
    return fail('--in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (or not a host and port): meshward is not running in a pod; use --kubeconfig instead');
  }
  const server = `https://${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
  let token: string;
  let ca: Buffer;
  try {
    token = readSmall(paths.token).toString('utf8').trim();
    ca = readSmall(paths.ca);
  } catch (err) {
    return { ...fail(`--in-cluster: cannot read the service account token or CA under ${quote(paths.token.replace(/\/[^/]*$/, ''))} (${(err as NodeJS.ErrnoException).code ?? 'error'}); is a service account token mounted?`), server };
  }
  return { name, context: null, server, spec: { server, caData: ca.toString('base64'), token, skipTLSVerify: false, impersonate: {} }, errors: [], notes: [] };
}

function readSmall(p: string): Buffer {
  const st = fs.statSync(p);
  if (!st.isFile() || st.size > 1024 * 1024) throw Object.assign(new Error('not a small regular file'), { code: 'EINVAL' });
  return fs.readFileSync(p);
}

// ---------------------------------------------------------------------------------------------------
// one cluster

export async function readOne(t: Target, opts: ReadClustersOptions & ReadExtras, tuning: Tuning): Promise<ClusterRead> {
  const started = performance.now();
  const summary: ClusterSummary = { name: t.name, context: t.context, server: t.server, status: 'error', resources: 0, durationMs: 0, errors: [...t.errors], notes: [] };
  if (!t.spec) {
    summary.durationMs = Math.round(performance.now() - started);
    return { summary, resources: [] };
  }
  emit(opts, { cluster: t.name, phase: 'connecting' });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(1, opts.clusterTimeoutMs));
  let conn: Connection | null = null;
  const perKind = new Map<string, Resource[]>();
  let resolvedKinds: ResolvedKind[] = [];
  let listedSomething = false;
  try {
    const opened = await connectAndDiscover(t.spec, opts.kinds, { tuning, requestTimeoutMs: opts.requestTimeoutMs, signal: controller.signal, sleep: opts.sleep });
    conn = opened.conn;
    const api = opened.api;
    summary.notes.push(...opened.absentNotes);
    summary.errors.push(...opened.failed);
    resolvedKinds = opened.resolved;
    emit(opts, { cluster: t.name, phase: 'listing' });

    const budget = { remaining: tuning.maxObjectsPerCluster };
    let cursor = 0;
    const kindWorker = async () => {
      while (cursor < resolvedKinds.length) {
        const rk = resolvedKinds[cursor++];
        try {
          const progress = (count: number) => emit(opts, { cluster: t.name, phase: 'listing', detail: `${rk.kind} ${count}` });
          const out: Resource[] = [];
          if (rk.group === '' && rk.kind === 'Secret') {
            // Only the Secrets rules read, by selector, each object once (selectors may overlap).
            const seen = new Set<string>();
            for (const sel of SECRET_SELECTORS) {
              let items: Record<string, unknown>[];
              try {
                ({ items } = await listKind(api, rk, tuning, budget, progress, sel.query));
              } catch (err) {
                // A server that cannot select on a field (fieldSelector type=) answers 400: those Secrets are missed, said in a note.
                if (err instanceof ApiError && err.status === 400) {
                  summary.notes.push(`Secrets selected by ${decodeURIComponent(sel.query)} not listed: the server refused the selector (400); ${sel.why} miss them`);
                  continue;
                }
                throw err;
              }
              for (const raw of items) {
                const m = (raw as { metadata?: { namespace?: unknown; name?: unknown; uid?: unknown } }).metadata;
                const id = `${String(m?.namespace)}/${String(m?.name)}`;
                if (seen.has(id)) continue;
                seen.add(id);
                out.push(liveResource(raw, rk, t.name, true));
              }
            }
          } else {
            // Sanitized page by page, in place (the parsed page is read's alone).
            for (const r of (await listKind(api, rk, tuning, budget, progress, '', (raw) => liveResource(raw, rk, t.name, true))).items) out.push(r);
          }
          perKind.set(rk.key, out);
          listedSomething = true;
        } catch (err) {
          summary.errors.push(kindError(rk, err, controller.signal.aborted, opts.clusterTimeoutMs));
          if (err instanceof ApiError && err.status === 403) summary.notes.push(`${rk.key} not listed (403 Forbidden): ${weakened(rk.key)}`);
        }
      }
    };
    const k = Math.max(1, Math.min(tuning.kindConcurrency, resolvedKinds.length || 1));
    await Promise.all(Array.from({ length: k }, kindWorker));
  } catch (err) {
    summary.errors.push(clusterError(err, controller.signal.aborted, opts.clusterTimeoutMs));
  } finally {
    clearTimeout(timer);
    conn?.close();
  }

  // Kinds in the order discovery resolved them (the rules' order), ids dense in the cluster.
  const resources: Resource[] = [];
  for (const rk of resolvedKinds) {
    for (const r of perKind.get(rk.key) ?? []) {
      r.id = resources.length;
      resources.push(r);
    }
  }
  perKind.clear();
  summary.resources = resources.length;
  const status: ClusterStatus = summary.errors.length === 0 ? 'ok' : listedSomething ? 'partial' : 'error';
  summary.status = status;
  summary.durationMs = Math.round(performance.now() - started);
  return { summary, resources };
}

/** One cluster connected and its kinds discovered: what a live scan lists and a cache watches. */
export interface OpenedCluster {
  conn: Connection;
  api: ApiRequester;
  /** Served kinds, one per resource (`Deployment` and `apps/Deployment`, which rules both write, are one). */
  resolved: ResolvedKind[];
  /** Every discovery answer, duplicates included (to map each asked key to its resource). */
  allResolved: ResolvedKind[];
  /** Kinds not served (CRDs not installed): one note per reason. */
  absentNotes: string[];
  absent: Array<{ key: string; reason: string }>;
  /** Kinds whose API group could not be discovered (403, 503 of an aggregated API...). */
  failed: ClusterError[];
}

/**
 * Kinds whose absence says nothing about the mesh: the workload kinds of projects most clusters do not
 * install (FOREIGN_TEMPLATE_GROUPS: Argo Rollouts). A cluster without them is the rule, so a note for
 * each scan would be noise; one that serves them is read like any other.
 */
function quietWhenAbsent(key: string): boolean {
  const { group, kind } = splitKindKey(key);
  const foreign = own(FOREIGN_TEMPLATE_GROUPS, kind);
  return foreign !== undefined && (group === null || group === foreign);
}

/**
 * Credentials through client-node, then discovery of `kinds`. Shared by the live scan and the cluster
 * cache. The connection is closed when discovery fails; otherwise the caller closes it.
 */
export async function connectAndDiscover(spec: ClientSpec, kinds: readonly string[], ro: RequesterOptions): Promise<OpenedCluster> {
  const conn = await connect(spec, ro.signal);
  try {
    const api = makeRequester(conn, ro);
    const disc = await discover(api, kinds);
    // One note per reason (a whole API group missing is one note, not one per kind).
    const absentBy = new Map<string, string[]>();
    for (const a of disc.absent) if (!quietWhenAbsent(a.key)) absentBy.set(a.reason, [...(absentBy.get(a.reason) ?? []), a.key]);
    const absentNotes: string[] = [];
    for (const [reason, keys] of absentBy) absentNotes.push(`${keys.join(', ')} skipped: ${reason}; no object of ${keys.length === 1 ? 'that kind' : 'those kinds'} can exist there, so no rule misses anything`);
    const failed: ClusterError[] = disc.failed.map((f) => ({ kind: f.key, status: f.status, message: `${f.message}; ${weakened(f.key)}` }));
    // `Deployment` and `apps/Deployment` (rules write both) are one resource: listed once.
    const byResource = new Set<string>();
    const resolved = disc.resolved.filter((rk) => {
      const id = `${rk.group}/${rk.resource}`;
      if (byResource.has(id)) return false;
      byResource.add(id);
      return true;
    });
    return { conn, api, resolved, allResolved: disc.resolved, absentNotes, absent: disc.absent, failed };
  } catch (err) {
    conn.close();
    throw err;
  }
}

function kindError(rk: ResolvedKind, err: unknown, timedOut: boolean, clusterTimeoutMs: number): ClusterError {
  if (err instanceof ApiError) return { kind: rk.key, status: err.status, message: `list ${rk.resource}: ${err.message}` };
  if (err instanceof BoundError) return { kind: rk.key, status: null, message: `list ${rk.resource}: ${err.message}` };
  if (err instanceof TransportError) {
    const msg = err.kind === 'aborted' && timedOut ? `not listed within the cluster timeout of ${clusterTimeoutMs} ms` : err.message;
    return { kind: rk.key, status: null, message: `list ${rk.resource}: ${msg}` };
  }
  return { kind: rk.key, status: null, message: `list ${rk.resource}: unexpected failure (${(err as Error)?.name ?? 'error'})` };
}

function clusterError(err: unknown, timedOut: boolean, clusterTimeoutMs: number): ClusterError {
  if (err instanceof DiscoveryError) return { kind: 'discovery', status: err.status, message: err.message };
  if (err instanceof TransportError) {
    if (err.kind === 'aborted' && timedOut) return { kind: 'connection', status: null, message: `nothing read within the cluster timeout of ${clusterTimeoutMs} ms` };
    return { kind: 'connection', status: null, message: err.message };
  }
  if (err instanceof ApiError) return { kind: 'connection', status: err.status, message: err.message };
  return { kind: 'connection', status: null, message: `unexpected failure (${(err as Error)?.name ?? 'error'})` };
}

/** Rules whose reads include a kind: what a kind not read weakens. */
export function rulesReading(key: string): string[] {
  const want = splitKindKey(key);
  const out: string[] = [];
  for (const r of allRules) {
    if (r.meta.reads.some((k) => k === key || (splitKindKey(k).kind === want.kind && (splitKindKey(k).group === null || want.group === null || splitKindKey(k).group === want.group)))) out.push(r.meta.id);
  }
  return out;
}

export function weakened(...keys: string[]): string {
  const ids = [...new Set(keys.flatMap(rulesReading))].sort();
  if (!ids.length) return 'no rule depends on it alone';
  return `rules weakened: ${ids.join(', ')}`;
}

