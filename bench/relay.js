#!/usr/bin/env node
// Relay benchmark (issue 13): simulated agents in THIS process push N clusters x M objects to an agent
// listener running in its OWN process (dist/testing/relay-server-main.js: the ingest routes over mutual
// TLS on a SQLite store; the api engineer points --server-main at `meshward server` once it exists).
//
//   npm run build && node bench/relay.js [--clusters 20] [--objects 5000] [--concurrency 10]
//                                        [--delta-seconds 10] [--delta-rate 20]
//
//   initial ingest: every cluster's snapshot, --concurrency agents at a time (each holds its cluster's
//                   objects in memory; the server sees that many snapshots at once), until every one is
//                   acknowledged (stored): objects/s, wall time, and the server's peak RSS.
//   steady deltas:  the last --concurrency agents stay connected; --delta-rate changed objects per
//                   second (over all of them) for --delta-seconds; per change, the time from the cache
//                   change to the server's acknowledgement of the batch that carried it (p50/p99).
//
// The agents are the real RelayAgent and HttpsTransport over a synthetic in-memory cache (the
// webhook's ObjectCache: every object through the sanitizer, as the informers do). The server's peak
// RSS is getrusage's (bench/lib/rss-probe.js). Results: bench/out/relay-results.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(BENCH, '..');
const DIST = path.join(REPO, 'dist');
const PROBE = pathToFileURL(path.join(BENCH, 'lib', 'rss-probe.js')).href;

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}
const CLUSTERS = Number(arg('clusters', 20));
const OBJECTS = Number(arg('objects', 5000));
const CONCURRENCY = Math.min(Number(arg('concurrency', 10)), CLUSTERS);
const DELTA_SECONDS = Number(arg('delta-seconds', 10));
const DELTA_RATE = Number(arg('delta-rate', 20));
const SERVER_MAIN = path.resolve(arg('server-main', path.join(DIST, 'testing', 'relay-server-main.js')));

const imp = (p) => import(pathToFileURL(path.join(DIST, p)).href);
const { createRelayPki } = await imp('testing/relay-pki.js');
const { fixedAgentIdentity } = await imp('relay/fixed-identity.js');
const { RelayAgent } = await imp('relay/agent.js');
const { HttpsTransport } = await imp('relay/transport.js');
const { ObjectCache } = await imp('webhook/object-cache.js');

const silent = { info() {}, warn() {}, error() {} };
const name = (i) => `c${String(i).padStart(3, '0')}`;

/** A cluster's objects: namespaces, and per namespace Deployments, Services and an AuthorizationPolicy, about 1 KB each. */
function objectsOf(cluster, m) {
  const out = [];
  const perNs = 50;
  for (let i = 0; out.length < m; i++) {
    const ns = `ns-${Math.floor(i / perNs)}`;
    if (i % perNs === 0) out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio-injection': 'enabled' } } });
    const app = `app-${i}`;
    const kind = i % 3;
    if (kind === 0) out.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: ns, name: app, labels: { app }, resourceVersion: '1' }, spec: { replicas: 2, selector: { matchLabels: { app } }, template: { metadata: { labels: { app, version: 'v1' }, annotations: { 'sidecar.istio.io/inject': 'true' } }, spec: { serviceAccountName: app, containers: [{ name: app, image: `registry.example/${cluster}/${app}:1.0`, ports: [{ containerPort: 8080 }], env: [{ name: 'MODE', value: 'prod' }], resources: { limits: { cpu: '500m', memory: '256Mi' } } }] } } } });
    else if (kind === 1) out.push({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name: app, resourceVersion: '1' }, spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    else out.push({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { namespace: ns, name: app, resourceVersion: '1' }, spec: { selector: { matchLabels: { app } }, action: 'ALLOW', rules: [{ from: [{ source: { principals: [`cluster.local/ns/${ns}/sa/caller`] } }], to: [{ operation: { methods: ['GET'] } }] }] } });
  }
  return out.slice(0, m);
}

function startServer(config, probeFile) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', PROBE, SERVER_MAIN, config], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, MESHWARD_BENCH_PROBE: probeFile } });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening`)));
  });
}

function rssNowKB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const pct = (xs, p) => (xs.length ? xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : null);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-bench-relay-'));
const pki = await createRelayPki();
const clusters = Array.from({ length: CLUSTERS }, (_, i) => name(i));
const config = path.join(dir, 'server.json');
fs.writeFileSync(config, JSON.stringify({ dataDir: path.join(dir, 'data'), caPem: pki.caPem, certPem: pki.server.certPem, keyPem: pki.server.keyPem, clusters }), { mode: 0o600 });
const probeFile = path.join(dir, 'probe.json');
const server = await startServer(config, probeFile);
let rssPeakSampledKB = 0;
const sampler = setInterval(() => (rssPeakSampledKB = Math.max(rssPeakSampledKB, rssNowKB(server.child.pid))), 200);
const url = new URL(`https://127.0.0.1:${server.port}`);
console.error(`relay bench: ${CLUSTERS} clusters x ${OBJECTS} objects, ${CONCURRENCY} agents at a time, server pid ${server.child.pid}`);

