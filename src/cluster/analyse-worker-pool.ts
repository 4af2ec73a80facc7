/**
 * Live clusters read and analysed off the main thread (issue 11, benchmark (c): 20 clusters of 10,000
 * objects were CPU-bound on one thread).
 *
 * The main thread keeps what must happen once and in order: the kubeconfig gate (every context is
 * judged here, before any worker is given a connection spec), progress, and the merged report. A small
 * pool of worker threads (./analyse-worker.ts) does each cluster's work end to end: connect, list,
 * parse, sanitize, model, rules. Only findings come back. At most `concurrency` clusters are in flight
 * across the pool (a cluster's objects live only in the worker reading it, and are dropped once its
 * findings are made), so memory still follows --cluster-concurrency, not the fleet.
 *
 * A worker that throws on a cluster turns that cluster into `status: error` (kind `analysis`); one that
 * dies (a crash, out of memory) does that to every cluster it had in flight, and is replaced for the
 * clusters after them. The rest of the run goes on.
 */
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { terminalSafe } from '../engine/text.js';
import type { Severity } from '../engine/finding.js';
import type { AdvisoryDatabase } from '../advisories/database.js';
import type { RuleSettings } from '../config/settings.js';
import type { ModelOptions } from '../model/model.js';
import type { ClusterFindings, ClusterTelemetry } from '../cli/live.js';
import { threadCpuMs, timingNote, timingsEnabled } from '../loader/timings.js';
import { loosenHeapGrowth, restoreHeapGrowth } from '../engine/heap-growth.js';
import { DEFAULT_TUNING } from './list.js';
import { unpackFindings, type PackedFindings } from './analyse-worker-wire.js';
import { readOne, selectTargets, type Target } from './read.js';
import type { ClusterSummary, ProgressEvent, ReadClustersOptions } from './types.js';

const WORKER_URL = new URL('./analyse-worker.js', import.meta.url);

/**
 * V8's interrupt budget (bytecode executed before a function is considered for TurboFan) while the
 * pool runs, as a multiple of V8's default (67,584 in Node 20). Each worker is an isolate of its own
 * that compiles the same hot code again, and with the default about 1,400 TurboFan jobs ran on the
 * 20 x 10,000 benchmark fleet: 4-9 s of background-thread CPU out of 21-24 s. Four times the budget
 * leaves to TurboFan only the functions that really are hot (parsing, sanitizing, model indexes, the
 * rules' inner loops); the rest stay in Sparkplug. Measured on that fleet (shared 2-core machine):
 * total CPU 18.9-20.1 s instead of 21.7-24.2 s, worker threads' own CPU unchanged (5.4-6.0 s each).
 * The flag is process-wide and read when code starts running, so it is set before the workers start
 * and put back after (the main thread then writes the report with V8's defaults).
 *
 * Heap growth: the CLI bounds it to 1.5x per full collection (src/cli/bin.ts, for runs holding a million
 * findings), a process-wide flag too. A worker's live set is the few clusters it has in flight, and its
 * garbage (JSON text, raw objects) is short-lived, so under 1.5x each worker marked its whole heap far
 * more often. While the pool runs the bound is 2x (LIVE_HEAP_GROWING_PERCENT). Same fleet: total CPU
 * 16.3 s against 19.8 s, peak RSS 596 MB against 575 MB (V8's own growth: 16.2 s, 695 MB).
 *
 * MESHWARD_LIVE_V8_TUNING=0 turns both off (to measure, or if a Node release makes them harmful).
 */
export const LIVE_INTERRUPT_BUDGET = 4 * 67_584;
export const LIVE_HEAP_GROWING_PERCENT = 100;
const DEFAULT_INTERRUPT_BUDGET = 67_584;

/** Sets the pool's V8 tuning; returns how to undo it (nothing when the user set the flag or turned tuning off). */
function tuneV8ForPool(env: Readonly<Record<string, string | undefined>>): () => void {
  if (env.MESHWARD_LIVE_V8_TUNING === '0') return () => undefined;
  loosenHeapGrowth(LIVE_HEAP_GROWING_PERCENT);
  if (process.execArgv.some((a) => /^--interrupt[-_]budget=/.test(a))) return restoreHeapGrowth;
  v8.setFlagsFromString(`--interrupt-budget=${LIVE_INTERRUPT_BUDGET}`);
  return () => {
    v8.setFlagsFromString(`--interrupt-budget=${DEFAULT_INTERRUPT_BUDGET}`);
    restoreHeapGrowth();
  };
}

