/**
 * The telemetry flags shared by `scan`, `posture` and `graph`: `--metrics FILE`, `--prometheus URL`
 * (or `--prometheus CLUSTER=URL`, repeatable, for live scans), `--window`. The facts are loaded here,
 * on the thread that runs the rules; live clusters analysed in worker threads get them as plain data
 * (TrafficFactsData) and index them there (buildTrafficFacts).
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { redactUrl } from '../engine/redact.js';
import { terminalSafe } from '../engine/text.js';
import { parseWindow } from '../insights/sources/window.js';
import type { TrafficFacts } from '../insights/types.js';
export { factsData } from '../insights/facts.js';
import { UsageError, type CliIO } from './io.js';

export interface TelemetryFlags {
  metrics?: string;
  prometheus?: string[];
  window?: string;
  prometheusTimeout?: string;
}

export const DEFAULT_WINDOW = '1h';

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export function addTelemetryOptions(command: Command, opts: { perCluster: boolean } = { perCluster: true }): Command {
  command
    .option('--metrics <file>', 'Istio metrics as a Prometheus text or OpenMetrics file (one scrape): traffic facts for the telemetry rules (docs/telemetry.md)')
    .option(
      '--prometheus <url>',
      opts.perCluster
        ? 'query this Prometheus for Istio metrics over --window; CLUSTER=URL gives a live cluster its own (repeatable; a bare URL serves the files and every cluster without one)'
        : 'query this Prometheus for Istio metrics over --window',
      collect,
    )
    .addOption(new Option('--window <duration>', `the traffic window asked of --prometheus, 1m to 30d (e.g. 15m, 1h, 7d; default: ${DEFAULT_WINDOW})`))
    .option('--prometheus-timeout <duration>', 'longest one Prometheus query may take, e.g. 10s (default: 30s)');
  return command;
}

export interface TelemetryPlan {
  /** For the files (and every cluster without its own). */
  shared: { kind: 'file'; file: string; shown: string } | { kind: 'prometheus'; url: string } | null;
  /** Live clusters' own Prometheus, by cluster name. */
  perCluster: Map<string, string>;
  windowSeconds: number;
  timeoutMs?: number;
}

const NAMED = /^([A-Za-z0-9][A-Za-z0-9._-]{0,252})=(https?:\/\/.*)$/s;

/** Reads and checks the flags (usage errors for what cannot work); loads nothing yet. */
export function telemetryPlan(flags: TelemetryFlags, io: CliIO, opts: { perCluster: boolean } = { perCluster: true }): TelemetryPlan | null {
  const urls = flags.prometheus ?? [];
  if (!flags.metrics && urls.length === 0) {
    if (flags.window) throw new UsageError('--window sets the window asked of --prometheus; give --prometheus URL too');
    return null;
  }
  const windowSeconds = parseWindowFlag(flags.window ?? DEFAULT_WINDOW);
  const timeoutMs = flags.prometheusTimeout ? parseTimeout(flags.prometheusTimeout) : undefined;
  let shared: TelemetryPlan['shared'] = null;
  const perCluster = new Map<string, string>();
  for (const u of urls) {
    const named = opts.perCluster ? NAMED.exec(u) : null;
    if (named) {
      if (perCluster.has(named[1]!)) throw new UsageError(`--prometheus names cluster ${terminalSafe(named[1]!)} twice`);
      perCluster.set(named[1]!, named[2]!);
      continue;
    }
    if (!/^https?:\/\//i.test(u)) {
      throw new UsageError(`--prometheus ${redactUrl(u)}: give an http:// or https:// URL${opts.perCluster ? ', or CLUSTER=URL for a live cluster' : ''}`);
    }
    if (shared) throw new UsageError('--prometheus is given twice without a cluster name: give one URL, or CLUSTER=URL for each live cluster');
    shared = { kind: 'prometheus', url: u };
  }
  if (flags.metrics) {
    if (shared) throw new UsageError('--metrics and --prometheus both give traffic for the files: choose one');
    shared = { kind: 'file', file: path.resolve(io.cwd, flags.metrics), shown: flags.metrics };
  }
  if (flags.window && !urls.length) throw new UsageError('--window sets the window asked of --prometheus; a --metrics file is one scrape and has none');
  return { shared, perCluster, windowSeconds, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
}

function parseWindowFlag(v: string): number {
  try {
    return parseWindow(v);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function parseTimeout(v: string): number {
  const m = /^([0-9]{1,6})(ms|s|m)$/.exec(v.trim());
  const ms = m ? Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000) : NaN;
  if (!(ms >= 100 && ms <= 600_000)) throw new UsageError(`--prometheus-timeout ${terminalSafe(v.slice(0, 40))}: give a duration from 100ms to 10m, e.g. 10s`);
  return ms;
}

/** Loads the facts of one source; never throws for a source that is down or bad (notes instead). */
export async function loadSource(plan: TelemetryPlan, source: NonNullable<TelemetryPlan['shared']>): Promise<TrafficFacts> {
  // The readers are loaded here, by the runs that have a source, not by every scan.
  if (source.kind === 'file') {
    // Notes name the file as it was given, not its absolute path.
    return (await import('../insights/sources/exposition.js')).loadMetricsFile(source.file, { name: source.shown });
  }
  return (await import('../insights/sources/prometheus.js')).loadPrometheus({ url: source.url, windowSeconds: plan.windowSeconds, ...(plan.timeoutMs ? { timeoutMs: plan.timeoutMs } : {}) });
}

/** One line saying where the traffic facts came from, for the report's notes. */
export function describeFacts(f: TrafficFacts, cluster?: string): string {
  const where = f.source.kind === 'file' ? `the metrics file ${terminalSafe(f.source.name)}` : `Prometheus ${f.source.name}`;
  const window = f.source.kind === 'file' ? 'counters since each proxy started' : `the last ${formatWindow(f.source.windowSeconds)}`;
  return `${cluster ? `${terminalSafe(cluster)}: ` : ''}traffic facts: ${f.edges.length} edge${f.edges.length === 1 ? '' : 's'} from ${where} (${window})`;
}

export function formatWindow(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
