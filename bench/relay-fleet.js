#!/usr/bin/env node
// Relay fleet benchmark (issue 13's target): the real `meshward server` (built CLI, SQLite in a temp
// --data folder) as one child process; N clusters registered (bootstrap tokens, as register-cluster
// issues them); simulated agents in ANOTHER child process (bench/lib/fleet-agents.js) enroll with
// their tokens and speak the real wire (mutual TLS, cursor, gzip batches) with M objects each.
//
//   npm run build && node bench/relay-fleet.js            # full shape: 100 clusters x 20,000 objects
//   MESHWARD_BENCH_CLUSTERS=10 MESHWARD_BENCH_OBJECTS=2000 node bench/relay-fleet.js   # quick run
//   node bench/relay-fleet.js --database postgres        # the same against PostgreSQL: a throwaway server
//     (src/testing/postgres.ts: initdb in a temp dir, loopback only, fsync ON as production runs it) and
//     `meshward server --database postgres://... --data DIR` (DIR holds only the agent CA then)
//   MESHWARD_BENCH_REPLICAS=3 node bench/relay-fleet.js --database postgres   # three server replicas on
//     that PostgreSQL (docs/replicas.md: the same CA files, leases through the database); cluster i's agent
//     talks to replica i mod 3, and the visibility probe asks the API of a replica other than its own
//   other knobs: MESHWARD_BENCH_CONCURRENCY (agents pushing snapshots at once, default 10),
//   _DELTA_RATE (background deltas/s over all agents, default 50: the issue's steady rate), _TRIALS (default 60), _POLL_MS (25),
//   MESHWARD_BENCH_SERVER_LOG=FILE (the server's raw standard output),
//   MESHWARD_BENCH_AGENTS=replay (all but the last _CONCURRENCY clusters send a replay of the real agent's
//     snapshot, compressed once before the ingest: the servers' ingest without the agents' CPU on the same
//     cores; bench/lib/fleet-agents.js says what is the same and what is not; default: real agents),
//   _TRIAL_TIMEOUT_MS (a trial not seen by then counts as a timeout, default 60,000)
//
// Measured: initial ingest (objects/s), the server's peak RSS (VmHWM of its process, threads
// included; VmRSS sampled too), the time until every cluster is analysed once, then the visibility
// test: while the other connected agents send a steady 20 deltas/s, the probe agent flips a
// PeerAuthentication (DISABLE <-> STRICT) so AUT002 opens or resolves; latency = from the send of
// the batch carrying the flip to the API answer (GET /api/findings) that shows it. p50/p99 over the
// trials. Results: bench/out/relay-fleet-results.json and a table on stdout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(BENCH, '..');
const BIN = path.join(REPO, 'bin', 'meshward.js');
const env = (k, d) => (process.env[`MESHWARD_BENCH_${k}`] ? Number(process.env[`MESHWARD_BENCH_${k}`]) : d);
const CLUSTERS = env('CLUSTERS', 100);
const OBJECTS = env('OBJECTS', 20_000);
const CONCURRENCY = env('CONCURRENCY', 10);
const AGENTS = process.env.MESHWARD_BENCH_AGENTS ?? 'real';
if (AGENTS !== 'real' && AGENTS !== 'replay') throw new Error('MESHWARD_BENCH_AGENTS is real (the default) or replay');
const DELTA_RATE = env('DELTA_RATE', 50);
const TRIALS = env('TRIALS', 60);
const POLL_MS = env('POLL_MS', 25);
const TRIAL_TIMEOUT_MS = env('TRIAL_TIMEOUT_MS', 60_000);
// Server replicas on the one PostgreSQL (issue 17's "three replicas on PostgreSQL"); agents spread over them.
const REPLICAS = env('REPLICAS', 1);
const TARGET = { rssMB: 3 * 1024, p99Ms: 1000 };
const dbFlag = process.argv.indexOf('--database');
const ENGINE = dbFlag >= 0 ? process.argv[dbFlag + 1] : (process.env.MESHWARD_BENCH_DATABASE ?? 'sqlite');
if (ENGINE !== 'sqlite' && ENGINE !== 'postgres') throw new Error(`--database takes sqlite or postgres, not ${JSON.stringify(ENGINE)}`);
if (!(Number.isInteger(REPLICAS) && REPLICAS >= 1 && REPLICAS <= 8)) throw new Error('MESHWARD_BENCH_REPLICAS is 1 to 8');
if (REPLICAS > 1 && ENGINE !== 'postgres') throw new Error('MESHWARD_BENCH_REPLICAS above 1 needs --database postgres (replicas share one PostgreSQL)');

