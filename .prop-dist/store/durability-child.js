/**
 * The process the durability test kills: it opens the store named by argv[2] (a StoreSpec as JSON),
 * applies a snapshot and then one delta after another to cluster argv[3], and writes `ack SEQ` to
 * stdout (synchronously) only after applyBatch resolved, exactly when the server would acknowledge.
 * It runs until killed.
 */
import { writeSync } from 'node:fs';
import { openStore } from './index.js';
import { batch, upsert, wireObject } from './store-suite-data.js';
const spec = JSON.parse(process.argv[2] ?? '');
const cluster = process.argv[3] ?? '';
const store = await openStore(spec);
const maxObjects = { maxObjects: 1_000_000 };
let r = await store.applyBatch(cluster, batch('crash-epoch', 1, 'snapshot', [upsert(wireObject('Service', 'ns', 'snap-0'))], true), new Date(), maxObjects);
if (r.status !== 'stored')
    throw new Error(`snapshot not stored: ${r.status}`);
writeSync(1, 'ack 1\n');
for (let seq = 2;; seq++) {
    r = await store.applyBatch(cluster, batch('crash-epoch', seq, 'delta', [upsert(wireObject('Service', 'ns', `delta-${seq}`, { spec: { pad: 'x'.repeat(2000) } }))]), new Date(), maxObjects);
    if (r.status !== 'stored')
        throw new Error(`delta ${seq} not stored: ${r.status}`);
    writeSync(1, `ack ${seq}\n`);
}
