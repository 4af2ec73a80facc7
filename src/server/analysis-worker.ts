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
import { fencedStore } from './replicas/fence.js';

const port = parentPort;
if (!port) throw new Error('analysis-worker.js is a worker thread body: start it through analysis-worker-host.ts');

const data = workerData as { spec: StoreSpec; cacheObjects?: number; role?: 'cluster' | 'fleet' };
const spec = data.spec;
// The cluster worker keeps recently analysed clusters' objects and findings: a change re-reads and re-runs only what it touches.
// The fleet worker keeps each cluster's fleet slice instead (and holds no cluster's whole objects).
const analyser = data.role === 'fleet' ? null : new IncrementalAnalyser(allRules, data.cacheObjects ?? DEFAULT_CACHE_OBJECTS);
const fleetInputs = new FleetInputs();
let store: Promise<Store> | null = null;

port.on('message', (job: { id: number; cluster: string | null; at: string; changes?: ClusterChanges | null; heard?: Map<string, FleetHeard> | null; fence?: WriteFence } | { close: true }) => {
  if ('close' in job) {
    void (store ? store.then((s) => s.close()) : Promise.resolve()).finally(() => port.close());
    return;
  }
  void (async () => {
    try {
      store ??= openStore(spec);
      // Replicas: the job's writes are fenced by the lease it runs under.
      const s = job.fence ? fencedStore(await store, job.fence) : await store;
      // cluster null: the fleet pass (its blast radius is plain data, cloned back for the API).
      const at = new Date(job.at);
      if (job.cluster !== null && !analyser) throw new Error('a cluster analysis was sent to the fleet worker');
      const result = job.cluster === null ? await analyseStoredFleet(s, at, { inputs: fleetInputs, heard: job.heard ?? null }) : await analyser!.run(s, job.cluster, at, job.changes ?? null);
      port.postMessage({ id: job.id, result });
    } catch (err) {
      const e = err as { name?: unknown; message?: unknown } | null;
      const message = `${typeof e?.name === 'string' ? e.name : 'Error'}: ${typeof e?.message === 'string' ? e.message.split('\n')[0].slice(0, 300) : 'failed'}`;
      port.postMessage({ id: job.id, error: message });
    }
  })();
});