const imp = (p) => import(pathToFileURL(path.join(REPO, 'dist', p)).href);
const { openStore } = await imp('store/index.js');
const { registerCluster } = await imp('server/identity.js');

const procStatus = (pid, field) => {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
};
/** CPU seconds (user + system, all threads) the process has used: load on the shared machine does not inflate it. */
const cpuSeconds = (pid) => {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return null;
  }
};
/**
 * CPU seconds PostgreSQL has used: the postmaster (its own and its reaped children's, cutime and
 * cstime) and every live child (backends, WAL writer, checkpointer). Null without PostgreSQL.
 */
const pgCpuSeconds = () => {
  if (!pg) return null;
  try {
    const master = Number(fs.readFileSync(path.join(pg.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const fields = (pid) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const m = fields(master);
    let ticks = Number(m[11]) + Number(m[12]) + Number(m[13]) + Number(m[14]);
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const f = fields(pid);
        if (Number(f[1]) === master) ticks += Number(f[11]) + Number(f[12]);
      } catch {
        /* gone meanwhile */
      }
    }
    return +(ticks / 100).toFixed(2);
  } catch {
    return null;
  }
};
/** CPU seconds per thread of a process, grouped: 'main' (the event loop), then by the thread's name (comm). */
const cpuByThread = (pid) => {
  const out = {};
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const comm = Number(tid) === pid ? 'main' : fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const f = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      out[comm] = +((out[comm] ?? 0) + (Number(f[11]) + Number(f[12])) / 100).toFixed(2);
    }
  } catch {
    /* not Linux */
  }
  return out;
};
const pct = (xs, p) => (xs.length ? xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] : null);
const name = (i) => `c${String(i).padStart(3, '0')}`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-bench-fleet-'));
// PostgreSQL: a throwaway server with production durability (fsync on) and a modest buffer cache.
let pg = null;
let databaseUrl = null;
if (ENGINE === 'postgres') {
  const { startPostgres } = await imp('testing/postgres.js');
  pg = await startPostgres({ fsync: true, settings: { shared_buffers: '512MB', max_wal_size: '4GB' } });
  databaseUrl = await pg.createDatabase('fleet');
}
const storeSpec = ENGINE === 'postgres' ? { engine: 'postgres', connectionString: databaseUrl } : { engine: 'sqlite', dataDir: path.join(dir, 'data') };
const dataDir = path.join(dir, 'data');
const apiToken = `mwb_${randomBytes(24).toString('base64url')}`;
fs.writeFileSync(path.join(dir, 'tokens.yaml'), `tokens:\n  - name: bench\n    role: viewer\n    sha256: ${createHash('sha256').update(apiToken).digest('hex')}\n`, { mode: 0o600 });