async function startAgent(cluster) {
  const cache = new ObjectCache({ name: cluster, objects: objectsOf(cluster, OBJECTS) });
  const creds = await pki.issueClient(cluster);
  const client = new HttpsTransport({ server: url, serverCaPem: pki.caPem, identity: fixedAgentIdentity(cluster, creds) });
  const agent = new RelayAgent({ cluster, agentVersion: 'bench', cache, client, log: silent, heartbeatMs: 3_600_000, backoffBaseMs: 100, backoffCapMs: 2_000 });
  const snapshotDone = new Promise((resolve) => {
    const off = agent.onAck((s) => {
      if (s.snapshotComplete) {
        off();
        resolve();
      }
    });
  });
  const running = agent.run();
  running.catch((e) => console.error(`agent ${cluster}: ${e.message}`));
  return { cluster, cache, client, agent, running, snapshotDone };
}
async function stopAgent(a) {
  a.agent.stop();
  await a.running.catch(() => undefined);
  a.client.close();
}

// Initial ingest.
const t0 = performance.now();
let next = 0;
const kept = [];
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < CLUSTERS) {
      const i = next++;
      const a = await startAgent(clusters[i]);
      await a.snapshotDone;
      if (i >= CLUSTERS - CONCURRENCY) kept.push(a);
      else await stopAgent(a);
    }
  }),
);
const ingestMs = performance.now() - t0;
const ingestRssPeakKB = rssPeakSampledKB;
console.error(`initial ingest: ${CLUSTERS * OBJECTS} objects in ${(ingestMs / 1000).toFixed(1)} s (${Math.round((CLUSTERS * OBJECTS) / (ingestMs / 1000))} objects/s), server RSS peak ${(ingestRssPeakKB / 1024).toFixed(0)} MB`);

// Steady deltas: a changed Service per tick on a round-robin agent; latency to the ack of the batch carrying it.
const latencies = [];
const pending = new Map(); // agent cluster -> Map(name -> t)
for (const a of kept) {
  pending.set(a.cluster, new Map());
  a.agent.onAck((_s, batch) => {
    const p = pending.get(a.cluster);
    const now = performance.now();
    for (const c of batch.changes) {
      const n = c.op === 'upsert' ? c.object.obj?.metadata?.name : c.key.name;
      const t = p.get(n);
      if (t !== undefined && c.op === 'upsert' && c.object.obj?.metadata?.labels?.tick === String(t.tick)) {
        latencies.push(now - t.at);
        p.delete(n);
      }
    }
  });
}
let tick = 0;
const total = Math.round(DELTA_SECONDS * DELTA_RATE);
await new Promise((resolve) => {
  const iv = setInterval(() => {
    if (tick >= total) {
      clearInterval(iv);
      resolve();
      return;
    }
    const a = kept[tick % kept.length];
    const n = `app-${1 + 3 * (tick % Math.floor(OBJECTS / 4))}`;
    const ns = `ns-${Math.floor((1 + 3 * (tick % Math.floor(OBJECTS / 4))) / 50)}`;
    tick++;
    pending.get(a.cluster).set(n, { at: performance.now(), tick });
    a.cache.apply({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name: n, labels: { tick: String(tick) }, resourceVersion: String(tick + 1) }, spec: { selector: { app: n }, ports: [{ name: 'http', port: 80 }] } });
  }, 1000 / DELTA_RATE);
});
// Let the last ones be acknowledged (the flush interval plus a round trip).
await new Promise((r) => setTimeout(r, 2000));
for (const a of kept) await stopAgent(a);
clearInterval(sampler);
server.child.kill('SIGTERM');
await new Promise((r) => server.child.once('exit', r));
let probe = null;
try {
  probe = JSON.parse(fs.readFileSync(probeFile, 'utf8'));
} catch {
  /* the server was killed before it could write */
}
const result = {
  at: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  clusters: CLUSTERS,
  objectsPerCluster: OBJECTS,
  concurrency: CONCURRENCY,
  initialIngest: { objects: CLUSTERS * OBJECTS, seconds: +(ingestMs / 1000).toFixed(2), objectsPerSecond: Math.round((CLUSTERS * OBJECTS) / (ingestMs / 1000)), serverRssPeakMB: Math.round(ingestRssPeakKB / 1024) },
  deltas: { sent: total, acknowledged: latencies.length, ackLatencyMs: { p50: pct(latencies, 50) && +pct(latencies, 50).toFixed(1), p99: pct(latencies, 99) && +pct(latencies, 99).toFixed(1), max: latencies.length ? +Math.max(...latencies).toFixed(1) : null } },
  serverMaxRssMB: probe ? Math.round(probe.maxRssKB / 1024) : Math.round(rssPeakSampledKB / 1024),
};
fs.mkdirSync(path.join(BENCH, 'out'), { recursive: true });
fs.writeFileSync(path.join(BENCH, 'out', 'relay-results.json'), JSON.stringify(result, null, 2));
console.log(JSON.stringify(result, null, 2));
fs.rmSync(dir, { recursive: true, force: true });
