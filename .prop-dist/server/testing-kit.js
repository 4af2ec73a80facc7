/**
 * Test helpers for the server's tests: a SQLite store in a temp folder, a server on 127.0.0.1 port 0
 * with viewer and admin tokens made up per run, and batches of objects written as ingest would
 * (store, then onStored). Not part of the server's runtime.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { sanitizeObject } from '../cluster/sanitize.js';
import { openStore } from '../store/index.js';
import { sha256Hex } from './api/auth.js';
import { startServer } from './server.js';
export function wire(obj, namespaced = true) {
    const copy = structuredClone(obj);
    const { obj: clean, secretFacts } = sanitizeObject(copy);
    return { apiVersion: String(obj.apiVersion), kind: String(obj.kind), namespaced, obj: clean, ...(secretFacts ? { secretFacts } : {}) };
}
export const upsert = (obj, namespaced = true) => ({ op: 'upsert', object: wire(obj, namespaced) });
export async function startTestServer(extra = {}, opts = {}) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'meshward-server-test-'));
    const viewer = `v-${randomBytes(16).toString('hex')}`;
    const admin = `a-${randomBytes(16).toString('hex')}`;
    const store = await openStore({ engine: 'sqlite', dataDir: dir });
    const server = await startServer({
        store,
        identity: null,
        agentRoutes: [],
        log: pino({ level: 'silent' }),
        auth: {
            tokens: [
                { name: 'viewer-one', role: 'viewer', sha256: sha256Hex(viewer) },
                { name: 'admin-one', role: 'admin', sha256: sha256Hex(admin) },
            ],
            proxyUsers: [{ user: 'boss@example.com', role: 'admin' }],
            proxyHeader: null,
            proxyCidrs: [],
        },
        apiPort: 0,
        debounceMs: 20,
        fleetDebounceMs: 20,
        defaultMetrics: false,
        analysisWorker: opts.worker ? { engine: 'sqlite', dataDir: dir } : null,
        ...extra,
    });
    return {
        server,
        store,
        url: server.apiUrl,
        viewer,
        admin,
        dir,
        async send(cluster, b) {
            const outcome = await store.applyBatch(cluster, { v: 1, cluster, agentVersion: 'test/1', sentAt: new Date().toISOString(), ...b }, new Date(), { maxObjects: 250_000 });
            if (outcome.status !== 'stored')
                throw new Error(`batch ${b.epoch}/${b.seq} for ${cluster} was not stored: ${outcome.status}`);
            server.listener.onStored(cluster, { epoch: b.epoch, seq: b.seq, type: b.type, last: b.last ?? false, changes: b.changes.length });
        },
        async get(p, token = viewer, headers = {}) {
            const res = await fetch(server.apiUrl + p, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
            const text = await res.text();
            let body = null;
            try {
                body = JSON.parse(text);
            }
            catch {
                body = null;
            }
            return { status: res.status, body, text, headers: res.headers };
        },
        async close() {
            await server.close();
            rmSync(dir, { recursive: true, force: true });
        },
    };
}
