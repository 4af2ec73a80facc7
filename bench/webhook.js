#!/usr/bin/env node
// Admission webhook benchmark (issue 12): `meshward webhook` over HTTPS on loopback with keep-alive,
// driven by autocannon at a fixed rate with a mix of real AdmissionReviews, against a cache of
// synthetic mesh objects; side by side in the same run with a bare Node HTTPS handler that reads the
// body and returns a fixed allow (the floor any webhook in Node pays for TLS, HTTP and JSON).
//
//   npm run build && node bench/webhook.js [--duration 30] [--warm-up 5] [--rate 1000] [--objects 20000]
//                                         [--connections 40] [--pacing paced|burst] [--only bare,webhook]
//                                         (--only bare,floor,webhook adds bench/lib/webhook-floor.js: the
//                                         webhook's pipeline with a decision that does nothing; not judged;
//                                         `minimal` adds a server that only parses the review and answers
//                                         its uid: the least any correct webhook does; not judged)
//                                         [--floor-decision-us N] (the floor's decision spins N µs: what a
//                                         decision of that constant cost would score against the bare p99)
//                                         [--minimal-work-us 50,100] (the minimal server spinning N µs of
//                                         CPU a review, one server per N: the ratio any webhook doing N µs
//                                         of work would score here; not judged)
//
// Both servers run in their own process (the CLI, exactly as deployed: `meshward webhook --objects
// FILE`), one after the other, never at once: the machine's cores are for the server under test and
// autocannon. The reviews cycle through VirtualServices, Deployments and AuthorizationPolicies taken
// from the synthetic corpus (bench/generate.js): UPDATEs of cached objects, CREATEs of new ones, and
// some that break a rule (a hijacking VirtualService, a Deployment running as UID 1337).
// Pacing (see drivePaced and driveBurst): by default the rate is shared by staggered single-connection
// autocannon instances and every response time is kept (exact percentiles); `--pacing burst` is
// autocannon's own rate limit over all connections (one burst a second). The webhook's peak
// RSS is its VmHWM from /proc at the end of the run.
// Targets: p99 <= 5 ms and <= 1.5x the bare p99; no errors; RSS <= 300 MB.
// Each server is measured as a deployed one serves: the webhook once /readyz says ready (as the API
// server sends reviews only to a ready pod: cache synced, decision warmed up on reviews of its own),
// and with paced load the first --warm-up seconds of load (new connections, code still compiling,
// the heap settling) are kept apart: their percentiles are reported on their own line, the targets
// are judged on the --duration seconds that follow (the same continuous load, no pause between).
// Results go to bench/out/webhook-results.json. Exit: 0 targets met, 1 one missed, 2 could not run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { namespaces, DEFAULT_SEED } from './generate.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(BENCH, '..');
const OUT = path.join(BENCH, 'out');
const BIN = path.join(REPO, 'bin', 'meshward.js');

export const TARGETS = { p99Ms: 5, ratioToBare: 1.5, rssBytes: 300e6 };

// ---------------------------------------------------------------------------------------------
// `node bench/webhook.js --serve-bare CERT KEY`: the yardstick server.

if (process.argv[2] === '--serve-bare') {
  const [cert, key] = process.argv.slice(3).map((f) => fs.readFileSync(f));
  const ALLOW = Buffer.from(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: '00000000-0000-0000-0000-000000000000', allowed: true } }));
  const server = https.createServer({ cert, key }, (req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': ALLOW.length });
      res.end(ALLOW);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`{"event":"listening","port":${server.address().port}}\n`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else if (process.argv[2] === '--serve-minimal') {
  // The least any correct webhook does (`--only ...,minimal`, not judged): read the whole review, parse
  // its JSON, and answer its own uid. No cache, no checks, no decision: the distance from the bare
  // handler to this one is the cost of reading the review at all.
  // With a third argument N it then spins N µs of CPU (`--minimal-work-us`): any webhook whose
  // decision costs N µs, with nothing else around it.
  const [cert, key] = process.argv.slice(3, 5).map((f) => fs.readFileSync(f));
  const workMs = Number(process.argv[5] ?? 0) / 1000;
  const server = https.createServer({ cert, key }, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const uid = JSON.parse(Buffer.concat(chunks).toString('utf8'))?.request?.uid ?? '';
      for (const until = performance.now() + workMs; performance.now() < until; );
      const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`{"event":"listening","port":${server.address().port}}\n`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`bench/webhook: ${err?.stack ?? err}\n`);
      process.exitCode = 2;
    },
  );
}

