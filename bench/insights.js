#!/usr/bin/env node
// Telemetry insights benchmark: 10,000 Istio series over a one-hour window, served by a real
// Prometheus (src/testing/prometheus.ts: promtool TSDB, free loopback port), and a 10,000-resource
// mesh (bench/generate.js) scanned end to end by the built CLI with `--prometheus`.
//
//   npm run build && node bench/insights.js [--resources 10000] [--series 10000] [--runs 3] [--profile]
//
// Measured, side by side (median of --runs):
//   queries   the bare PromQL queries meshward sends (promQueries), fetched and read as a client
//             like curl would, one after the other: what Prometheus itself costs
//   load      loadPrometheus() in this process: the queries plus parsing and edge building
//   scan      `meshward scan <mesh> --format json`, no telemetry (the baseline)
//   insights  `meshward scan <mesh> --prometheus URL --window 1h --format json`: the target, <= 5 s
// Setup (corpus, series, TSDB, Prometheus start) is not timed. Results also go to bench/out/insights.json.
// Beside wall time: CPU seconds (user + system) of each step: the CLI child's own (its rusage, read
// from /proc as the children's time this process waited for), Prometheus's (its /proc/PID/stat) and
// this process's for the in-process steps; and the load average before and after, since the machine
// may be shared (wall time under load says little without it).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generate, DEFAULT_SEED } from './generate.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.dirname(BENCH);
const OUT = path.join(BENCH, 'out');
const DIST = path.join(REPO, 'dist');
const TARGET_SECONDS = 5;

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const RESOURCES = arg('resources', 10_000);
const SERIES = arg('series', 10_000);
const RUNS = arg('runs', 3);
const WINDOW = 3600;

