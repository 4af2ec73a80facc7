/**
 * Worker thread body of the live analysis pool (./analyse-worker-pool.ts): reads one cluster (connection,
 * discovery, paginated lists, JSON parse, sanitizer), builds its model, runs the rules, and posts back
 * only the findings and the small facts `scan` keeps. The cluster's JSON text and objects never cross
 * threads: handing 10,000 sanitized objects over by structured clone costs the main thread about as
 * much as parsing them (measured: v8.serialize 170-220 ms and deserialize 450-500 ms for one
 * 8,700-object cluster), so the whole per-cluster pipeline runs here.
 *
 * Several clusters may be in flight in one worker (the pool is smaller than --cluster-concurrency on a
 * small machine): their reads interleave, their analyses (synchronous) follow one another. Each
 * cluster's objects are dropped as soon as its findings are made, so memory still follows the
 * concurrency, not the fleet.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setAdvisoryClock, setAdvisoryDatabase } from '../advisories/database.js';
import { analyseCluster, inCanonicalOrder, telemetryFor } from '../cli/live.js';
import type { ScanOptions } from '../engine/scan.js';
import { allRules, findRule } from '../rules/index.js';
import type { Rule } from '../rules/types.js';
import { DEFAULT_TUNING } from './list.js';
import { readOne } from './read.js';
import { packFindings } from './analyse-worker-wire.js';
import { threadCpuMs } from '../loader/timings.js';
import type { ProgressEvent, ReadClustersOptions } from './types.js';
import type { PoolReply, PoolJob, WorkerAnalysis } from './analyse-worker-pool.js';

const port = parentPort;
if (!port) throw new Error('analyse-worker.js is a worker thread body: start it through analyse-worker-pool.ts');

const analysis = workerData as WorkerAnalysis;
// The same advisory data and "today" as the main thread (an --advisories file, a clock fixed by a test).
if (analysis.advisories) setAdvisoryDatabase(analysis.advisories);
setAdvisoryClock(new Date(analysis.now));
// Loaded only when the HTML report wants posture tables: most scans never need it.
const postureView = analysis.posture ? (await import('../cli/commands/posture.js')).postureView : undefined;
const scanOptions: ScanOptions = {
  rules: rulesOf(analysis.ruleIds),
  model: analysis.model,
  settings: analysis.settings,
  disabled: new Set(analysis.disabled),
  severityOverrides: analysis.severityOverrides,
  // Compact while the rules run (a cluster can make hundreds of thousands); plain when posted.
  compactFindings: true,
  ...(analysis.foldOwned ? { foldOwned: true } : {}),
};

function rulesOf(ids: readonly string[] | null): readonly Rule[] {
  if (ids === null) return allRules;
  return ids.map((id) => {
    const rule = findRule(id);
    if (!rule) throw new Error(`rule ${id} is not known to the analysis worker`);
    return rule;
  });
}

const post = (reply: PoolReply) => port.postMessage(reply);

port.on('message', (job: PoolJob) => {
  void runJob(job);
});

async function runJob(job: PoolJob): Promise<void> {
  const { id, target } = job;
  if (job.fault?.crash === target.name) {
    // Test hook (analyse-worker-pool.test.ts): a worker that dies with clusters in flight.
    setImmediate(() => process.exit(71));
    return;
  }
  let summary = null;
  try {
    const onProgress = (event: ProgressEvent) => post({ type: 'progress', id, event });
    const read = await readOne(target, { ...job.read, onProgress } as unknown as ReadClustersOptions, DEFAULT_TUNING);
    summary = read.summary;
    if (read.summary.status !== 'error') post({ type: 'progress', id, event: { cluster: read.summary.name, phase: 'analysing' } });
    if (job.fault?.throw === target.name) throw new Error('fault injected by a test');
    inCanonicalOrder(read.resources);
    const result = analyseCluster(read, { ...scanOptions, telemetry: telemetryFor(analysis.telemetry, read.summary.name) }, postureView);
    read.resources = [];
    // Compact findings are class instances whose text is made when read: posted packed (./analyse-worker-wire.ts).
    post({ type: 'done', id, summary: read.summary, result: { ...result, findings: packFindings(result.findings) }, cpuMs: threadCpuMs() });
  } catch (err) {
    post({ type: 'failed', id, summary, message: describeFailure(err), cpuMs: threadCpuMs() });
  }
}

/** The error's kind and first line, bounded: the objects are sanitized, but a message is not the place for them. */
function describeFailure(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown } | null;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0].slice(0, 300) : String(err).slice(0, 300);
  return `${name}: ${message}`;
}