function parseArgs(argv) {
  const o = { duration: 30, warmUp: 5, rate: 1000, objects: 20_000, connections: 40, pacing: 'paced', only: ['bare', 'webhook'], results: path.join(OUT, 'webhook-results.json') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--duration') o.duration = Number(v());
    else if (a === '--warm-up') o.warmUp = Number(v());
    else if (a === '--rate') o.rate = Number(v());
    else if (a === '--objects') o.objects = Number(v());
    else if (a === '--connections') o.connections = Number(v());
    else if (a === '--pacing') {
      o.pacing = v();
      if (o.pacing !== 'paced' && o.pacing !== 'burst') throw new Error('--pacing is paced or burst');
    } else if (a === '--only') o.only = v().split(',');
    else if (a === '--floor-decision-us') o.floorDecisionUs = Number(v());
    else if (a === '--minimal-work-us') o.minimalWorkUs = v().split(',').map(Number);
    else if (a === '--results') o.results = v();
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// The cache and the reviews.

// buildWorkload and cacheKindSet are exported for in-process studies of the same reviews (importing
// this file runs nothing).

/** The kinds the webhook's cache watches (admission-kinds.ts), as the generator writes them. */
export async function cacheKindSet() {
  const { cacheKinds } = await import(pathToFileURL(path.join(REPO, 'dist', 'webhook', 'admission-kinds.js')).href);
  return new Set(cacheKinds().map((k) => k.kind));
}

let uidSeq = 0;
function review(operation, object, oldObject = null) {
  const o = object ?? oldObject;
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `bench-${++uidSeq}`,
      kind: { group, version, kind: o.kind },
      resource: { group, version, resource: `${o.kind.toLowerCase()}s` },
      requestKind: { group, version, kind: o.kind },
      namespace: o.metadata.namespace,
      name: o.metadata.name,
      operation,
      userInfo: { username: `system:serviceaccount:${o.metadata.namespace}:deployer`, groups: ['system:serviceaccounts', `system:serviceaccounts:${o.metadata.namespace}`, 'system:authenticated'] },
      object: operation === 'DELETE' ? null : object,
      oldObject: operation === 'CREATE' ? null : oldObject,
      dryRun: false,
    },
  };
}

