#!/usr/bin/env node
// Store benchmark (issue 13): the relay store's two engines, in this process (no HTTP, no analysis).
//
//   npm run build && node bench/store.js [--engine sqlite,postgres] [--clusters 100] [--objects 20000]
//        [--part 2000] [--findings 1000000] [--queries 1000] [--deltas 2000] [--only ingest,deltas,findings]
//
// ingest:   each cluster registered, then a snapshot of --objects objects in parts of --part changes
//           (one applyBatch per part, as an agent sends them); objects/s over the whole run and the
//           database's size on disk at the end.
// deltas:   --deltas small batches (5 upserts each) to one cluster, one after another: the cost of a
//           durable commit, per batch (SQLite with synchronous FULL and NORMAL, PostgreSQL with fsync on).
// findings: --findings rows (spread over --clusters clusters, one recordAnalysis per cluster), then
//           --queries findings() calls: a mix of first pages, filtered pages and follow-on pages by
//           cursor; p50/p99/max latency.
// PostgreSQL is the throwaway server of src/testing/postgres.ts started with fsync on (production-like).
// Objects are shaped like sanitized Deployments/Services/VirtualServices (about 1 kB of JSON each).
// Results go to bench/out/store-results.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(BENCH, '..');
const OUT = path.join(BENCH, 'out');
const dist = (p) => pathToFileURL(path.join(REPO, 'dist', p)).href;

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}
const ENGINES = arg('engine', 'sqlite,postgres').split(',');
const CLUSTERS = Number(arg('clusters', '100'));
const OBJECTS = Number(arg('objects', '20000'));
const PART = Number(arg('part', '2000'));
const FINDINGS = Number(arg('findings', '1000000'));
const QUERIES = Number(arg('queries', '1000'));
const DELTAS = Number(arg('deltas', '2000'));
const ONLY = arg('only', 'ingest,deltas,findings').split(',');
/** `--pg-fsync off` separates the cost of the disk from the rest (never production). */
const PG_FSYNC = arg('pg-fsync', 'on') !== 'off';

const { openSqliteStore } = await import(dist('store/sqlite.js'));
const { openPostgresStore } = await import(dist('store/postgres.js'));
const { startPostgres } = await import(dist('testing/postgres.js'));

const KINDS = [
  ['apps/v1', 'Deployment', true],
  ['v1', 'Service', true],
  ['networking.istio.io/v1', 'VirtualService', true],
  ['security.istio.io/v1', 'AuthorizationPolicy', true],
];

