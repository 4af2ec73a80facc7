/**
 * A test agent listener in its own process, so a test can `kill -9` it mid-ingest: SQLite store in the
 * given data dir, the test PKI's server certificate, the listed clusters registered. Prints `port N`
 * on stdout once listening. argv[2]: a JSON file {dataDir, caPem, certPem, keyPem, clusters}.
 */
import { readFileSync, writeSync } from 'node:fs';
import { openStore } from '../store/index.js';
import { StoreConflictError } from '../store/types.js';
import { TestIdentityService } from './relay-pki.js';
import { startTestAgentListener } from './relay-server.js';
const cfg = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8'));
const store = await openStore({ engine: 'sqlite', dataDir: cfg.dataDir });
const pki = { caPem: cfg.caPem, server: { certPem: cfg.certPem, keyPem: cfg.keyPem } };
const identity = new TestIdentityService(pki);
for (const c of cfg.clusters) {
    await identity.registerCluster(c);
    try {
        await store.createCluster(c, new Date());
    }
    catch (err) {
        if (!(err instanceof StoreConflictError))
            throw err;
    }
}
const listener = await startTestAgentListener({ store, identity });
writeSync(1, `port ${listener.port}\n`);
