/**
 * Worker thread body of the server's analysis (./analysis-worker-host.ts): opens its own connection to
 * the store (SQLite in WAL mode and PostgreSQL both take a second connection), and for each job loads
 * one cluster's objects, runs the rules and records the findings there. Only the cluster's name goes
 * in and a few numbers come out: no object and no finding crosses threads, and the rules never hold
 * the server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/index.js';
import { allRules } from '../rules/index.js';
import { analyseStoredFleet, FleetInputs } from './analysis.js';
import { DEFAULT_CACHE_OBJECTS, IncrementalAnalyser } from './analysis-incremental.js';
const port = parentPort;
if (!port)
    throw new Error('analysis-worker.js is a worker thread body: start it through analysis-worker-host.ts');
const data = workerData;
const spec = data.spec;
// The cluster worker keeps recently analysed clusters' objects and findings: a change re-reads and re-runs only what it touches.
// The fleet worker keeps each cluster's fleet slice instead (and holds no cluster's whole objects).
const analyser = data.role === 'fleet' ? null : new IncrementalAnalyser(allRules, data.cacheObjects ?? DEFAULT_CACHE_OBJECTS);
const fleetInputs = new FleetInputs();
let store = null;
port.on('message', (job) => {
    if ('close' in job) {
        void (store ? store.then((s) => s.close()) : Promise.resolve()).finally(() => port.close());
        return;
    }
    void (async () => {
        try {
            store ??= openStore(spec);
            // cluster null: the fleet pass (its blast radius is plain data, cloned back for the API).
            const at = new Date(job.at);
            if (job.cluster !== null && !analyser)
                throw new Error('a cluster analysis was sent to the fleet worker');
            const result = job.cluster === null ? await analyseStoredFleet(await store, at, { inputs: fleetInputs, heard: job.heard ?? null }) : await analyser.run(await store, job.cluster, at, job.changes ?? null);
            port.postMessage({ id: job.id, result });
        }
        catch (err) {
            const e = err;
            const message = `${typeof e?.name === 'string' ? e.name : 'Error'}: ${typeof e?.message === 'string' ? e.message.split('\n')[0].slice(0, 300) : 'failed'}`;
            port.postMessage({ id: job.id, error: message });
        }
    })();
});