/** Everything a worker needs to analyse as the main thread would: plain data (it is cloned once per worker). */
export interface WorkerAnalysis {
  /** Rule IDs to run, in order; null for every rule. */
  ruleIds: string[] | null;
  model: Pick<ModelOptions, 'meshConfig' | 'tenantPolicy'>;
  settings?: Partial<RuleSettings>;
  disabled: string[];
  severityOverrides?: Record<string, Severity>;
  /** The advisory database the main thread uses (bundled or --advisories), already validated; null: the worker loads the bundled one itself. */
  advisories: AdvisoryDatabase | null;
  /** "Today" for end-of-support rules (ISO date-time), fixed when the run starts. */
  now: string;
  /** Traffic facts for the telemetry rules, per cluster (--prometheus, --metrics), as plain data. */
  telemetry?: ClusterTelemetry;
  /** Make each cluster's posture view too (the HTML report's posture table). */
  posture?: boolean;
  /** Fold findings on objects a controller runs into the controller's (ScanOptions.foldOwned). */
  foldOwned?: boolean;
}

/** Test hooks: the worker dies, or throws, on the cluster of that name. */
export interface PoolFaults {
  crash?: string;
  throw?: string;
}

export interface PoolJob {
  id: number;
  target: Target;
  read: { kinds: readonly string[]; requestTimeoutMs: number; clusterTimeoutMs: number };
  fault?: PoolFaults;
}

export type PoolReply =
  | { type: 'progress'; id: number; event: ProgressEvent }
  | { type: 'done'; id: number; summary: ClusterSummary; result: WireFindings; cpuMs?: number }
  | { type: 'failed'; id: number; summary: ClusterSummary | null; message: string; cpuMs?: number };

/** ClusterFindings as posted by a worker: the findings packed. */
export type WireFindings = Omit<ClusterFindings, 'findings'> & { findings: PackedFindings };

export interface PoolOptions {
  /** Worker threads (at most; never more than the clusters to read). */
  size: number;
  faults?: PoolFaults;
}

type Outcome = Extract<PoolReply, { type: 'done' | 'failed' }>;

/** One worker thread and the clusters it has in flight. */
class PoolWorker {
  readonly jobs = new Map<number, { resolve: (o: Outcome) => void; onProgress: (e: ProgressEvent) => void }>();
  private readonly worker: Worker;
  dead = false;
  private closing = false;
  /** The thread's CPU time (ms) when it last finished a cluster, for MESHWARD_TIMINGS. */
  cpuMs = 0;

  constructor(analysis: WorkerAnalysis) {
    this.worker = new Worker(WORKER_URL, { workerData: analysis });
    this.worker.on('message', (reply: PoolReply) => {
      const job = this.jobs.get(reply.id);
      if (!job) return;
      if (reply.type === 'progress') job.onProgress(reply.event);
      else {
        this.jobs.delete(reply.id);
        if (typeof reply.cpuMs === 'number') this.cpuMs = reply.cpuMs;
        job.resolve(reply);
      }
    });
    this.worker.on('error', (err: Error) => this.die(`${err?.name ?? 'Error'}: ${String(err?.message ?? err).split('\n')[0].slice(0, 300)}`));
    this.worker.on('exit', (code) => this.die(`exit code ${code}`));
  }

  run(job: PoolJob, onProgress: (e: ProgressEvent) => void): Promise<Outcome> {
    return new Promise((resolve) => {
      this.jobs.set(job.id, { resolve, onProgress });
      this.worker.postMessage(job);
    });
  }

