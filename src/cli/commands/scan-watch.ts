/**
 * `meshward scan --watch` (issue 11, issue 17): one live cluster watched through its informers
 * (src/cluster/informer.ts, the cache the webhook and the agent use), analysed by the incremental
 * engine (src/engine/incremental.ts). First the whole report of the cluster once its first lists are
 * in; then, after each burst of changes (debounced), only the findings that appeared and those that
 * went away. Runs until Ctrl-C or SIGTERM.
 *
 * Exit codes (docs/live.md): 0 stopped by SIGINT/SIGTERM (a watch reports; gate a build with a plain
 * `scan`); 1 the cluster's first lists did not complete within --cluster-timeout; 2 a usage error
 * (files with --watch, several clusters, a report format other than text or json, an output file, a
 * refused kubeconfig).
 */
import os from 'node:os';
import type { ClusterCache, CacheChange } from '../../cluster/cache-types.js';
import type { LiveSelection } from '../../cluster/types.js';
import { IncrementalEngine, allFindings } from '../../engine/incremental.js';
import { plainFinding } from '../../engine/run.js';
import { foldOwnedFindings } from '../../engine/owned.js';
import type { Finding, Severity } from '../../engine/finding.js';
import { terminalSafe } from '../../engine/text.js';
import { LiveLocator } from '../../cluster/live-locator.js';
import type { ModelOptions } from '../../model/model.js';
import { kindKey, type Resource } from '../../model/resource.js';
import type { RuleSettings } from '../../config/settings.js';
import type { Rule } from '../../rules/types.js';
import { liveKinds, parseDuration } from '../live.js';
import { UsageError, EXIT_OK, type CliIO } from '../io.js';
import { describeRuleFailure } from '../rule-failures.js';

/** Quiet time after a change before the analysis runs: a rollout's burst of events is one report. */
export const DEFAULT_WATCH_DEBOUNCE_MS = 500;

export interface WatchOptions {
  selection: LiveSelection;
  rules: readonly Rule[];
  settings: RuleSettings;
  model: ModelOptions;
  disabled: ReadonlySet<string>;
  severityOverrides: Record<string, Severity>;
  format: 'text' | 'json';
  debounce?: string;
  io: CliIO;
  /** Tests: open the cache some other way. */
  openCache?: (selection: LiveSelection, kinds: string[], io: CliIO) => Promise<ClusterCache>;
  /** Tests: stop without a signal. */
  stopSignal?: AbortSignal;
}

/** Usage checks for --watch that need only the flags (before anything is read). */
export function checkWatchUsage(paths: readonly string[], selection: LiveSelection | null, outputs: ReadonlyArray<{ format: string; file: string | null }>, extra: { baseline?: string; writeBaseline?: string }): void {
  if (!selection) throw new UsageError('--watch watches a live cluster: add --context NAME, --kubeconfig FILE or --in-cluster');
  if (paths.length) throw new UsageError('--watch watches a live cluster, not files: leave out the paths (or leave out --watch to scan them)');
  if (selection.allContexts || selection.contexts.length > 1) throw new UsageError('--watch watches one cluster: give one --context (run one `meshward scan --watch` per cluster)');
  if (outputs.length > 1 || outputs.some((o) => o.file !== null)) throw new UsageError('--watch writes a stream to standard output: leave out --output and give one --format (text or json)');
  if (outputs[0] && outputs[0].format !== 'text' && outputs[0].format !== 'json') throw new UsageError(`--watch writes text or json (one JSON line per event), not ${terminalSafe(outputs[0].format)}`);
  if (extra.baseline !== undefined || extra.writeBaseline !== undefined) throw new UsageError('--watch reports new and resolved findings itself: leave out --baseline and --write-baseline');
}

function identity(r: Resource): string {
  return `${kindKey(r.group, r.kind)}\u0000${r.namespace}\u0000${r.name}`;
}

/** A finding's identity across runs: its fingerprint, plus what the reader sees (a changed severity or message is a new finding). */
function findingKey(f: Finding): string {
  return `${f.fingerprint}\u0000${f.severity}\u0000${f.message}`;
}