export function buildWorkload(total, kinds) {
  const cached = [];
  const byKind = { VirtualService: [], Deployment: [], AuthorizationPolicy: [] };
  // Exactly `total` cached objects: the generator's `total` counts kinds the cache does not watch too
  // (about a fifth), so it is asked for more and the stream is cut at `total`.
  outer: for (const ns of namespaces(DEFAULT_SEED, Math.ceil(total * 1.5))) {
    for (const o of ns) {
      if (cached.length >= total) break outer;
      if (!kinds.has(o.kind)) continue;
      cached.push(o);
      if (Object.hasOwn(byKind, o.kind) && o.metadata?.namespace && o.metadata.namespace !== 'istio-system') byKind[o.kind].push(o);
    }
  }
  if (cached.length !== total) throw new Error(`the generator gave ${cached.length} cacheable objects, not ${total}`);
  const reviews = [];
  const pick = (list, i) => list[(i * 7919) % list.length];
  for (let i = 0; i < 300; i++) {
    const kind = ['VirtualService', 'Deployment', 'AuthorizationPolicy'][i % 3];
    const base = pick(byKind[kind], i);
    if (!base) continue;
    const copy = structuredClone(base);
    if (i % 10 === 0 && kind === 'VirtualService') {
      // A hijack: another namespace's host, on the mesh gateway.
      const victim = pick(byKind.VirtualService, i + 1);
      copy.metadata.name = `${copy.metadata.name}-steal`;
      copy.spec.hosts = [`${victim.spec?.hosts?.[0] ?? 'web'}.${victim.metadata.namespace}.svc.cluster.local`];
      delete copy.spec.gateways;
      reviews.push(review('CREATE', copy));
    } else if (i % 10 === 1 && kind === 'Deployment') {
      // Runs as the proxy's UID: a sidecar bypass.
      const c = copy.spec?.template?.spec?.containers?.[0];
      if (c) c.securityContext = { ...(c.securityContext ?? {}), runAsUser: 1337 };
      reviews.push(review('UPDATE', copy, base));
    } else if (i % 2 === 0) {
      copy.metadata.labels = { ...(copy.metadata.labels ?? {}), 'bench/revision': String(i) };
      reviews.push(review('UPDATE', copy, base));
    } else {
      copy.metadata.name = `${copy.metadata.name}-new${i}`;
      reviews.push(review('CREATE', copy));
    }
  }
  return { cached, reviews };
}

// ---------------------------------------------------------------------------------------------
// Processes.

// MESHWARD_BENCH_WEBHOOK_NODE_ARGS: node flags for the webhook process only (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof");
// MESHWARD_BENCH_BARE_NODE_ARGS the same for the bare handler's process.
const webhookNodeArgs = (process.env.MESHWARD_BENCH_WEBHOOK_NODE_ARGS ?? '').split(' ').filter(Boolean);
const bareNodeArgs = (process.env.MESHWARD_BENCH_BARE_NODE_ARGS ?? '').split(' ').filter(Boolean);
// MESHWARD_BENCH_WEBHOOK_ARGS: more `meshward webhook` flags (e.g. "--warm-up-decisions 0" to compare).
const webhookArgs = (process.env.MESHWARD_BENCH_WEBHOOK_ARGS ?? '').split(' ').filter(Boolean);

