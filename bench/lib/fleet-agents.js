// The simulated agents of bench/relay-fleet.js, in their own process: every cluster enrolls with its
// bootstrap token (the real /v1/enroll), then the real RelayAgent over HttpsTransport (mutual TLS,
// cursor, gzip batches) pushes its snapshot, `concurrency` clusters at a time. The last `concurrency`
// agents stay connected: all but one send the steady background deltas; the last one (the probe)
// flips a PeerAuthentication between DISABLE and STRICT so AUT002 opens and resolves, and the time
// from the send of the batch carrying the flip to the API answer showing it is measured.
//
// Progress and results are JSON lines on stdout (read by bench/relay-fleet.js); nothing secret is printed.
//
// `cfg.replay` (MESHWARD_BENCH_AGENTS=replay in bench/relay-fleet.js): every cluster but the last
// `concurrency` (which stay connected for the steady phase and are real agents) sends a replay of a
// real agent's snapshot instead: enrolled the same way, the same cursor request, the same parts (the
// real agent's wire objects from the same simulated objects, 5,000 changes a part, gzip at the agent's
// level, the last part with the cache's kind statuses) over the same mutual-TLS transport, answers
// honoured as the agent does (429 and 503: wait and send again). What it leaves out is the agent's
// own CPU: each part's changes are compressed once, before the ingest starts, and every cluster's body
// is three gzip members (its own batch header, the shared changes, the closing bracket), which the
// server decompresses as one stream. The server does all its work; the load generator does little.
// It shows what the servers (and PostgreSQL) ingest when the agents run elsewhere, as deployed.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { objectsOf, serviceDelta } from './fleet-objects.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const imp = (p) => import(pathToFileURL(path.join(REPO, 'dist', p)).href);
const { RelayAgent } = await imp('relay/agent.js');
const { HttpsTransport } = await imp('relay/transport.js');
const { openAgentIdentity } = await imp('relay/enroll.js');
const { ObjectCache } = await imp('webhook/object-cache.js');
const { toWireObject, kindStatuses, batchJson } = await imp('relay/snapshot.js');
const { AGENT_PATHS, RELAY_LIMITS, RELAY_PROTOCOL_VERSION } = await imp('relay/protocol.js');
const { AGENT_GZIP_LEVEL } = await imp('relay/transport.js');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const emit = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const silent = { info() {}, warn() {}, error() {} };
// One agent port per server replica (bench/relay-fleet.js MESHWARD_BENCH_REPLICAS): cluster i talks to replica i mod n,
// as agents behind one Service spread over its pods.
const agentUrls = (cfg.agentUrls ?? [cfg.agentUrl]).map((u) => new URL(u));
// The API is asked on a replica other than the one the probe's batches go to (when there are several):
// what one replica stores is what every replica answers.
let apiUrl = cfg.apiUrl;
const PROBE_NS = 'ns-0';
const PROBE_NAME = 'bench-probe';

function memoryCredentials() {
  let held = null;
  return { load: async () => held, save: async (c) => void (held = c), describe: () => 'memory' };
}

/** Forwards to the real transport; tells `onSend` about every batch just before it goes out. */
class WatchedTransport {
  constructor(inner, onSend) {
    this.inner = inner;
    this.onSend = onSend;
  }
  cursor() {
    return this.inner.cursor();
  }
  sendBatch(batch) {
    this.onSend?.(batch, performance.now());
    return this.inner.sendBatch(batch);
  }
  close() {
    this.inner.close();
  }
}

async function startAgent(c, i) {
  const replica = i % agentUrls.length;
  const agentUrl = agentUrls[replica];
  // owned: the objects are made for this cache alone (a real agent's cache is filled by its informers before the snapshot).
  const cache = new ObjectCache({ name: c.name, objects: objectsOf(c.name, cfg.objects), owned: true });
  const identity = await openAgentIdentity({ server: agentUrl, cluster: c.name, serverCaPem: cfg.caPem, bootstrapToken: c.token, store: memoryCredentials(), agentVersion: 'bench' });
  const watched = new WatchedTransport(new HttpsTransport({ server: agentUrl, serverCaPem: cfg.caPem, identity }), null);
  // The agent's own heartbeat (an empty delta every 30 s when idle), as deployed: the server keeps the
  // models of clusters whose agents it hears from (docs/relay.md "What is kept"), and a kept agent that
  // waits silent for the trials would otherwise look gone.
  const agent = new RelayAgent({ cluster: c.name, agentVersion: 'bench', cache, client: watched, identity, log: silent, backoffBaseMs: 100, backoffCapMs: 2_000 });
  const snapshotDone = new Promise((resolve) => {
    const off = agent.onAck((s) => {
      if (s.snapshotComplete) {
        off();
        resolve();
      }
    });
  });
  const running = agent.run();
  running.catch((e) => emit({ event: 'agent-error', cluster: c.name, error: String(e?.message ?? e).slice(0, 200) }));
  return { cluster: c.name, replica, cache, watched, agent, running, snapshotDone };
}