  /** Every cluster in flight fails with the reason; the worker takes no more. */
  private die(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    if (this.closing) return;
    const message = `the analysis worker thread stopped (${reason}) while this cluster was being read or analysed, so its findings are missing; rerun, and if it happens again report it (MESHWARD_LIVE_WORKERS=0 analyses on the main thread instead)`;
    for (const [id, job] of this.jobs) job.resolve({ type: 'failed', id, summary: null, message });
    this.jobs.clear();
    void this.worker.terminate();
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}

/**
 * readClusters (./read.ts) with each cluster's reading and analysis in a worker: same gate, same
 * order of summaries, same progress phases. `onCluster` gets each cluster's summary and findings
 * (null for a cluster refused by the gate or that failed) as soon as it is done.
 */
export async function readAndAnalyseInWorkers(
  opts: ReadClustersOptions,
  analysis: WorkerAnalysis,
  pool: PoolOptions,
  onCluster: (summary: ClusterSummary, result: ClusterFindings | null) => void,
): Promise<ClusterSummary[]> {
  const mainCpuAtStart = timingsEnabled() ? threadCpuMs() : 0;
  const targets = selectTargets(opts);
  for (const t of targets) for (const n of t.notes) opts.onNote?.(n);
  const emit = (e: ProgressEvent) => opts.onProgress?.({ ...e, cluster: terminalSafe(e.cluster), detail: e.detail === undefined ? undefined : terminalSafe(e.detail) });

  const connectable = targets.filter((t) => t.spec).length;
  const concurrency = Math.max(1, Math.min(Math.floor(opts.concurrency) || 1, targets.length || 1));
  const size = Math.max(1, Math.min(Math.floor(pool.size) || 1, concurrency, connectable || 1));
  const untune = connectable ? tuneV8ForPool(process.env) : () => undefined;
  const workers: Array<PoolWorker | null> = Array.from({ length: connectable ? size : 0 }, () => new PoolWorker(analysis));
  // CPU of workers that died and were replaced (MESHWARD_TIMINGS).
  const spent: number[] = [];
  // The least busy live worker; a dead one is replaced for the clusters after its crash.
  const pick = (): PoolWorker => {
    let best = -1;
    for (let i = 0; i < workers.length; i++) {
      if (!workers[i] || workers[i]!.dead) {
        if (workers[i]) spent.push(workers[i]!.cpuMs);
        workers[i] = new PoolWorker(analysis);
      }
      if (best < 0 || workers[i]!.jobs.size < workers[best]!.jobs.size) best = i;
    }
    return workers[best]!;
  };

  const summaries: ClusterSummary[] = new Array(targets.length);
  let next = 0;
  // A failure of the caller's onCluster stops the run (as in readClusters): no more clusters are started.
  let failed = false;
  const slot = async () => {
    while (!failed && next < targets.length) {
      const i = next++;
      const t = targets[i];
      if (!t.spec) {
        // Refused by the gate: nothing to read, nothing to send to a worker.
        const { summary } = await readOne(t, opts, DEFAULT_TUNING);
        summaries[i] = summary;
        emit({ cluster: summary.name, phase: 'refused', detail: firstLine(summary.errors[0]?.message) });
        onCluster(summary, null);
        continue;
      }
      const started = performance.now();
      const outcome = await pick().run(
        { id: i, target: t, read: { kinds: opts.kinds, requestTimeoutMs: opts.requestTimeoutMs, clusterTimeoutMs: opts.clusterTimeoutMs }, ...(pool.faults ? { fault: pool.faults } : {}) },
        emit,
      );
      if (outcome.type === 'done') {
        summaries[i] = outcome.summary;
        if (outcome.summary.status === 'error') emit({ cluster: outcome.summary.name, phase: 'error', detail: firstLine(outcome.summary.errors[0]?.message) });
        onCluster(outcome.summary, { ...outcome.result, findings: unpackFindings(outcome.result.findings) });
      } else {
        const base: ClusterSummary = outcome.summary ?? { name: t.name, context: t.context, server: t.server, status: 'error', resources: 0, durationMs: Math.round(performance.now() - started), errors: [], notes: [] };
        const summary: ClusterSummary = { ...base, status: 'error', errors: [...base.errors, { kind: 'analysis', status: null, message: outcome.message }] };
        summaries[i] = summary;
        emit({ cluster: summary.name, phase: 'error', detail: firstLine(outcome.message) });
        onCluster(summary, null);
      }
    }
  };
  try {
    await Promise.all(
      Array.from({ length: concurrency }, () =>
        slot().catch((err) => {
          failed = true;
          throw err;
        }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w?.close()));
    untune();
  }
  if (timingsEnabled()) {
    const cpu = [...spent, ...workers.filter((w): w is PoolWorker => w !== null).map((w) => w.cpuMs)];
    timingNote(`live clusters: ${cpu.length} analysis worker thread${cpu.length === 1 ? '' : 's'}, cpu ${cpu.map((ms) => (ms / 1000).toFixed(2)).join(' + ')} s; main thread cpu during the live phase ${((threadCpuMs() - mainCpuAtStart) / 1000).toFixed(2)} s`);
  }
  return summaries;
}

function firstLine(s: string | undefined): string | undefined {
  return s === undefined ? undefined : s.split('\n')[0].slice(0, 300);
}