function object(i) {
  const [apiVersion, kind, namespaced] = KINDS[i % KINDS.length];
  const ns = `team-${i % 50}`;
  const name = `app-${i}`;
  return {
    apiVersion,
    kind,
    namespaced,
    obj: {
      apiVersion,
      kind,
      metadata: { name, namespace: ns, uid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, labels: { app: name, team: ns, version: 'v1' }, annotations: { 'sidecar.istio.io/inject': 'true' } },
      spec: {
        selector: { matchLabels: { app: name } },
        hosts: [`${name}.${ns}.svc.cluster.local`],
        http: [{ route: [{ destination: { host: `${name}.${ns}.svc.cluster.local`, port: { number: 8080 } }, weight: 100 }] }],
        template: { spec: { serviceAccountName: name, containers: [{ name: 'app', image: `registry.example/${name}:1.2.3`, ports: [{ containerPort: 8080 }], env: [{ name: 'LOG_LEVEL', value: 'set' }] }] } },
      },
    },
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function dirSize(dir) {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirSize(p) : fs.statSync(p).size;
  }
  return n;
}

const mb = (b) => `${(b / 1024 / 1024).toFixed(0)} MB`;

async function openEngine(engine, pg, sync) {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-bench-store-'));
    const store = await openSqliteStore({ dataDir: dir, synchronous: sync });
    return { store, size: async () => dirSize(dir), dispose: async () => { await store.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
  }
  const url = await pg.createDatabase('bench');
  const store = await openPostgresStore({ connectionString: url });
  const size = async () => {
    const pgmod = (await import('pg')).default;
    const c = new pgmod.Client({ connectionString: url });
    await c.connect();
    await c.query('CHECKPOINT').catch(() => {});
    const r = await c.query('SELECT pg_database_size(current_database()) AS n');
    await c.end();
    return Number(r.rows[0].n);
  };
  return { store, size, dispose: async () => store.close() };
}

async function benchIngest(engine, pg, sync) {
  const { store, size, dispose } = await openEngine(engine, pg, sync);
  try {
    const at = new Date();
    const t0 = performance.now();
    let batches = 0;
    const partMs = [];
    for (let c = 0; c < CLUSTERS; c++) {
      const cluster = `cluster-${c}`;
      await store.createCluster(cluster, at);
      const parts = Math.ceil(OBJECTS / PART);
      for (let p = 0; p < parts; p++) {
        const changes = [];
        for (let i = p * PART; i < Math.min(OBJECTS, (p + 1) * PART); i++) changes.push({ op: 'upsert', object: object(i) });
        const b = { v: 1, cluster, agentVersion: 'bench', epoch: 'e1', seq: p + 1, type: 'snapshot', last: p === parts - 1, sentAt: at.toISOString(), changes };
        const s = performance.now();
        const r = await store.applyBatch(cluster, b, at, { maxObjects: 250_000 });
        partMs.push(performance.now() - s);
        if (r.status !== 'stored') throw new Error(`${engine}: part ${p + 1} of ${cluster}: ${r.status}`);
        batches++;
      }
    }
    const secs = (performance.now() - t0) / 1000;
    const total = CLUSTERS * OBJECTS;
    partMs.sort((a, b) => a - b);
    const bytes = await size();
    return { engine, synchronous: sync ?? null, clusters: CLUSTERS, objects: total, batches, seconds: +secs.toFixed(1), objectsPerSecond: Math.round(total / secs), partP50Ms: +percentile(partMs, 50).toFixed(1), partP99Ms: +percentile(partMs, 99).toFixed(1), dbBytes: bytes, bytesPerObject: Math.round(bytes / total) };
  } finally {
    await dispose();
  }
}

async function benchDeltas(engine, pg, sync) {
  const { store, dispose } = await openEngine(engine, pg, sync);
  try {
    const at = new Date();
    await store.createCluster('d', at);
    await store.applyBatch('d', { v: 1, cluster: 'd', agentVersion: 'bench', epoch: 'e', seq: 1, type: 'snapshot', last: true, sentAt: at.toISOString(), changes: [] }, at, { maxObjects: 250_000 });
    const ms = [];
    const t0 = performance.now();
    for (let s = 2; s < DELTAS + 2; s++) {
      const changes = [];
      for (let k = 0; k < 5; k++) changes.push({ op: 'upsert', object: object((s * 5 + k) % 20000) });
      const t = performance.now();
      const r = await store.applyBatch('d', { v: 1, cluster: 'd', agentVersion: 'bench', epoch: 'e', seq: s, type: 'delta', sentAt: at.toISOString(), changes }, at, { maxObjects: 250_000 });
      ms.push(performance.now() - t);
      if (r.status !== 'stored') throw new Error(`${engine}: delta ${s}: ${r.status}`);
    }
    const secs = (performance.now() - t0) / 1000;
    ms.sort((a, b) => a - b);
    return { engine, synchronous: sync ?? null, deltas: DELTAS, batchesPerSecond: Math.round(DELTAS / secs), p50Ms: +percentile(ms, 50).toFixed(2), p99Ms: +percentile(ms, 99).toFixed(2) };
  } finally {
    await dispose();
  }
}

const SEVS = ['critical', 'high', 'medium', 'low', 'info'];

async function benchFindings(engine, pg, sync) {
  const { store, size, dispose } = await openEngine(engine, pg, sync);
  try {
    const perCluster = Math.ceil(FINDINGS / CLUSTERS);
    const t0 = performance.now();
    for (let c = 0; c < CLUSTERS; c++) {
      const cluster = `cluster-${c}`;
      const fs_ = [];
      for (let i = 0; i < perCluster && c * perCluster + i < FINDINGS; i++) {
        const ns = `team-${i % 50}`;
        fs_.push({
          fingerprint: `${c.toString(16)}-${i.toString(16).padStart(8, '0')}`,
          ruleId: `MW-${['AUTHZ', 'PEER', 'GW', 'VS'][i % 4]}-00${i % 9}`,
          severity: SEVS[(i * 7) % 5],
          title: 'A finding',
          message: `Deployment ${ns}/app-${i} does something risky`,
          remediation: 'Fix it.',
          resource: { cluster, apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: `app-${i}` },
          location: null,
          evidence: [],
        });
      }
      await store.recordAnalysis(cluster, fs_, new Date());
    }
    const seedSecs = (performance.now() - t0) / 1000;
    const ms = [];
    const byKind = [[], [], [], [], []];
    let cursor = null;
    for (let q = 0; q < QUERIES; q++) {
      const kind = q % 5;
      let query;
      if (kind === 0) query = { limit: 100 };
      else if (kind === 1) query = { cluster: [`cluster-${q % CLUSTERS}`], limit: 100 };
      else if (kind === 2) query = { severity: ['critical', 'high'], namespace: [`team-${q % 50}`], limit: 100 };
      else if (kind === 3) query = { ruleId: [`MW-GW-00${q % 9}`], cluster: [`cluster-${(q * 7) % CLUSTERS}`], limit: 50 };
      else query = { limit: 100, cursor: cursor ?? undefined };
      const t = performance.now();
      const page = await store.findings(query);
      ms.push(performance.now() - t);
      byKind[kind].push(performance.now() - t);
      if (kind === 4 || kind === 0) cursor = page.next;
    }
    ms.sort((a, b) => a - b);
    const names = ['first page', 'one cluster', 'severity+namespace', 'rule+cluster', 'next page by cursor'];
    const perKindP99Ms = Object.fromEntries(byKind.map((l, i) => [names[i], +percentile(l.sort((a, b) => a - b), 99).toFixed(2)]));
    return { engine, synchronous: sync ?? null, findings: FINDINGS, seedSeconds: +seedSecs.toFixed(1), queries: QUERIES, p50Ms: +percentile(ms, 50).toFixed(2), p99Ms: +percentile(ms, 99).toFixed(2), maxMs: +ms[ms.length - 1].toFixed(2), perKindP99Ms, dbBytes: await size() };
  } finally {
    await dispose();
  }
}

const results = { date: new Date().toISOString(), pgFsync: PG_FSYNC, node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, args: { CLUSTERS, OBJECTS, PART, FINDINGS, QUERIES, DELTAS }, ingest: [], deltas: [], findings: [] };
const pg = ENGINES.includes('postgres') ? await startPostgres({ fsync: PG_FSYNC }) : null;
try {
  for (const engine of ENGINES) {
    const syncs = engine === 'sqlite' ? ['FULL', 'NORMAL'] : [undefined];
    if (ONLY.includes('deltas')) {
      for (const sync of syncs) {
        const r = await benchDeltas(engine, pg, sync);
        results.deltas.push(r);
        console.log(`deltas   ${engine}${sync ? ` ${sync}` : ''}: ${r.batchesPerSecond} batches/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
      }
    }
    if (ONLY.includes('ingest')) {
      for (const sync of engine === 'sqlite' ? ['FULL'] : [undefined]) {
        const r = await benchIngest(engine, pg, sync);
        results.ingest.push(r);
        console.log(`ingest   ${engine}${sync ? ` ${sync}` : ''}: ${r.objects} objects in ${r.seconds} s = ${r.objectsPerSecond} objects/s; part p50 ${r.partP50Ms} ms p99 ${r.partP99Ms} ms; ${mb(r.dbBytes)} (${r.bytesPerObject} B/object)`);
      }
    }
    if (ONLY.includes('findings')) {
      const r = await benchFindings(engine, pg, engine === 'sqlite' ? 'FULL' : undefined);
      results.findings.push(r);
      console.log(`findings ${engine}: ${r.findings} rows seeded in ${r.seedSeconds} s; ${r.queries} queries p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms; ${mb(r.dbBytes)}; p99 by query: ${JSON.stringify(r.perKindP99Ms)}`);
    }
  }
} finally {
  await pg?.stop();
}
fs.mkdirSync(OUT, { recursive: true });
fs.writeFileSync(path.join(OUT, 'store-results.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`results: ${path.relative(REPO, path.join(OUT, 'store-results.json'))}`);