// MESHWARD_BENCH_WEBHOOK_LOG=FILE: the webhook's standard output (its JSON log) as it came.
function startProcess(args, cwd, logFile = null) {
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  if (logFile) child.stdout.pipe(fs.createWriteStream(logFile));
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const ready = new Promise((resolve, reject) => {
    const onData = (d) => {
      out += d;
      const m = /"event":"listening"[^\n]*"port":(\d+)/.exec(out);
      if (m) {
        child.stdout.off('data', onData);
        // Keep draining the log so the pipe never fills (a full pipe would stall the server).
        child.stdout.on('data', () => {});
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${args.slice(0, 2).join(' ')} exited (${code}) before listening: ${err.slice(0, 2000)}`)));
  });
  return { child, ready, stderr: () => err };
}

async function stopProcess(child) {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

function procStatus(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peakRss: kb('VmHWM'), cpuSeconds: cpuSeconds(pid) };
  } catch {
    return { rss: NaN, peakRss: NaN, cpuSeconds: NaN };
  }
}

/** User + system CPU time of a process so far, in seconds (/proc/PID/stat, clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid) {
  // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function get(port, ca, p) {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: p, ca, servername: 'localhost' }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      })
      .on('error', reject);
  });
}

/** Waits until `port`'s /readyz answers 200 (at most 120 s). */
async function waitReady(port, ca, what) {
  for (const deadline = Date.now() + 120_000; (await get(port, ca, '/readyz')).status !== 200; ) {
    if (Date.now() > deadline) throw new Error(`${what} did not turn ready within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** drive()'s figures for one server process, with its status and the CPU it spent under the load. */
async function measure(child, autocannon, port, ca, bodies, o) {
  const cpu0 = cpuSeconds(child.pid);
  const r = await drive(autocannon, port, ca, bodies, o);
  r.process = procStatus(child.pid);
  r.process.cpuSecondsUnderLoad = Number((r.process.cpuSeconds - cpu0).toFixed(2));
  return r;
}

async function drive(autocannon, port, ca, bodies, o) {
  return o.pacing === 'burst' ? driveBurst(autocannon, port, ca, bodies, o) : drivePaced(autocannon, port, ca, bodies, o);
}

function autocannonOptions(port, ca, bodies, o, counters) {
  return {
    url: `https://127.0.0.1:${port}`,
    duration: o.duration + (o.pacing === 'paced' ? o.warmUp : 0),
    requests: bodies.map((body) => ({ method: 'POST', path: '/validate', body, headers: { 'content-type': 'application/json' } })),
    servername: 'localhost',
    tlsOptions: { ca },
    verifyBody: (body) => {
      const ok = body.startsWith('{"apiVersion":"admission.k8s.io/v1"');
      if (!ok) counters.bad++;
      return ok;
    },
  };
}

/**
 * autocannon's own rate limit: every connection sends its share of the second back to back as soon as
 * the second starts (a burst of `rate` requests at `connections` in flight), and its coordinated-omission
 * correction uses an expected interval of ceil(1 / share) = 1 ms, so every response slower than 1 ms adds
 * synthetic samples. Kept for comparison (`--pacing burst`): it measures queueing at 32 in flight, not
 * a webhook called 1,000 times a second.
 */
async function driveBurst(autocannon, port, ca, bodies, o) {
  const counters = { bad: 0 };
  const result = await autocannon({ ...autocannonOptions(port, ca, bodies, o, counters), connections: o.connections, overallRate: o.rate });
  return {
    pacing: 'burst',
    requests: result.requests.total,
    rps: result.requests.average,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    mismatches: result.mismatches ?? counters.bad,
  };
}

/**
 * A fixed rate per second, as near to evenly spread as autocannon's per-connection rate limit allows:
 * `connections` autocannon instances of one keep-alive connection each, each sending rate/connections
 * requests a second, started 1000/connections ms apart. autocannon sends a connection's share of the
 * second back to back as soon as its second starts (one in flight at a time), so the server sees a run
 * of 25 requests every 25 ms (at 1,000/s over 40 connections), and each connection's first request of
 * a second comes after it sat idle; those are reported apart (`firstOfSecond`), as they are 4% of the
 * requests and so make the p99 of both servers (docs/webhook.md "Figures"). Every response's time (from
 * writing the request to the whole response, autocannon's own measure) is kept and the percentiles are
 * exact, with no synthetic samples; the slowest responses are reported as max.
 */
async function drivePaced(autocannon, port, ca, bodies, o) {
  const counters = { bad: 0 };
  // Responses in the first `warmUp` seconds are kept apart: reported, not in the measured percentiles.
  const warmTimes = [];
  // The measured responses, as each connection's first of a second and the others (together: all of them).
  const firstTimes = [];
  const restTimes = [];
  const measureFrom = performance.now() + o.warmUp * 1000;
  const perConnection = o.rate / o.connections;
  if (!Number.isInteger(perConnection)) throw new Error(`--rate ${o.rate} must be a multiple of --connections ${o.connections}`);
  const runs = [];
  for (let i = 0; i < o.connections; i++) {
    runs.push(
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, (i * 1000) / o.connections));
        // The run is an EventEmitter and a thenable of its results (awaiting it waits for the end).
        const run = autocannon({ ...autocannonOptions(port, ca, bodies, o, counters), connections: 1, connectionRate: perConnection });
        // A response that ends a connection's idle wait (its first of the second) is kept apart too.
        let last = 0;
        run.on('response', (_client, _status, _bytes, ms) => {
          const now = performance.now();
          const first = now - ms - last > 100;
          last = now;
          if (now < measureFrom) warmTimes.push(ms);
          else (first ? firstTimes : restTimes).push(ms);
        });
        return await run;
      })(),
    );
  }
  const results = await Promise.all(runs);
  const times = [...firstTimes, ...restTimes];
  const percentiles = (xs) => {
    xs.sort((a, b) => a - b);
    const at = (q) => (xs.length ? Number(xs[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)].toFixed(2)) : NaN);
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1), mean: Number((xs.reduce((a, b) => a + b, 0) / (xs.length || 1)).toFixed(2)) };
  };
  const sum = (f) => results.reduce((n, r) => n + f(r), 0);
  return {
    pacing: 'paced',
    requests: times.length,
    // Both phases (the process's CPU is read over both).
    allRequests: sum((r) => r.requests.total),
    rps: Number((times.length / o.duration).toFixed(1)),
    latencyMs: percentiles(times),
    warmUp: { seconds: o.warmUp, requests: warmTimes.length, latencyMs: percentiles(warmTimes) },
    firstOfSecond: { requests: firstTimes.length, latencyMs: percentiles(firstTimes) },
    restOfSecond: { requests: restTimes.length, latencyMs: percentiles(restTimes) },
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    non2xx: sum((r) => r.non2xx),
    mismatches: counters.bad,
  };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(REPO, 'dist', 'webhook', 'server.js'))) throw new Error('no build: run npm run build first');
  const { default: autocannon } = await import('autocannon');
  const { createCertificateAuthority } = await import(pathToFileURL(path.join(REPO, 'dist', 'testing', 'apiserver', 'pki.js')).href);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-bench-webhook-'));
  try {
    const ca = await createCertificateAuthority('meshward-bench-ca');
    const leaf = await ca.issueServer();
    fs.writeFileSync(path.join(dir, 'tls.crt'), leaf.certPem);
    fs.writeFileSync(path.join(dir, 'tls.key'), leaf.keyPem);
    const { cached, reviews } = buildWorkload(o.objects, await cacheKindSet());
    // JSON documents are YAML documents: one per object, as `kubectl get -o yaml` would list them.
    fs.writeFileSync(path.join(dir, 'objects.yaml'), cached.map((x) => JSON.stringify(x)).join('\n---\n') + '\n');
    const bodies = reviews.map((r) => JSON.stringify(r));
    const mix = reviews.reduce((m, r) => ((m[`${r.request.kind.kind} ${r.request.operation}`] = (m[`${r.request.kind.kind} ${r.request.operation}`] ?? 0) + 1), m), {});
    process.stdout.write(`cache: ${cached.length} objects; ${reviews.length} distinct reviews (${Object.entries(mix).map(([k, n]) => `${n} ${k}`).join(', ')})\n`);
    process.stdout.write(`load: ${o.rate} req/s for ${o.duration} s${o.pacing === 'paced' && o.warmUp ? ` after ${o.warmUp} s of the same load` : ''} over ${o.connections} keep-alive HTTPS connections (${o.pacing}); ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
    const results = { date: new Date().toISOString(), options: o, cacheObjects: cached.length, reviews: reviews.length, targets: TARGETS, machine: { cpus: os.cpus().length, loadavg: os.loadavg() } };

    if (o.only.includes('bare')) {
      const bare = startProcess([...bareNodeArgs, fileURLToPath(import.meta.url), '--serve-bare', path.join(dir, 'tls.crt'), path.join(dir, 'tls.key')], dir);
      results.bare = await measure(bare.child, autocannon, await bare.ready, ca.certPem, bodies, o);
      await stopProcess(bare.child);
      report('bare', results.bare);
    }
    if (o.only.includes('minimal')) {
      const minimal = startProcess([...bareNodeArgs, fileURLToPath(import.meta.url), '--serve-minimal', path.join(dir, 'tls.crt'), path.join(dir, 'tls.key')], dir);
      results.minimal = await measure(minimal.child, autocannon, await minimal.ready, ca.certPem, bodies, o);
      await stopProcess(minimal.child);
      report('minimal', results.minimal);
    }
    for (const us of o.minimalWorkUs ?? []) {
      // `--minimal-work-us 50,100`: the minimal server spending that many µs of CPU on each review.
      const name = `minimal+${us}us`;
      const m = startProcess([...bareNodeArgs, fileURLToPath(import.meta.url), '--serve-minimal', path.join(dir, 'tls.crt'), path.join(dir, 'tls.key'), String(us)], dir);
      (results.minimalWork ??= {})[us] = await measure(m.child, autocannon, await m.ready, ca.certPem, bodies, o);
      await stopProcess(m.child);
      report(name, results.minimalWork[us]);
    }
    if (o.only.includes('floor')) {
      // The webhook's pipeline with a decision that does nothing (bench/lib/webhook-floor.js): not judged.
      const floor = startProcess([...webhookNodeArgs, path.join(BENCH, 'lib', 'webhook-floor.js'), 'tls.crt', 'tls.key', 'objects.yaml', String(o.floorDecisionUs ?? 0)], dir);
      const port = await floor.ready;
      await waitReady(port, ca.certPem, 'the floor server');
      results.floor = await measure(floor.child, autocannon, port, ca.certPem, bodies, o);
      await stopProcess(floor.child);
      report('floor', results.floor);
    }
    if (o.only.includes('webhook')) {
      const started = Date.now();
      const wh = startProcess([...webhookNodeArgs, BIN, 'webhook', '--tls-cert', 'tls.crt', '--tls-key', 'tls.key', '--port', '0', '--host', '127.0.0.1', '--objects', 'objects.yaml', '--namespace', 'meshward', ...webhookArgs], dir, process.env.MESHWARD_BENCH_WEBHOOK_LOG ?? null);
      const port = await wh.ready;
      results.webhookListeningSeconds = (Date.now() - started) / 1000;
      // The API server sends reviews to a webhook pod once its readiness probe passes: so does the bench.
      // /readyz turns 200 once the cache has synced and the decision has warmed up on reviews of its own.
      await waitReady(port, ca.certPem, 'the webhook');
      results.webhookStartSeconds = (Date.now() - started) / 1000;
      // A few answers first, to check what the mix decides.
      const verdicts = { allowed: 0, denied: 0 };
      for (const body of bodies.slice(0, 30)) {
        const r = await postOnce(port, ca.certPem, body);
        verdicts[r.response?.allowed ? 'allowed' : 'denied']++;
      }
      results.sampleVerdicts = verdicts;
      results.webhook = await measure(wh.child, autocannon, port, ca.certPem, bodies, o);
      const metrics = (await get(port, ca.certPem, '/metrics')).body;
      results.webhook.overBudget = Number(/^meshward_webhook_decisions_over_budget_total (\d+)/m.exec(metrics)?.[1] ?? NaN);
      results.webhook.inside = insideFigures(metrics);
      results.webhook.exit = await stopProcess(wh.child);
      report('webhook', results.webhook);
      process.stdout.write(`  listening in ${results.webhookListeningSeconds.toFixed(1)} s, ready (cache synced, decision warmed up) in ${results.webhookStartSeconds.toFixed(1)} s; sample verdicts ${JSON.stringify(verdicts)}; over budget ${results.webhook.overBudget}\n`);
      const inside = results.webhook.inside;
      process.stdout.write(
        `  inside the webhook (its /metrics, whole life): request handling mean ${inside.requestMeanMs} ms, ${inside.requestsOver5msShare}% over 5 ms; GC ${Object.entries(inside.gc).map(([k, g]) => `${k} ${g.count} x, ${g.totalMs} ms`).join('; ')}; event-loop delay (prom-client samples every 10 ms, and the figures include those 10 ms) p50 ${inside.eventLoopDelayMs.p50} / p99 ${inside.eventLoopDelayMs.p99} / max ${inside.eventLoopDelayMs.max} ms\n` +
          `  over 5 ms inside, by kind: ${Object.entries(inside.over5msShareByKind).map(([k, v]) => `${k} ${v}%`).join(', ')}\n`,
      );
    }
    const verdict = judge(results);
    results.verdict = verdict;
    fs.mkdirSync(path.dirname(o.results), { recursive: true });
    fs.writeFileSync(o.results, JSON.stringify(results, null, 2) + '\n');
    for (const line of verdict.lines) process.stdout.write(line + '\n');
    process.stdout.write(`results: ${path.relative(process.cwd(), o.results)}\n`);
    return verdict.pass ? 0 : 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Where the time goes inside the webhook, from its own /metrics (prom-client: the request histogram,
 * and the default Node metrics with their GC durations by kind and event-loop delay). These cover the
 * process's whole life, start-up included, which the GC figures show apart as major collections.
 * The request histogram times the handler (body read to response written), so what the client sees
 * beyond it is queueing before the handler runs, TLS and the network.
 */
function insideFigures(metrics) {
  const num = (re) => Number(re.exec(metrics)?.[1] ?? NaN);
  const sumOf = (name) => {
    let total = 0;
    for (const m of metrics.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))) total += Number(m[1]);
    return total;
  };
  const reqCount = sumOf('meshward_webhook_request_duration_seconds_count');
  const reqSum = sumOf('meshward_webhook_request_duration_seconds_sum');
  let under5 = 0;
  // Per kind and operation too: a tail spread evenly over cheap and costly reviews is the process
  // stalling (the machine), one concentrated on a kind is that kind's decision.
  const byKind = {};
  const kindOf = (labels) => `${/kind="([^"]*)"/.exec(labels)?.[1] ?? '?'} ${/operation="([^"]*)"/.exec(labels)?.[1] ?? '?'}`;
  for (const m of metrics.matchAll(/^meshward_webhook_request_duration_seconds_bucket\{([^}]*)\} ([0-9.e+-]+)$/gm)) {
    if (!/le="0\.005"/.test(m[1])) continue;
    under5 += Number(m[2]);
    (byKind[kindOf(m[1])] ??= { count: 0, under5: 0 }).under5 += Number(m[2]);
  }
  for (const m of metrics.matchAll(/^meshward_webhook_request_duration_seconds_count\{([^}]*)\} ([0-9.e+-]+)$/gm)) (byKind[kindOf(m[1])] ??= { count: 0, under5: 0 }).count += Number(m[2]);
  const gc = {};
  for (const m of metrics.matchAll(/^meshward_webhook_nodejs_gc_duration_seconds_(sum|count)\{kind="([a-z]+)"\} ([0-9.e+-]+)$/gm)) {
    const g = (gc[m[2]] ??= { count: 0, totalMs: 0 });
    if (m[1] === 'count') g.count = Number(m[3]);
    else g.totalMs = Number((Number(m[3]) * 1000).toFixed(1));
  }
  const lag = (q) => Number((num(new RegExp(`^meshward_webhook_nodejs_eventloop_lag_${q}_seconds ([0-9.e+-]+)$`, 'm')) * 1000).toFixed(2));
  return {
    requestMeanMs: Number(((reqSum / Math.max(1, reqCount)) * 1000).toFixed(3)),
    requestsOver5msShare: Number((100 * (1 - under5 / Math.max(1, reqCount))).toFixed(2)),
    over5msShareByKind: Object.fromEntries(Object.entries(byKind).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, Number((100 * (1 - v.under5 / Math.max(1, v.count))).toFixed(2))])),
    gc,
    eventLoopDelayMs: { p50: lag('p50'), p99: lag('p99'), max: lag('max') },
  };
}

function postOnce(port, ca, body) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, method: 'POST', path: '/validate', ca, servername: 'localhost', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function report(name, r) {
  const l = r.latencyMs;
  process.stdout.write(
    `${name.padEnd(8)} ${r.requests} requests (${r.rps.toFixed(0)}/s)  p50 ${l.p50} ms  p90 ${l.p90} ms  p99 ${l.p99} ms  max ${l.max} ms  errors ${r.errors} timeouts ${r.timeouts} non-2xx ${r.non2xx} bad bodies ${r.mismatches}  RSS ${(r.process.rss / 1e6).toFixed(0)} MB (peak ${(r.process.peakRss / 1e6).toFixed(0)} MB)  CPU under load ${r.process.cpuSecondsUnderLoad} s (${((r.process.cpuSecondsUnderLoad * 1000) / Math.max(1, r.allRequests ?? r.requests)).toFixed(3)} ms/request); load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n` +
      (r.firstOfSecond ? `         each connection's first request of a second (after its idle wait): ${r.firstOfSecond.requests}  p50 ${r.firstOfSecond.latencyMs.p50} ms  p99 ${r.firstOfSecond.latencyMs.p99} ms; the others: ${r.restOfSecond.requests}  p50 ${r.restOfSecond.latencyMs.p50} ms  p90 ${r.restOfSecond.latencyMs.p90} ms  p99 ${r.restOfSecond.latencyMs.p99} ms\n` : '') +
      (r.warmUp?.seconds ? `         before them, the first ${r.warmUp.seconds} s of load (not in the figures above): ${r.warmUp.requests} requests  p50 ${r.warmUp.latencyMs.p50} ms  p90 ${r.warmUp.latencyMs.p90} ms  p99 ${r.warmUp.latencyMs.p99} ms  max ${r.warmUp.latencyMs.max} ms\n` : ''),
  );
}

