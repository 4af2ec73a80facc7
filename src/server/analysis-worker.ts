/**
 * Worker thread body of the server's analysis (./analysis-worker-host.ts): opens its own connection to
 * the store (SQLite in WAL mode and PostgreSQL both take a second connection), and for each job loads
 * one cluster's objects, runs the rules and records the findings there. Only the cluster's name goes
 * in and a few numbers come out: no object and no finding crosses threads, and the rules never hold
 * the server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore, type StoreSpec } from '../store/index.js';
import type { Store } from '../store/types.js';
import { allRules } from '../rules/index.js';
import { analyseStoredFleet, FleetInputs, type FleetHeard } from './analysis.js';
import { DEFAULT_CACHE_OBJECTS, IncrementalAnalyser, type ClusterChanges } from './analysis-incremental.js';
import type { WriteFence } from '../store/types.js';
import type { Rule } from '../rules/types.js';
import { fencedStore } from './replicas/fence.js';
import { defaultConfig } from '../config/config.js';
import { loadCustomRules } from '../custom/index.js';

const port = parentPort;
if (!port) throw new Error('analysis-worker.js is a worker thread body: start it through analysis-worker-host.ts');

const data = workerData as { spec: StoreSpec; cacheObjects?: number; role?: 'cluster' | 'fleet'; ruleFiles?: readonly string[]; ruleIds?: readonly string[] };
const spec = data.spec;

/**
 * `server --rules`: the files the main thread loaded at start, loaded again here (compiled rules are
 * code and cannot be posted to a thread). Edited since? Then the worker would run rules the API does
 * not list: it refuses every job instead, naming what differs, until the server is restarted.
 */
async function workerRules(): Promise<readonly Rule[]> {
  if (!data.ruleFiles?.length) return allRules;
  const custom = await loadCustomRules({ cliPaths: data.ruleFiles, config: defaultConfig(), cwd: '/', env: process.env });
  const ids = custom.rules.map((r) => r.meta.id).join(',');
  if (ids !== (data.ruleIds ?? []).join(',')) {
    throw new Error('the --rules files changed since the server started (the analysis worker found other rule IDs); restart the server to load them');
  }
  return custom.all;
}

// The cluster worker keeps recently analysed clusters' objects and findings: a change re-reads and re-runs only what it touches.
// The fleet worker keeps each cluster's fleet slice instead (and holds no cluster's whole objects).
const analyser: Promise<IncrementalAnalyser | null> = data.role === 'fleet' ? Promise.resolve(null) : workerRules().then((rules) => new IncrementalAnalyser(rules, data.cacheObjects ?? DEFAULT_CACHE_OBJECTS));
// A failure is reported with each job (below), never as an unhandled rejection.
analyser.catch(() => undefined);
const fleetInputs = new FleetInputs();
let store: Promise<Store> | null = null;

type Job = { id: number; cluster: string | null; at: string; changes?: ClusterChanges | null; heard?: Map<string, FleetHeard> | null; fence?: WriteFence };

port.on('message', (job: Job | { id: number; compact: string } | { close: true }) => {
  if ('close' in job) {
    void (store ? store.then((s) => s.close()) : Promise.resolve()).finally(() => port.close());
    return;
  }
  if ('compact' in job) {
    // A kept model built again while the lane is idle (IncrementalAnalyser.compact): no store, no result but whether it built.
    void analyser
      .then((a) => (a ? a.compact(job.compact) : false))
      .then(
        (built) => port.postMessage({ id: job.id, result: built }),
        (err) => port.postMessage({ id: job.id, error: String((err as Error)?.message ?? err).split('\n')[0].slice(0, 300) }),
      );
    return;
  }
  void (async () => {
    try {
      store ??= openStore(spec);
      // Replicas: the job's writes are fenced by the lease it runs under.
      const s = job.fence ? fencedStore(await store, job.fence) : await store;
      // cluster null: the fleet pass (its blast radius is plain data, cloned back for the API).
      const at = new Date(job.at);
      const clusterAnalyser = job.cluster === null ? null : await analyser;
      if (job.cluster !== null && !clusterAnalyser) throw new Error('a cluster analysis was sent to the fleet worker');
      const result = job.cluster === null ? await analyseStoredFleet(s, at, { inputs: fleetInputs, heard: job.heard ?? null }) : await clusterAnalyser!.run(s, job.cluster, at, job.changes ?? null);
      port.postMessage({ id: job.id, result });
    } catch (err) {
      const e = err as { name?: unknown; message?: unknown } | null;
      const message = `${typeof e?.name === 'string' ? e.name : 'Error'}: ${typeof e?.message === 'string' ? e.message.split('\n')[0].slice(0, 300) : 'failed'}`;
      port.postMessage({ id: job.id, error: message });
    }
  })();
});