/** The replayed snapshot: each part's changes compressed once (shared by every cluster), and the cache's kind statuses. */
function replaySnapshot() {
  const cache = new ObjectCache({ name: 'replay', objects: objectsOf('replay', cfg.objects), owned: true });
  const changes = [...cache.resources()].map((r) => JSON.stringify({ op: 'upsert', object: toWireObject(r) }));
  const parts = [];
  for (let i = 0; i < changes.length; i += RELAY_LIMITS.maxChangesPerBatch) {
    parts.push(gzipSync(changes.slice(i, i + RELAY_LIMITS.maxChangesPerBatch).join(','), { level: AGENT_GZIP_LEVEL }));
  }
  return { parts, kinds: kindStatuses(cache.status()), tail: gzipSync(']}') };
}
const replay = cfg.replay ? replaySnapshot() : null;

/** One cluster's snapshot, replayed (see the top of this file); resolves when the server has stored its last part. */
async function replayCluster(c, i) {
  const agentUrl = agentUrls[i % agentUrls.length];
  const identity = await openAgentIdentity({ server: agentUrl, cluster: c.name, serverCaPem: cfg.caPem, bootstrapToken: c.token, store: memoryCredentials(), agentVersion: 'bench' });
  const transport = new HttpsTransport({ server: agentUrl, serverCaPem: cfg.caPem, identity });
  try {
    const cursor = await transport.cursor();
    if (!cursor.ok) throw new Error(`cursor of ${c.name}: HTTP ${cursor.status}`);
    const epoch = randomBytes(12).toString('hex');
    for (let p = 0; p < replay.parts.length; p++) {
      const last = p === replay.parts.length - 1;
      const head = { v: RELAY_PROTOCOL_VERSION, cluster: c.name, agentVersion: 'bench', epoch, seq: p + 1, type: 'snapshot', sentAt: new Date().toISOString(), last, ...(last ? { kinds: replay.kinds } : {}) };
      // The agent's own batch JSON with no changes, cut before its closing `]}`: the shared part and the tail follow.
      const opening = batchJson({ ...head, changes: [] }).slice(0, -2);
      const body = Buffer.concat([gzipSync(opening), replay.parts[p], replay.tail]);
      for (let attempt = 1; ; attempt++) {
        // The transport's own request (private in TypeScript): the body is already compressed.
        const reply = await transport.request('POST', AGENT_PATHS.batch, body);
        if (reply.ok) break;
        if ((reply.status !== 429 && reply.status !== 503) || attempt > 50) throw new Error(`batch ${p + 1} of ${c.name}: HTTP ${reply.status} ${reply.error?.code ?? ''}`);
        await sleep(Math.min(reply.retryAfterMs ?? 200, 5_000));
      }
    }
  } finally {
    transport.close();
  }
}

async function stopAgent(a) {
  a.agent.stop();
  await a.running.catch(() => undefined);
  a.watched.close();
}

async function api(pathAndQuery) {
  const res = await fetch(new URL(pathAndQuery, apiUrl), { headers: { authorization: `Bearer ${cfg.apiToken}` } });
  if (res.status !== 200) throw new Error(`GET ${pathAndQuery.split('?')[0]}: HTTP ${res.status}`);
  return res.json();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// 1. Initial ingest.
const t0 = performance.now();
let next = 0;
const kept = [];
const n = cfg.clusters.length;
const concurrency = Math.min(cfg.concurrency, n);
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      if (replay && i < n - concurrency) {
        await replayCluster(cfg.clusters[i], i);
        if ((i + 1) % 10 === 0) emit({ event: 'progress', snapshots: i + 1 });
        continue;
      }
      const a = await startAgent(cfg.clusters[i], i);
      await a.snapshotDone;
      if (i >= n - concurrency) kept.push(a);
      else await stopAgent(a);
      if ((i + 1) % 10 === 0) emit({ event: 'progress', snapshots: i + 1 });
    }
  }),
);
const ingestSeconds = (performance.now() - t0) / 1000;
emit({ event: 'ingested', seconds: ingestSeconds, objects: n * cfg.objects });