// The server, as an operator starts it.
// The servers run with the Node options the server's Deployment sets (src/relay/node-options.ts), then
// MESHWARD_BENCH_SERVER_NODE_ARGS: node flags for the server only (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"; a later flag wins).
const { AGENT_NODE_OPTIONS, SERVER_NODE_OPTIONS } = await imp('relay/node-options.js');
/** A deployment's Node options, then the flags in environment variable `name` (a later flag wins). */
const nodeArgs = (options, name) => [...options.split(' '), ...(process.env[name] ?? '').split(' ')].filter(Boolean);
const serverNodeArgs = nodeArgs(SERVER_NODE_OPTIONS, 'MESHWARD_BENCH_SERVER_NODE_ARGS');
const storeArgs = ENGINE === 'postgres' ? ['--database', databaseUrl] : [];
const analyses = []; // seconds of each cluster analysis, from the servers' logs
// MESHWARD_BENCH_SERVER_LOG=FILE: the servers' standard output as it came (with --trace-gc in the node args, V8's lines too).
const rawLog = process.env.MESHWARD_BENCH_SERVER_LOG ? fs.createWriteStream(process.env.MESHWARD_BENCH_SERVER_LOG) : null;
/** Starts `meshward server` as an operator does; resolves with its process and URLs once it listens. */
function startServer(args, label) {
  const proc = spawn(process.execPath, [...serverNodeArgs, BIN, 'server', ...storeArgs, ...args, '--host', '127.0.0.1', '--agent-port', '0', '--api-port', '0', '--tokens-file', path.join(dir, 'tokens.yaml')], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout });
    rl.on('line', (line) => {
      rawLog?.write(`${line}\n`);
      let o;
      try {
        o = JSON.parse(line);
      } catch {
        return;
      }
      if (o.msg === 'meshward server listening') resolve({ proc, pid: proc.pid, apiUrl: o.apiUrl, agentUrl: o.agentUrl });
      else if (o.msg === 'cluster analysed') analyses.push({ at: performance.now(), cluster: o.cluster, seconds: o.seconds, objects: o.objects, mode: o.mode, rulesRun: o.rulesRun });
      else if (o.level >= 50) console.error(`${label}: ${String(o.msg).slice(0, 200)} ${o.err ?? o.error ? String(o.err ?? o.error).slice(0, 200) : ''}`);
    });
    proc.once('exit', (code) => reject(new Error(`meshward server (${label}) exited (${code}) before listening`)));
  });
}
// Replica 0 makes the agent CA and serving certificate in --data; the others are given the same files
// (one Secret in Kubernetes, docs/replicas.md).
const identityFile = (f) => path.join(dataDir, 'identity', f);
const servers = [await startServer(['--data', dataDir, ...(REPLICAS > 1 ? ['--replica-id', 'replica-0'] : [])], REPLICAS > 1 ? 'replica-0' : 'server')];
for (let i = 1; i < REPLICAS; i++) {
  servers.push(await startServer(['--replica-id', `replica-${i}`, '--ca-cert', identityFile('ca.crt'), '--ca-key', identityFile('ca.key'), '--serving-cert', identityFile('server.crt'), '--serving-key', identityFile('server.key')], `replica-${i}`));
}
const server = servers[0].proc;
const urls = { apiUrl: servers[0].apiUrl, agentUrl: servers[0].agentUrl, apiUrls: servers.map((s) => s.apiUrl), agentUrls: servers.map((s) => s.agentUrl) };
/** Summed over the replicas (one server: its own figure). */
const serversKB = (field) => servers.reduce((n, s) => n + procStatus(s.pid, field), 0);
const serversCpu = () => +servers.reduce((n, s) => n + (cpuSeconds(s.pid) ?? 0), 0).toFixed(2);
let rssSampledKB = 0;
const sampler = setInterval(() => (rssSampledKB = Math.max(rssSampledKB, serversKB('VmRSS'))), 200);
console.error(`relay fleet bench (${ENGINE}${REPLICAS > 1 ? `, ${REPLICAS} replicas` : ''}${AGENTS === 'replay' ? ', replayed snapshots' : ''}): ${CLUSTERS} clusters x ${OBJECTS} objects, server pid ${servers.map((s) => s.pid).join(', ')}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

// Registration through the same function `meshward server register-cluster` runs, beside the running server (SQLite WAL, or PostgreSQL).
const store = await openStore(storeSpec);
const clusters = [];
for (let i = 0; i < CLUSTERS; i++) clusters.push({ name: name(i), token: (await registerCluster(store, name(i), 3_600_000, new Date())).token });
await store.close();

const config = path.join(dir, 'agents.json');
fs.writeFileSync(config, JSON.stringify({ ...urls, caPem: fs.readFileSync(path.join(dataDir, 'identity', 'ca.crt'), 'utf8'), apiToken, clusters, objects: OBJECTS, concurrency: CONCURRENCY, deltaRate: DELTA_RATE, trials: TRIALS, replay: AGENTS === 'replay', pollMs: POLL_MS, trialTimeoutMs: TRIAL_TIMEOUT_MS }), { mode: 0o600 });
// The simulated agents run with the Node options the agent's Deployment sets (src/relay/node-options.ts),
// then MESHWARD_BENCH_AGENTS_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"; a later flag wins).
const agentsNodeArgs = nodeArgs(AGENT_NODE_OPTIONS, 'MESHWARD_BENCH_AGENTS_NODE_ARGS');
const pgCpuAtStart = pgCpuSeconds(); // before the agents start: the ingest is theirs
const agents = spawn(process.execPath, [...agentsNodeArgs, path.join(BENCH, 'lib', 'fleet-agents.js'), config], { stdio: ['ignore', 'pipe', 'inherit'] });
const loads = [];
const loadSampler = setInterval(() => loads.push(os.loadavg()[0]), 5000);
let ingest = null;
let analysed = null;
let done = null;
let ingestRssKB = 0;
const cpu = { ingest: null, analysed: null, end: null, agentsIngest: null, serverThreadsIngest: null, agentsThreadsIngest: null, pgIngest: null };
let agentsPeakKB = 0;
const agentSampler = setInterval(() => (agentsPeakKB = Math.max(agentsPeakKB, procStatus(agents.pid, 'VmRSS'))), 500);
await new Promise((resolve, reject) => {
  readline.createInterface({ input: agents.stdout }).on('line', (line) => {
    const o = JSON.parse(line);
    if (o.event === 'progress') console.error(`  ${o.snapshots}/${CLUSTERS} snapshots stored, server RSS ${Math.round(serversKB('VmRSS') / 1024)} MB`);
    else if (o.event === 'ingested') {
      ingest = o;
      ingestRssKB = serversKB('VmHWM');
      cpu.ingest = serversCpu();
      cpu.agentsIngest = cpuSeconds(agents.pid);
      cpu.pgIngest = pgCpuAtStart === null ? null : +(pgCpuSeconds() - pgCpuAtStart).toFixed(2);
      cpu.serverThreadsIngest = REPLICAS > 1 ? Object.fromEntries(servers.map((s, i) => [`replica-${i}`, cpuByThread(s.pid)])) : cpuByThread(server.pid);
      cpu.agentsThreadsIngest = cpuByThread(agents.pid);
      console.error(`initial ingest: ${o.objects} objects in ${o.seconds.toFixed(1)} s`);
    } else if (o.event === 'analysed') {
      analysed = o;
      cpu.analysed = serversCpu();
      console.error(`every cluster analysed ${o.seconds.toFixed(1)} s after the ingest`);
    } else if (o.event === 'trial') {
      if (o.trial % 10 === 0 || o.ms === null) console.error(`  trial ${o.trial}: ${o.ms === null ? 'not seen' : `${o.ms} ms`}`);
    } else if (o.event === 'agent-error') console.error(`agent ${o.cluster}: ${o.error}`);
    else if (o.event === 'done') done = o;
  });
  agents.once('exit', (code) => (code === 0 && done ? resolve() : reject(new Error(`the agents process exited (${code})`))));
});
clearInterval(agentSampler);
clearInterval(loadSampler);
const peakKB = Math.max(serversKB('VmHWM'), rssSampledKB);
const peakKBByReplica = servers.map((s) => procStatus(s.pid, 'VmHWM'));
clearInterval(sampler);
cpu.end = serversCpu();
// What the database holds now: PostgreSQL's database size, or SQLite's file and its WAL.
let databaseMB = null;
if (pg) {
  const pgm = (await import('pg')).default;
  const c = new pgm.Client({ connectionString: databaseUrl });
  await c.connect();
  databaseMB = Math.round(Number((await c.query('SELECT pg_database_size(current_database()) AS n')).rows[0].n) / 1048576);
  await c.end();
} else {
  databaseMB = Math.round(['meshward.db', 'meshward.db-wal'].reduce((a, f) => a + (fs.existsSync(path.join(dataDir, f)) ? fs.statSync(path.join(dataDir, f)).size : 0), 0) / 1048576);
}
await Promise.all(servers.map((s) => new Promise((r) => (s.proc.once('exit', r), s.proc.kill('SIGTERM')))));

const lat = done.latencies;
const steady = analyses.filter((a) => a.at > 0).slice(-200).map((a) => a.seconds);
const result = {
  at: new Date().toISOString(),
  database: ENGINE,
  replicas: REPLICAS,
  agents: AGENTS,
  databaseMB,
  node: process.version,
  cpus: os.cpus().length,
  clusters: CLUSTERS,
  objectsPerCluster: OBJECTS,
  concurrency: CONCURRENCY,
  ingest: { objects: ingest.objects, seconds: +ingest.seconds.toFixed(1), objectsPerSecond: Math.round(ingest.objects / ingest.seconds), serverRssPeakMB: Math.round(ingestRssKB / 1024) },
  firstAnalysisOfAllSeconds: +analysed.seconds.toFixed(1),
  // With replicas: summed over them (each replica's own peak below).
  serverRssPeakMB: Math.round(peakKB / 1024),
  ...(REPLICAS > 1 ? { serverRssPeakMBByReplica: peakKBByReplica.map((kb) => Math.round(kb / 1024)) } : {}),
  agentsProcessRssPeakMB: Math.round(agentsPeakKB / 1024),
  visibility: { trials: TRIALS, seen: lat.length, timeouts: done.timeouts.length, p50Ms: pct(lat, 50) && Math.round(pct(lat, 50)), p95Ms: pct(lat, 95) && Math.round(pct(lat, 95)), p99Ms: pct(lat, 99) && Math.round(pct(lat, 99)), maxMs: lat.length ? Math.round(Math.max(...lat)) : null, trialsMs: lat.map((ms) => Math.round(ms)) },
  backgroundDeltas: { sent: done.deltasSent, perSecond: +(done.deltasSent / done.deltaSeconds).toFixed(1) },
  clusterAnalysisSeconds: { runs: analyses.length, p50: pct(steady, 50), p99: pct(steady, 99) },
  // The slowest of the steady analyses and how they ran (full: the cluster's objects read again; incremental: its kept model).
  slowestAnalyses: analyses.slice(-200).sort((a, b) => b.seconds - a.seconds).slice(0, 10).map((a) => ({ cluster: a.cluster, seconds: a.seconds, mode: a.mode, rulesRun: a.rulesRun })),
  fullAnalysesInSteadyState: analyses.slice(-200).filter((a) => a.mode === 'full').length,
  serverCpuSeconds: { ingest: cpu.ingest, firstAnalysisOfAll: cpu.analysed !== null && cpu.ingest !== null ? +(cpu.analysed - cpu.ingest).toFixed(1) : null, visibilityPhase: cpu.end !== null && cpu.analysed !== null ? +(cpu.end - cpu.analysed).toFixed(1) : null, total: cpu.end },
  // The simulated agents' process (making, serialising, compressing and sending the snapshots) shares the machine's cores.
  agentsCpuSecondsInIngest: cpu.agentsIngest,
  // PostgreSQL's processes in the ingest (null on SQLite): the third party on the same cores.
  postgresCpuSecondsInIngest: cpu.pgIngest,
  // Per thread at the end of the ingest (the server's analysis workers, its zlib and V8 helpers apart from its event loop).
  cpuByThreadInIngest: { server: cpu.serverThreadsIngest, agents: cpu.agentsThreadsIngest },
  loadAverage1m: { min: loads.length ? Math.min(...loads) : null, max: loads.length ? Math.max(...loads) : null, mean: loads.length ? +(loads.reduce((a, b) => a + b, 0) / loads.length).toFixed(1) : null },
};
const largestRssMB = REPLICAS > 1 ? Math.max(...result.serverRssPeakMBByReplica) : result.serverRssPeakMB;
fs.mkdirSync(path.join(BENCH, 'out'), { recursive: true });
fs.writeFileSync(path.join(BENCH, 'out', `relay-fleet-results${ENGINE === 'sqlite' ? '' : `-${ENGINE}`}${REPLICAS > 1 ? `-${REPLICAS}-replicas` : ''}${AGENTS === 'replay' ? '-replay' : ''}.json`), JSON.stringify(result, null, 2));
const row = (what, value, target, ok) => `${what.padEnd(44)} ${String(value).padStart(14)}   ${target.padEnd(12)} ${ok === null ? '' : ok ? 'pass' : 'FAIL'}`;
console.log(
  [
    `relay fleet (${ENGINE}${REPLICAS > 1 ? `, ${REPLICAS} replicas` : ''}${AGENTS === 'replay' ? ', replayed snapshots' : ''}, ${databaseMB} MB stored): ${CLUSTERS} clusters x ${OBJECTS} objects (${process.version}, ${os.cpus().length} cpus, load ${result.loadAverage1m.mean})`,
    row('measure', 'value', 'target', null),
    row('initial ingest (objects/s)', result.ingest.objectsPerSecond, '', null),
    // With replicas the bound is each replica's (each is one server process); the sum is in the results.
    row(REPLICAS > 1 ? 'server peak RSS, largest replica (MB)' : 'server peak RSS (MB)', largestRssMB, `<= ${TARGET.rssMB}`, largestRssMB <= TARGET.rssMB),
    row('every cluster analysed after ingest (s)', result.firstAnalysisOfAllSeconds, '', null),
    row(`visibility p50 (ms, ${lat.length}/${TRIALS} seen)`, result.visibility.p50Ms, '', null),
    row('visibility p95 (ms)', result.visibility.p95Ms, '', null),
    row('visibility p99 (ms)', result.visibility.p99Ms, `<= ${TARGET.p99Ms}`, result.visibility.p99Ms !== null && result.visibility.p99Ms <= TARGET.p99Ms && done.timeouts.length === 0),
    row('background deltas (/s)', result.backgroundDeltas.perSecond, `${DELTA_RATE}`, null),
    row('server CPU s: ingest / first analyses / trials', `${result.serverCpuSeconds.ingest} / ${result.serverCpuSeconds.firstAnalysisOfAll} / ${result.serverCpuSeconds.visibilityPhase}`, '', null),
    row('agents process CPU s in the ingest', result.agentsCpuSecondsInIngest, '', null),
    ...(pg ? [row('PostgreSQL CPU s in the ingest', result.postgresCpuSecondsInIngest, '', null)] : []),
    row('cluster analysis p50 / p99 (s)', `${result.clusterAnalysisSeconds.p50} / ${result.clusterAnalysisSeconds.p99}`, '', null),
  ].join('\n'),
);
if (pg) await pg.stop();
fs.rmSync(dir, { recursive: true, force: true });