function judge(results) {
  const lines = [];
  let pass = true;
  const check = (ok, text) => {
    lines.push(`${ok ? 'PASS' : 'FAIL'} ${text}`);
    if (!ok) pass = false;
  };
  const w = results.webhook;
  const b = results.bare;
  // Not targets: how near the bare handler a server that only reads the review comes, and the webhook's pipeline alone (no decision at all).
  if (results.minimal && b) lines.push(`info minimal (parse the review, answer its uid) p99 ${results.minimal.latencyMs.p99} ms = ${(results.minimal.latencyMs.p99 / b.latencyMs.p99).toFixed(2)}x bare p99`);
  for (const [us, r] of Object.entries(results.minimalWork ?? {})) if (b) lines.push(`info minimal with ${us} µs of work a review p99 ${r.latencyMs.p99} ms = ${(r.latencyMs.p99 / b.latencyMs.p99).toFixed(2)}x bare p99`);
  if (results.floor && b) lines.push(`info floor (the webhook's pipeline, ${results.options.floorDecisionUs ? `a decision of a constant ${results.options.floorDecisionUs} µs of CPU` : 'no decision'}) p99 ${results.floor.latencyMs.p99} ms = ${(results.floor.latencyMs.p99 / b.latencyMs.p99).toFixed(2)}x bare p99`);
  if (w) {
    check(w.latencyMs.p99 <= TARGETS.p99Ms, `webhook p99 ${w.latencyMs.p99} ms <= ${TARGETS.p99Ms} ms`);
    if (b) check(w.latencyMs.p99 <= TARGETS.ratioToBare * b.latencyMs.p99, `webhook p99 ${w.latencyMs.p99} ms <= ${TARGETS.ratioToBare}x bare p99 ${b.latencyMs.p99} ms (${(w.latencyMs.p99 / b.latencyMs.p99).toFixed(2)}x)`);
    check(w.errors + w.timeouts + w.non2xx + w.mismatches === 0, `no errors (errors ${w.errors}, timeouts ${w.timeouts}, non-2xx ${w.non2xx}, bad bodies ${w.mismatches})`);
    check(w.process.peakRss <= TARGETS.rssBytes, `webhook peak RSS ${(w.process.peakRss / 1e6).toFixed(0)} MB <= ${TARGETS.rssBytes / 1e6} MB`);
    check(w.requests >= 0.95 * results.options.rate * results.options.duration, `sustained the rate: ${w.requests} of ${results.options.rate * results.options.duration} requests`);
  }
  return { pass, lines };
}