// 2. Wait for the server to analyse every cluster once (the initial backlog is not the steady state measured).
const t1 = performance.now();
for (;;) {
  const list = (await api('/api/clusters')).items;
  // Stopped agents turn 'stale' after 5 minutes: what counts is that every stored batch is analysed.
  const behind = list.filter((c) => c.name !== '(fleet)' && (c.lastAnalysisAt === null || c.analysisBacklog > 0)).length;
  if (list.length >= (cfg.expectClusters ?? n) && behind === 0) break;
  await sleep(500);
}
emit({ event: 'analysed', seconds: (performance.now() - t1) / 1000 });

// 3. Background deltas at cfg.deltaRate per second over every kept agent but the probe.
kept.sort((a, b) => (a.cluster < b.cluster ? -1 : 1));
const probe = kept[kept.length - 1];
if (cfg.apiUrls?.length > 1) apiUrl = cfg.apiUrls[(probe.replica + 1) % cfg.apiUrls.length];
const background = kept.length > 1 ? kept.slice(0, -1) : kept;
let tick = 0;
let stopDeltas = false;
const deltaStart = performance.now();
const deltaLoop = (async () => {
  const start = performance.now();
  while (!stopDeltas) {
    const a = background[tick % background.length];
    a.cache.apply(serviceDelta(cfg.objects, tick));
    tick++;
    const due = start + (tick * 1000) / cfg.deltaRate;
    await sleep(Math.max(0, due - performance.now()));
  }
})();

// 4. Visibility trials on the probe cluster.
let sentAt = null;
let waitingFor = null;
probe.watched.onSend = (batch, at) => {
  if (waitingFor === null || sentAt !== null) return;
  for (const ch of batch.changes) {
    const o = ch.op === 'upsert' ? ch.object?.obj : null;
    if (o?.metadata?.name === PROBE_NAME && o?.metadata?.labels?.trial === String(waitingFor)) sentAt = at;
  }
};
const findingsPath = `/api/findings?cluster=${probe.cluster}&rule=AUT002&namespace=${PROBE_NS}`;
const latencies = [];
const timeouts = [];
const deadlineMs = cfg.trialTimeoutMs;
for (let trial = 1; trial <= cfg.trials; trial++) {
  const disable = trial % 2 === 1; // odd trials open the finding, even ones resolve it
  // The previous trial's state must be visible first (it may have timed out): otherwise this trial
  // would find the state it expects already there and time nothing.
  const settleStarted = performance.now();
  let settled = false;
  while (performance.now() - settleStarted < deadlineMs) {
    const page = await api(findingsPath);
    if (page.items.some((f) => f.resource?.name === PROBE_NAME) !== disable) {
      settled = true;
      break;
    }
    await sleep(cfg.pollMs);
  }
  if (!settled) {
    timeouts.push(trial);
    emit({ event: 'trial', trial, ms: null, unsettled: true });
    continue;
  }
  sentAt = null;
  waitingFor = trial;
  probe.cache.apply({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { namespace: PROBE_NS, name: PROBE_NAME, labels: { trial: String(trial) }, resourceVersion: String(1000 + trial) }, spec: { mtls: { mode: disable ? 'DISABLE' : 'STRICT' } } });
  const started = performance.now();
  let seen = false;
  while (performance.now() - started < deadlineMs) {
    const page = await api(findingsPath);
    const open = page.items.some((f) => f.resource?.name === PROBE_NAME);
    if (open === disable && sentAt !== null) {
      latencies.push(performance.now() - sentAt);
      seen = true;
      break;
    }
    await sleep(cfg.pollMs);
  }
  if (!seen) timeouts.push(trial);
  waitingFor = null;
  emit({ event: 'trial', trial, ms: seen ? Math.round(latencies[latencies.length - 1]) : null });
  await sleep(100 + Math.floor(Math.random() * 200));
}
stopDeltas = true;
await deltaLoop;
const deltaSeconds = (performance.now() - deltaStart) / 1000;
for (const a of kept) await stopAgent(a);
emit({ event: 'done', ingestSeconds, latencies, timeouts, deltasSent: tick, deltaSeconds });
