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
import type { Store } from '../store/types.js';
import type { Batch, Change, WireObject } from '../relay/protocol.js';
import { sha256Hex } from './api/auth.js';
import { startServer, type RunningServer, type ServerOptions } from './server.js';
import { storedKeys } from './ingest.js';

export interface TestServer {
  server: RunningServer;
  store: Store;
  url: string;
  viewer: string;
  admin: string;
  dir: string;
  /**
   * Stores a batch for `cluster` (as ingest does after authentication) and tells the analysis; with
   * `keys`, a delta's keys go along as ingest sends them (storedKeys: incremental analysis), without
   * them the analysis reloads the cluster (as for an ingest that sends none).
   */
  send(cluster: string, batch: Omit<Batch, 'v' | 'cluster' | 'agentVersion' | 'sentAt'>, opts?: { keys?: boolean }): Promise<void>;
  get(pathAndQuery: string, token?: string | null, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  close(): Promise<void>;
}

export function wire(obj: Record<string, unknown>, namespaced = true): WireObject {
  const copy = structuredClone(obj);
  const { obj: clean, secretFacts } = sanitizeObject(copy);
  return { apiVersion: String(obj.apiVersion), kind: String(obj.kind), namespaced, obj: clean, ...(secretFacts ? { secretFacts } : {}) };
}

export const upsert = (obj: Record<string, unknown>, namespaced = true): Change => ({ op: 'upsert', object: wire(obj, namespaced) });

export async function startTestServer(extra: Partial<ServerOptions> = {}, opts: { worker?: boolean } = {}): Promise<TestServer> {
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
    async send(cluster, b, sendOpts = {}) {
      const outcome = await store.applyBatch(cluster, { v: 1, cluster, agentVersion: 'test/1', sentAt: new Date().toISOString(), ...b }, new Date(), { maxObjects: 250_000 });
      if (outcome.status !== 'stored') throw new Error(`batch ${b.epoch}/${b.seq} for ${cluster} was not stored: ${outcome.status}`);
      server.listener.onStored(cluster, { epoch: b.epoch, seq: b.seq, type: b.type, last: b.last ?? false, changes: b.changes.length, ...(sendOpts.keys ? { keys: storedKeys(b) } : {}) });
    },
    async get(p, token = viewer, headers = {}) {
      const res = await fetch(server.apiUrl + p, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
      const text = await res.text();
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch {
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