export async function runWatch(opts: WatchOptions): Promise<number> {
  const { io, selection } = opts;
  const debounceMs = opts.debounce === undefined ? DEFAULT_WATCH_DEBOUNCE_MS : parseDuration(opts.debounce, '--watch-debounce');
  const rules = opts.rules.filter((r) => !opts.disabled.has(r.meta.id));
  const kinds = liveKinds(rules);
  const cache = await (opts.openCache ?? openCache)(selection, kinds, io);
  const cluster = cache.name;
  const write = (line: string) => io.stdout.write(line + '\n');
  const emit = opts.format === 'json' ? (event: Record<string, unknown>) => write(JSON.stringify(event)) : null;

  // Changes are collected from the start: none is lost between the first lists and the first analysis.
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let synced = false;
  const objects = new Map<string, Resource>();
  const unsubscribe = cache.subscribe((change: CacheChange) => {
    const key = identity(change.resource);
    if (change.type === 'DELETED') objects.delete(key);
    else objects.set(key, change.resource);
    if (!synced) return;
    pending.add(key);
    if (timer) clearTimeout(timer);
    timer = setTimeout(analyseChanges, debounceMs);
  });

  const engine = new IncrementalEngine(rules, {
    settings: opts.settings,
    model: opts.model,
    locator: () => new LiveLocator(),
    compact: true,
    severityOverrides: opts.severityOverrides,
  });
  let open = new Map<string, Finding>();
  const failuresShown = new Set<string>();
  const reportFailures = (failures: ReadonlyArray<{ ruleId: string; message: string }>) => {
    for (const f of failures) {
      if (failuresShown.has(f.ruleId)) continue;
      failuresShown.add(f.ruleId);
      io.stderr.write(describeRuleFailure(f));
    }
  };

  // As scan reports a cluster: findings on ReplicaSets, Pods and Jobs folded into their controller's
  // (src/engine/owned.ts), so a rollout or a restarted pod opens nothing its Deployment already has.
  const reported = (result: Parameters<typeof allFindings>[0]) => foldOwnedFindings(allFindings(result), objects.values()).findings;

  function analyseChanges(): void {
    timer = null;
    const changed = pending;
    pending = new Set();
    const result = engine.analyse(objects, changed);
    reportFailures(result.failures);
    const now = new Map<string, Finding>();
    for (const f of reported(result)) now.set(findingKey(f), f);
    const added = [...now].filter(([k]) => !open.has(k)).map(([, f]) => f);
    const resolved = [...open].filter(([k]) => !now.has(k)).map(([, f]) => f);
    open = now;
    if (!added.length && !resolved.length) return;
    const at = new Date().toISOString();
    if (emit) {
      emit({ event: 'change', cluster, at, objects: objects.size, changed: changed.size, new: added.map(plainFinding), resolved: resolved.map(plainFinding) });
      return;
    }
    write(`${at} ${terminalSafe(cluster)}: ${added.length} new, ${resolved.length} resolved (${changed.size} object${changed.size === 1 ? '' : 's'} changed)`);
    for (const f of sorted(added)) write(`+ ${findingLine(f)}`);
    for (const f of sorted(resolved)) write(`- ${findingLine(f)}`);
  }

  let stopped: (signal: string) => void = () => {};
  const stop = new Promise<string>((resolve) => (stopped = resolve));
  const onInt = () => stopped('SIGINT');
  const onTerm = () => stopped('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  opts.stopSignal?.addEventListener('abort', () => stopped('abort'));
  let syncTimer: NodeJS.Timeout | null = null;
  try {
    const first = await Promise.race([
      cache.whenSynced().then(() => 'synced' as const),
      stop,
      new Promise<'timeout'>((resolve) => (syncTimer = setTimeout(() => resolve('timeout'), selection.clusterTimeoutMs))),
    ]);
    if (first === 'timeout') {
      const status = cache.status();
      const unsynced = status.kinds.filter((k) => k.served && !k.synced).map((k) => `${k.kind}${k.lastError ? ` (${k.lastError.message})` : ''}`);
      io.stderr.write(`meshward: ${terminalSafe(cluster)}: the first lists did not complete within --cluster-timeout ${Math.round(selection.clusterTimeoutMs / 1000)}s${unsynced.length ? `; not listed: ${terminalSafe(unsynced.slice(0, 5).join(', '))}` : ''}; check the cluster's reachability and meshward's RBAC, or give a longer --cluster-timeout\n`);
      return 1;
    }
    if (first !== 'synced') return finish(first);
    // The cache's objects now (every event so far has been applied to `objects` too, but the cache is the truth).
    objects.clear();
    for (const r of cache.resources()) objects.set(identity(r), r);
    synced = true;
    const result = engine.analyse(objects, null);
    reportFailures(result.failures);
    for (const f of reported(result)) open.set(findingKey(f), f);
    const findings = sorted([...open.values()]);
    const at = new Date().toISOString();
    if (emit) emit({ event: 'report', cluster, at, objects: objects.size, findings: findings.map(plainFinding) });
    else {
      write(`${at} ${terminalSafe(cluster)}: ${objects.size} objects, ${findings.length} finding${findings.length === 1 ? '' : 's'}; watching for changes (Ctrl-C stops)`);
      for (const f of findings) write(`  ${findingLine(f)}`);
    }
    return finish(await stop);
  } finally {
    if (syncTimer) clearTimeout(syncTimer);
    if (timer) clearTimeout(timer);
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    unsubscribe();
    await cache.close();
  }

  function finish(signal: string): number {
    if (emit) emit({ event: 'stopped', cluster, signal, open: open.size });
    else io.stderr.write(`meshward: ${signal === 'abort' ? 'stopped' : `${signal}: stopped`}; ${open.size} finding${open.size === 1 ? '' : 's'} open in ${terminalSafe(cluster)}\n`);
    return EXIT_OK;
  }
}

const SEVERITY_ORDER: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

function sorted(list: Finding[]): Finding[] {
  return [...list].sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9) || a.ruleId.localeCompare(b.ruleId) || a.fingerprint.localeCompare(b.fingerprint));
}

/** One line per finding: severity, rule, the object, the message (all escaped for the terminal). */
function findingLine(f: Finding): string {
  const r = f.resource;
  const where = `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
  return `${f.severity.toUpperCase().padEnd(8)} ${f.ruleId} ${terminalSafe(where)}: ${terminalSafe(f.message)}`;
}

/** The informer cache of the one selected cluster; its kubeconfig judged by the gate first. */
async function openCache(selection: LiveSelection, kinds: string[], io: CliIO): Promise<ClusterCache> {
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
      kinds,
      env: io.env,
      homedir: io.homedir ?? os.homedir(),
      cwd: io.cwd,
    });
  } catch (err) {
    if (err instanceof LiveSelectionError) throw new UsageError(err.message);
    throw err;
  }
}