if (!fs.existsSync(path.join(DIST, 'cli', 'bin.js'))) {
  console.error('bench/insights.js: dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const imp = (p) => import(pathToFileURL(path.join(DIST, p)).href);
const [{ startPrometheus, openMetricsFor, edgeLabels }, { loadPrometheus, promQueries }, { scanPaths }] = await Promise.all([
  imp('testing/prometheus.js'),
  imp('insights/sources/prometheus.js'),
  imp('engine/scan.js'),
]);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Clock ticks per second of /proc's times (USER_HZ: 100 on Linux). */
const HZ = 100;
/** [utime, stime, cutime, cstime] of a /proc/<pid>/stat, in ms ('self' for this process). */
function procTimes(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [f[11], f[12], f[13], f[14]].map((x) => (Number(x) * 1000) / HZ);
  } catch {
    return [0, 0, 0, 0];
  }
}
/** CPU ms of waited-for children (the CLI runs) so far. */
const childrenCpu = () => {
  const t = procTimes('self');
  return t[2] + t[3];
};
const promCpu = (pid) => {
  const t = procTimes(pid);
  return t[0] + t[1];
};
const selfCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const ms = (n) => `${(n / 1000).toFixed(2)} s`;

// 1. The mesh.
const corpus = path.join(OUT, `insights-mesh-${RESOURCES}`);
fs.mkdirSync(OUT, { recursive: true });
generate({ out: corpus, resources: RESOURCES, seed: DEFAULT_SEED, nsPerFile: 100, format: 'yaml', quiet: true });
const { model } = await scanPaths([corpus], { rules: [] });
const workloads = model.workloads.map((w) => ({ workload: w.resource.name, namespace: w.namespace }));
if (workloads.length < 2) throw new Error(`the generated mesh has ${workloads.length} workloads; raise --resources`);

// 2. The series: traffic between the mesh's own workloads (so the rules find it), about one in ten
// plaintext, some TCP, some 403s; deterministic.
let seed = 12345;
const rand = (n) => {
  // Math.imul: a plain product passes 2^53 and loses bits, and the sequence fell into a short cycle
  // (repeated series, which promtool refuses as out-of-order samples).
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return seed % n;
};
const series = [];
// Two series with the same labels would be one series with out-of-order samples (promtool refuses it).
const seen = new Set();
const push = (x) => {
  const key = JSON.stringify([x.metric, x.labels]);
  if (seen.has(key)) return;
  seen.add(key);
  series.push(x);
};
for (let tries = 0; series.length < SERIES; tries++) {
  if (tries > SERIES * 20) throw new Error(`only ${series.length} distinct series after ${tries} draws; raise --resources`);
  const from = workloads[rand(workloads.length)];
  const to = workloads[rand(workloads.length)];
  const service = `${to.workload}.${to.namespace}.svc.cluster.local`;
  const mtls = rand(10) !== 0;
  if (rand(8) === 0) {
    push({ metric: 'istio_tcp_connections_opened_total', labels: edgeLabels({ from, to, service, protocol: 'tcp', mtls }), total: 1 + rand(500) });
  } else {
    push({ metric: 'istio_requests_total', labels: edgeLabels({ from, to, service, mtls, code: rand(20) === 0 ? '403' : '200' }), total: 1 + rand(100_000) });
  }
}
const endSeconds = Math.floor(Date.now() / 60_000) * 60;
console.log(`bench/insights: ${model.resources.length} resources (${workloads.length} workloads), ${series.length} series over ${WINDOW / 3600}h; building the TSDB...`);
const prom = await startPrometheus(openMetricsFor(series, { endSeconds, windowSeconds: WINDOW }));

try {
  const cli = path.join(DIST, 'cli', 'bin.js');
  const runCli = (extra) => {
    const t = performance.now();
    const c0 = childrenCpu();
    const p0 = promCpu(prom.pid);
    // --profile: a V8 CPU profile of each CLI run in bench/out/insights-prof/ (what the scan spends, with and without telemetry).
    const prof = process.argv.includes('--profile') ? ['--cpu-prof', '--cpu-prof-dir', path.join(OUT, 'insights-prof')] : [];
    const r = spawnSync(process.execPath, [...prof, cli, 'scan', corpus, '--format', 'json', '--fail-on', 'none', ...extra], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const took = performance.now() - t;
    if (r.status !== 0) throw new Error(`meshward scan exited ${r.status}: ${r.stderr.slice(-2000)}`);
    return { took, cpu: childrenCpu() - c0, promCpu: promCpu(prom.pid) - p0, notes: JSON.parse(r.stdout).summary.notes };
  };
  const results = { queries: [], load: [], scan: [], insights: [] };
  const cpu = { queries: [], load: [], scan: [], insights: [] };
  const promCpuMs = { queries: [], load: [], insights: [] };
  const loadBefore = os.loadavg();
  let edges = 0;
  let notes = [];
  for (let run = 0; run < RUNS; run++) {
    const now = new Date();
    let t = performance.now();
    let c = selfCpu();
    let p = promCpu(prom.pid);
    let series = 0;
    for (const q of promQueries(WINDOW)) {
      const url = new URL('/api/v1/query', prom.url);
      url.searchParams.set('query', q.query);
      url.searchParams.set('time', (now.getTime() / 1000).toFixed(3));
      const body = await (await fetch(url)).text();
      series += (body.match(/"metric":/g) ?? []).length;
    }
    results.queries.push(performance.now() - t);
    cpu.queries.push(selfCpu() - c);
    promCpuMs.queries.push(promCpu(prom.pid) - p);
    t = performance.now();
    c = selfCpu();
    p = promCpu(prom.pid);
    const facts = await loadPrometheus({ url: prom.url, windowSeconds: WINDOW, end: now });
    results.load.push(performance.now() - t);
    cpu.load.push(selfCpu() - c);
    promCpuMs.load.push(promCpu(prom.pid) - p);
    edges = facts.edges.length;
    if (run === 0) console.log(`  the queries return ${series} series; meshward builds ${edges} edges`);
    const plain = runCli([]);
    results.scan.push(plain.took);
    cpu.scan.push(plain.cpu);
    const ins = runCli(['--prometheus', prom.url, '--window', '1h']);
    results.insights.push(ins.took);
    cpu.insights.push(ins.cpu);
    promCpuMs.insights.push(ins.promCpu);
    notes = ins.notes.filter((n) => /traffic facts|Prometheus/.test(n));
  }
  const loadAfter = os.loadavg();
  const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
  const mc = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, median(v)]));
  const mp = Object.fromEntries(Object.entries(promCpuMs).map(([k, v]) => [k, median(v)]));
  const la = (l) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`  load average before ${la(loadBefore)}, after ${la(loadAfter)} (${os.availableParallelism()} CPUs)`);
  console.log(`                                   wall      meshward CPU   Prometheus CPU`);
  console.log(`  bare queries (fetch + read)      ${ms(m.queries)}   ${ms(mc.queries)}         ${ms(mp.queries)}`);
  console.log(`  loadPrometheus (queries + edges) ${ms(m.load)}   ${ms(mc.load)}         ${ms(mp.load)}`);
  console.log(`  scan, no telemetry               ${ms(m.scan)}   ${ms(mc.scan)}`);
  console.log(`  scan --prometheus (end to end)   ${ms(m.insights)}   ${ms(mc.insights)}         ${ms(mp.insights)}   target <= ${TARGET_SECONDS} s: ${m.insights <= TARGET_SECONDS * 1000 ? 'met' : 'MISSED'}`);
  console.log(`  telemetry adds ${ms(m.insights - m.scan)} wall, ${ms(mc.insights - mc.scan)} meshward CPU over the plain scan`);
  for (const n of notes) console.log(`  note: ${n}`);
  fs.writeFileSync(
    path.join(OUT, 'insights.json'),
    JSON.stringify({ resources: model.resources.length, workloads: workloads.length, series: SERIES, edges, windowSeconds: WINDOW, runs: RUNS, medianMs: m, allMs: results, cpuMs: mc, allCpuMs: cpu, prometheusCpuMs: mp, loadAverage: { before: loadBefore, after: loadAfter }, cpus: os.availableParallelism(), targetSeconds: TARGET_SECONDS }, null, 2) + '\n',
  );
} finally {
  await prom.stop();
}
