#!/usr/bin/env node
// Sizing figures for replicas on PostgreSQL (docs/replicas.md), measured, never estimated:
//
//   npm run build && node bench/replicas-size.js [--clusters 50] [--objects 20000] [--analyse 3]
//
// 1. Ingest: --clusters clusters × --objects objects (bench/lib/fleet-objects.js: the relay fleet
//    bench's sanitized Deployments, Services and AuthorizationPolicies, about 1 kB of JSON each),
//    through the PostgreSQL store's applyBatch in snapshot parts of 5,000 (as agents send them).
//    Then pg_total_relation_size of every table (heap, TOAST and indexes) and pg_database_size.
// 2. Analysis: --analyse clusters analysed from scratch one after another (what a replica does when
//    it takes over a cluster): seconds per cluster and findings per cluster, then the findings tables'
//    size per cluster. Peak RSS of this process is reported beside them.
// The throwaway PostgreSQL of src/testing/postgres.ts (fsync off: sizes do not depend on it).
// Results go to bench/out/replicas-size.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { objectsOf } from './lib/fleet-objects.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(BENCH, '..');
const dist = (p) => pathToFileURL(path.join(REPO, 'dist', p)).href;
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
};
const CLUSTERS = Number(arg('clusters', '50'));
const OBJECTS = Number(arg('objects', '20000'));
const ANALYSE = Number(arg('analyse', '3'));
const PART = 5000;

const { startPostgres } = await import(dist('testing/postgres.js'));
const { openPostgresStore } = await import(dist('store/postgres.js'));
const { analyseStoredCluster } = await import(dist('server/analysis.js'));
const { allRules } = await import(dist('rules/index.js'));

const pgServer = await startPostgres();
const url = await pgServer.createDatabase('size');
const store = await openPostgresStore({ connectionString: url });
const wire = (o) => ({ apiVersion: o.apiVersion, kind: o.kind, namespaced: o.kind !== 'Namespace', obj: o });
const at = new Date();
let peakRss = 0;
const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));

const t0 = performance.now();
for (let c = 0; c < CLUSTERS; c++) {
  const name = `size-${String(c).padStart(4, '0')}`;
  await store.createCluster(name, at);
  const objects = objectsOf(name, OBJECTS).map(wire);
  const parts = Math.ceil(objects.length / PART);
  for (let p = 0; p < parts; p++) {
    const changes = objects.slice(p * PART, (p + 1) * PART).map((object) => ({ op: 'upsert', object }));
    const r = await store.applyBatch(name, { v: 1, cluster: name, agentVersion: 'bench', epoch: 'e1', seq: p + 1, type: 'snapshot', last: p === parts - 1, sentAt: at.toISOString(), changes }, at, { maxObjects: 250_000 });
    if (r.status !== 'stored') throw new Error(`${name} part ${p + 1}: ${r.status}`);
  }
  sample();
  if ((c + 1) % 10 === 0) process.stderr.write(`ingested ${c + 1}/${CLUSTERS} clusters\n`);
}
const ingestSeconds = (performance.now() - t0) / 1000;
const totalObjects = CLUSTERS * OBJECTS;

const sizes = async () => {
  const c = new (await import('pg')).default.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('VACUUM ANALYZE');
    const tables = (await c.query(`SELECT relname AS t, pg_total_relation_size(oid)::bigint AS bytes FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 2 DESC`)).rows.map((r) => ({ table: r.t, bytes: Number(r.bytes) }));
    const database = Number((await c.query('SELECT pg_database_size(current_database())::bigint AS b')).rows[0].b);
    return { tables, database };
  } finally {
    await c.end();
  }
};
const afterIngest = await sizes();
const objectsBytes = afterIngest.tables.find((t) => t.table === 'objects')?.bytes ?? 0;

const analyses = [];
for (let c = 0; c < Math.min(ANALYSE, CLUSTERS); c++) {
  const name = `size-${String(c).padStart(4, '0')}`;
  const s = performance.now();
  const r = await analyseStoredCluster(store, name, allRules, new Date());
  sample();
  analyses.push({ cluster: name, seconds: (performance.now() - s) / 1000, findings: r?.findings ?? 0 });
}
const afterAnalysis = await sizes();
const findingsBytes = ['findings', 'finding_events', 'trend_days'].reduce((s, t) => s + (afterAnalysis.tables.find((x) => x.table === t)?.bytes ?? 0), 0);

const mb = (b) => Math.round((b / 1024 / 1024) * 10) / 10;
const result = {
  at: new Date().toISOString(),
  machine: { cpus: os.cpus().length, loadavg: os.loadavg().map((x) => Math.round(x * 10) / 10) },
  clusters: CLUSTERS,
  objectsPerCluster: OBJECTS,
  totalObjects,
  ingest: { seconds: Math.round(ingestSeconds * 10) / 10, objectsPerSecond: Math.round(totalObjects / ingestSeconds) },
  size: {
    tables: afterIngest.tables.map((t) => ({ ...t, mb: mb(t.bytes) })),
    databaseMb: mb(afterIngest.database),
    objectsTableMbPerMillionObjects: mb((objectsBytes / totalObjects) * 1e6),
    databaseMbPerMillionObjects: mb((afterIngest.database / totalObjects) * 1e6),
    bytesPerObject: Math.round(objectsBytes / totalObjects),
  },
  analysis: {
    perCluster: analyses,
    findingsTablesBytesPerAnalysedCluster: analyses.length ? Math.round(findingsBytes / analyses.length) : null,
  },
  peakRssMb: mb(peakRss),
};
fs.mkdirSync(path.join(BENCH, 'out'), { recursive: true });
fs.writeFileSync(path.join(BENCH, 'out', 'replicas-size.json'), JSON.stringify(result, null, 2) + '\n');
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
await store.close();
await pgServer.stop();
