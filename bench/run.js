#!/usr/bin/env node
// meshward end-to-end benchmark (what `npm run bench` runs after building).
//
//   node bench/run.js [--resources 100000] [--runs 3] [--cli dist/cli/bin.js] [--jobs N]
//                     [--format yaml|json] [--seed S] [--corpus DIR] [--regenerate] [--library]
//                     [--compare] [--compare-resources 10000[,5000...]] [--compare-runs 1]
//                     [--results bench/out/results.json]
//
// 1. Makes sure the synthetic corpus exists (bench/generate.js, deterministic) and regenerates it
//    when its summary does not match the request.
// 2. Runs meshward as a whole process, the way a CI job runs it:
//      node <cli> scan <corpus> --format json --output <file>
//    (or, while the CLI has no `scan`, node bench/lib/scan-lib.js <dist> <corpus>), --runs times.
//    Wall time is taken around the process; peak RSS comes from getrusage in the process itself
//    (bench/lib/rss-probe.js, preloaded with --import). It reports the median run.
// 3. Judges the median against the targets: <= 5 s and <= 1.5 GB for 100,000 resources.
// 4. With --compare, runs @monokle/validation (bench/monokle, installed on demand with npm ci) on a
//    slice of the same corpus and meshward on the same slice, and judges the throughput ratio
//    against the target of >= 20x.
// Results go to stdout and, machine-readable, to bench/out/results.json.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generate, corpusMetaPath, parseCount, DEFAULT_SEED, GENERATOR_VERSION } from './generate.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.dirname(BENCH);
const OUT = path.join(BENCH, 'out');
const PROBE = pathToFileURL(path.join(BENCH, 'lib', 'rss-probe.js')).href;
const MONOKLE = path.join(BENCH, 'monokle');

/** An expected failure (missing build, failed child): reported without a stack trace. */
class BenchError extends Error {}

export const TARGETS = {
  resources: 100_000,
  wallSeconds: 5,
  peakRssBytes: 1.5e9, // 1.5 GB (decimal, as stated); figures are printed in decimal MB / GB too
  monokleRatio: 20,
};

// ---------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const o = {
    resources: TARGETS.resources,
    runs: 3,
    cli: process.env.MESHWARD_CLI || path.join(REPO, 'dist', 'cli', 'bin.js'),
    jobs: null,
    format: 'yaml',
    seed: DEFAULT_SEED,
    corpus: null,
    regenerate: false,
    library: false,
    compare: false,
    compareResources: [10_000],
    compareRuns: 1,
    results: path.join(OUT, 'results.json'),
    idleWait: 30,
    shapes: ['large', 'small'],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--resources' || a === '-n') o.resources = parseCount(val());
    else if (a === '--runs') o.runs = parseCount(val());
    else if (a === '--cli') o.cli = path.resolve(val());
    else if (a === '--jobs' || a === '-j') o.jobs = parseCount(val());
    else if (a === '--format') o.format = val();
    else if (a === '--seed') o.seed = Number(val()) >>> 0;
    else if (a === '--corpus') o.corpus = path.resolve(val());
    else if (a === '--regenerate') o.regenerate = true;
    else if (a === '--library') o.library = true;
    else if (a === '--compare') o.compare = true;
    else if (a === '--compare-resources') {
      o.compare = true;
      o.compareResources = val().split(',').map(parseCount);
    } else if (a === '--compare-runs') o.compareRuns = parseCount(val());
    else if (a === '--results') o.results = path.resolve(val());
    else if (a === '--idle-wait') o.idleWait = Number(val());
    else if (a === '--shapes') {
      o.shapes = val().split(',');
      if (!o.shapes.length || o.shapes.some((x) => !SHAPES[x])) throw new Error('--shapes is a comma-separated list of large, small');
    }
    else if (a === '--help' || a === '-h') o.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!['yaml', 'json'].includes(o.format)) throw new Error('--format is yaml or json');
  return o;
}

const USAGE = `usage: node bench/run.js [options]        (npm run bench -- [options])
  --resources N          corpus size (100k, 1m accepted)                       [100000]
  --runs N               measured runs; the median is reported                 [3]
  --cli PATH             compiled CLI entry (or env MESHWARD_CLI)              [dist/cli/bin.js]
  --library              measure scanPaths() from the CLI's dist/ even if the CLI has scan
  --jobs N               pass --jobs N to meshward (default: meshward's own default)
  --format yaml|json     corpus as multi-document YAML files or JSON "kind: List" files [yaml]
  --seed S               corpus seed                                           [${DEFAULT_SEED}]
  --corpus DIR           scan this folder instead of a generated corpus
  --regenerate           rewrite the corpus even if it looks current
  --compare              also run @monokle/validation on a slice (installs bench/monokle on demand)
  --compare-resources L  slice size(s), comma-separated; implies --compare      [10000]
  --compare-runs N       runs per tool on the slice (Monokle takes minutes at 10k) [1]
  --results FILE         machine-readable results                              [bench/out/results.json]
  --shapes L             corpus shapes to measure: large (few big files), small (13,000 small
                         files, a folder per namespace); ignored with --corpus      [large,small]
  --idle-wait S          before each run, wait up to S seconds for other processes to
                         leave the CPUs (< 15% busy); 0 disables                [30]`;

// ---------------------------------------------------------------------------------------------
// Corpus

function corpusDir(resources, format, seed, smallFiles = null) {
  const size = resources % 1_000_000 === 0 ? `${resources / 1_000_000}m` : resources % 1000 === 0 ? `${resources / 1000}k` : String(resources);
  return path.join(OUT, `mesh-${size}${format === 'json' ? '-json' : ''}${seed === DEFAULT_SEED ? '' : `-s${seed}`}${smallFiles ? `-small${smallFiles}` : ''}`);
}

/** The two corpus shapes judged: the same objects in few large files, and in many small ones. */
const SHAPES = {
  large: { label: 'few large files (100 namespaces per file)', smallFiles: null },
  small: { label: 'many small files (a folder per namespace, 8 objects per file)', smallFiles: 8 },
};

function readMeta(dir) {
  try {
    return JSON.parse(fs.readFileSync(corpusMetaPath(dir), 'utf8'));
  } catch {
    return null;
  }
}

/** The corpus for (resources, format, seed), generated when missing or stale. */
function ensureCorpus({ resources, format, seed, regenerate, smallFiles = null }) {
  const dir = corpusDir(resources, format, seed, smallFiles);
  const meta = readMeta(dir);
  const current =
    meta &&
    meta.generatorVersion === GENERATOR_VERSION &&
    meta.resources === resources &&
    meta.format === format &&
    meta.seed === seed &&
    Boolean(meta.layout) === Boolean(smallFiles) &&
    meta.fileList?.every((f) => fs.existsSync(path.join(dir, f.name)) && fs.statSync(path.join(dir, f.name)).size === f.bytes);
  if (current && !regenerate) return meta;
  log(`generating corpus: ${fmtInt(resources)} resources (${format}, seed ${seed}) -> ${rel(dir)} ...`);
  const t0 = performance.now();
  const info = generate({ resources, out: dir, format, seed, nsPerFile: 100, files: null, smallFiles });
  log(`  done in ${secs(performance.now() - t0)}: ${fmtInt(info.files)} files, ${mb(info.bytes)}, ${fmtInt(info.lines)} lines`);
  return info;
}

/** Summary of a folder we did not generate (--corpus). */
function describeFolder(dir) {
  const meta = readMeta(dir);
  if (meta) return meta;
  let files = 0;
  let bytes = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.(ya?ml|json)$/i.test(e.name)) {
        files++;
        bytes += fs.statSync(full).size;
      }
    }
  };
  walk(dir);
  return { dir, resources: null, files, bytes, format: 'mixed', external: true };
}

// ---------------------------------------------------------------------------------------------
// Target process

/** How meshward is run: the CLI when it has `scan`, else the library through bench/lib/scan-lib.js. */
function resolveTarget(opts) {
  const cli = opts.cli;
  const distDir = path.dirname(path.dirname(cli));
  let why = null;
  if (!fs.existsSync(cli)) why = `${rel(cli)} does not exist (build first: npm run build, or --cli PATH)`;
  else if (!opts.library) {
    const help = spawnSync(process.execPath, [cli, 'scan', '--help'], { encoding: 'utf8', timeout: 30_000 });
    const text = `${help.stdout ?? ''}${help.stderr ?? ''}`;
    if (help.status === 0 && /--format/.test(text)) {
      return {
        mode: 'cli',
        cli,
        hasOutput: /--output/.test(text),
        hasJobs: /--jobs/.test(text),
        describe: `node ${rel(cli)} scan <dir> --format json${/--output/.test(text) ? ' --output <file>' : ' > <file>'}`,
      };
    }
    why = `the CLI has no working \`scan\` command yet (exit ${help.status})`;
  } else why = '--library given';
  const lib = path.join(distDir, 'engine', 'scan.js');
  if (!fs.existsSync(lib)) throw new BenchError(`cannot measure: ${why}, and ${rel(lib)} is missing too`);
  return { mode: 'library', distDir, note: why, describe: `node bench/lib/scan-lib.js ${rel(distDir)} <dir>  (scanPaths(paths, { jobs }))` };
}

function meshwardArgv(target, corpus, outFile, jobs) {
  if (target.mode === 'cli') {
    const argv = [target.cli, 'scan', corpus, '--format', 'json'];
    if (target.hasOutput) argv.push('--output', outFile);
    if (jobs && target.hasJobs) argv.push('--jobs', String(jobs));
    return { argv, stdoutFile: target.hasOutput ? null : outFile };
  }
  const argv = [path.join(BENCH, 'lib', 'scan-lib.js'), target.distDir, corpus, '--output', outFile];
  if (jobs) argv.push('--jobs', String(jobs));
  return { argv, stdoutFile: null };
}

/**
 * Runs `node --import rss-probe <argv>` as a child process and measures it. Wall time is taken
 * around the whole process (start-up and exit included); peak RSS and CPU come from the probe.
 */
async function measure(argv, { stdoutFile = null, cwd = REPO, okCodes = [0, 1], timeoutMs = 3_600_000 } = {}) {
  const probeFile = path.join(os.tmpdir(), `meshward-bench-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const out = stdoutFile ? fs.openSync(stdoutFile, 'w') : 'pipe';
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', PROBE, ...argv], {
    cwd,
    stdio: ['ignore', out, 'pipe'],
    env: { ...process.env, MESHWARD_BENCH_PROBE: probeFile, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  if (child.stdout) child.stdout.on('data', (d) => (stdout.length < 1 << 20 ? (stdout += d) : null));
  child.stderr.on('data', (d) => (stderr.length < 1 << 16 ? (stderr += d) : null));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await new Promise((resolve) => child.on('close', (c, s) => resolve({ code: c, signal: s })));
  const wallMs = performance.now() - t0;
  clearTimeout(timer);
  if (typeof out === 'number') fs.closeSync(out);
  let probe = null;
  try {
    probe = JSON.parse(fs.readFileSync(probeFile, 'utf8'));
    fs.unlinkSync(probeFile);
  } catch {
    /* killed before exit: no probe */
  }
  if (!okCodes.includes(code)) {
    throw new BenchError(`${path.basename(argv[0])} failed (exit ${code ?? signal}):\n${stderr.trim().slice(-4000)}`);
  }
  return { wallMs, maxRssBytes: probe ? probe.maxRssKB * 1024 : null, userCpuMs: probe?.userCpuMs ?? null, systemCpuMs: probe?.systemCpuMs ?? null, exitCode: code, stdout, stderr };
}

/**
 * Share of the machine's CPU that other processes used over the last `ms` (from /proc/stat), so a
 * noisy run can be recognised: on a shared 2-core box a parallel test suite halves our throughput.
 * Null where /proc is not available.
 */
async function backgroundBusy(ms = 500) {
  const read = () => {
    try {
      const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      const idle = f[3] + (f[4] ?? 0);
      return { idle, total: f.reduce((a, b) => a + b, 0) };
    } catch {
      return null;
    }
  };
  const a = read();
  if (!a) return null;
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  const total = b.total - a.total;
  return total > 0 ? Math.round((100 * (total - (b.idle - a.idle))) / total) : null;
}

let IDLE_WAIT_S = 30;

/** Waits (up to IDLE_WAIT_S) for a quiet machine; returns the background CPU share seen last. */
async function settle() {
  const deadline = performance.now() + IDLE_WAIT_S * 1000;
  let busy = await backgroundBusy();
  let waited = false;
  while (busy !== null && busy >= 15 && performance.now() < deadline) {
    if (!waited) process.stdout.write(`  (waiting for a quieter machine: ${busy}% busy)`);
    waited = true;
    busy = await backgroundBusy(1000);
  }
  if (waited) process.stdout.write(busy >= 15 ? ` gave up at ${busy}%\n` : ` ok\n`);
  return busy;
}

/** Runs meshward `runs` times on `corpus`; returns every run, the median and the last report's summary. */
async function benchMeshward(target, corpus, { runs, jobs, expected, label }) {
  const reportFile = path.join(OUT, `report-${path.basename(corpus)}.json`);
  const results = [];
  for (let i = 0; i < runs; i++) {
    const { argv, stdoutFile } = meshwardArgv(target, corpus, reportFile, jobs);
    const busy = await settle();
    const m = await measure(argv, { stdoutFile });
    const report = readReport(reportFile);
    const resources = report?.summary?.resources ?? expected;
    const run = {
      wallMs: Math.round(m.wallMs),
      resourcesPerSecond: Math.round(resources / (m.wallMs / 1000)),
      maxRssBytes: m.maxRssBytes,
      cpuMs: m.userCpuMs !== null ? m.userCpuMs + m.systemCpuMs : null,
      exitCode: m.exitCode,
      resourcesSeen: report?.summary?.resources ?? null,
      findings: report?.findings?.length ?? null,
      loadErrors: report?.errors?.length ?? null,
      reportedDurationMs: report?.summary?.durationMs ?? null,
      backgroundCpuPercentBefore: busy,
    };
    results.push(run);
    log(
      `  ${label} run ${i + 1}/${runs}: ${secs(run.wallMs).padStart(8)}  ${fmtInt(run.resourcesPerSecond).padStart(9)} res/s  ` +
        `peak RSS ${rssFmt(run.maxRssBytes).padStart(9)}  CPU ${run.cpuMs === null ? '?' : secs(run.cpuMs)}  ` +
        `findings ${run.findings ?? '?'}${run.loadErrors ? `, load errors ${run.loadErrors}` : ''}` +
        (busy !== null && busy >= 20 ? `  [machine ${busy}% busy before the run: figures are noisy]` : ''),
    );
    if (expected && run.resourcesSeen !== null && run.resourcesSeen !== expected) {
      log(`  WARNING: meshward reports ${fmtInt(run.resourcesSeen)} resources; the corpus holds ${fmtInt(expected)}`);
    }
  }
  return { runs: results, median: medianRun(results) };
}

function readReport(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** The run with the median wall time (a real run, so its RSS and counts belong together). */
function medianRun(runs) {
  const sorted = [...runs].sort((a, b) => a.wallMs - b.wallMs);
  const med = sorted[Math.floor((sorted.length - 1) / 2)];
  return { ...med, minWallMs: sorted[0].wallMs, maxWallMs: sorted[sorted.length - 1].wallMs, maxRssBytesAllRuns: Math.max(...runs.map((r) => r.maxRssBytes ?? 0)) || null };
}

// ---------------------------------------------------------------------------------------------
// Monokle comparison

function ensureMonokle() {
  if (fs.existsSync(path.join(MONOKLE, 'node_modules', '@monokle', 'validation'))) return;
  if (!fs.existsSync(path.join(MONOKLE, 'package-lock.json'))) throw new BenchError('bench/monokle/package-lock.json is missing');
  log('installing @monokle/validation into bench/monokle (npm ci, registry only, no install scripts) ...');
  const r = spawnSync('npm', ['ci', '--prefix', MONOKLE, '--ignore-scripts', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (r.status !== 0) throw new BenchError(`npm ci --prefix bench/monokle failed (exit ${r.status})`);
}

async function benchMonokle(corpus, runs, expected) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const busy = await settle();
    const m = await measure([path.join(MONOKLE, 'run.mjs'), corpus], { cwd: MONOKLE, okCodes: [0] });
    const info = JSON.parse(m.stdout.trim().split('\n').pop());
    const run = {
      wallMs: Math.round(m.wallMs),
      resourcesPerSecond: Math.round(info.resources / (m.wallMs / 1000)),
      maxRssBytes: m.maxRssBytes,
      cpuMs: m.userCpuMs !== null ? m.userCpuMs + m.systemCpuMs : null,
      resourcesSeen: info.resources,
      problems: info.problems,
      byRule: info.byRule,
      plugins: info.plugins,
      failedPlugins: info.failedPlugins,
      fetchAttempts: info.fetchAttempts,
      phasesMs: info.phasesMs,
      version: info.version,
      backgroundCpuPercentBefore: busy,
    };
    results.push(run);
    const p = info.phasesMs;
    log(
      `  monokle  run ${i + 1}/${runs}: ${secs(run.wallMs).padStart(8)}  ${fmtInt(run.resourcesPerSecond).padStart(9)} res/s  ` +
        `peak RSS ${rssFmt(run.maxRssBytes).padStart(9)}  problems ${info.problems}  ` +
        `(import ${secs(p.import)}, read ${secs(p.read)}, extract ${secs(p.extract)}, refs ${secs(p.refs)}, validate ${secs(p.validate)})`,
    );
    if (info.fetchAttempts) log(`  WARNING: Monokle tried to fetch ${info.fetchAttempts} time(s); the stub refused`);
    if (info.failedPlugins.length) log(`  WARNING: Monokle plugins failed to load: ${info.failedPlugins.join(', ')}`);
    if (expected && info.resources !== expected) log(`  WARNING: Monokle extracted ${fmtInt(info.resources)} resources; the slice holds ${fmtInt(expected)}`);
  }
  return { runs: results, median: medianRun(results) };
}

// ---------------------------------------------------------------------------------------------
// Output helpers

const log = (s = '') => process.stdout.write(`${s}\n`);
const fmtInt = (n) => (n === null || n === undefined ? '?' : Math.round(n).toLocaleString('en-US'));
const secs = (ms) => (ms === null || ms === undefined ? '?' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);
const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;
const rssFmt = (b) => (b === null || b === undefined ? '?' : b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${Math.round(b / 1e6)} MB`);
const rel = (p) => {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
};
const verdict = (ok) => (ok === null ? 'n/a ' : ok ? 'PASS' : 'FAIL');

function gitInfo() {
  const run = (...a) => spawnSync('git', ['-C', REPO, ...a], { encoding: 'utf8' });
  const head = run('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return null;
  const dirty = run('status', '--porcelain', '--', 'src');
  return { commit: head.stdout.trim(), srcDirty: dirty.status === 0 ? dirty.stdout.trim().length > 0 : null };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? null,
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`bench: ${err.message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    log(USAGE);
    return 0;
  }
  fs.mkdirSync(OUT, { recursive: true });
  IDLE_WAIT_S = opts.idleWait;
  const m = machine();
  const git = gitInfo();
  log(`meshward benchmark: ${m.cpus} CPU(s) (${m.cpuModel}), ${(m.memoryBytes / 1024 ** 3).toFixed(0)} GiB RAM, Node ${m.node}, ${m.platform}`);
  if (git) log(`meshward ${git.commit}${git.srcDirty ? ' (src/ has uncommitted changes)' : ''}`);

  const target = resolveTarget(opts);
  log(`target: ${target.describe}${opts.jobs ? `, --jobs ${opts.jobs}` : ''}`);
  if (target.mode === 'library') log(`  (library mode: ${target.note})`);

  // Main measurement: each shape of the same objects (or the folder given with --corpus).
  const shapes = opts.corpus ? [{ key: 'corpus', label: 'given folder', smallFiles: null }] : opts.shapes.map((k) => ({ key: k, ...SHAPES[k] }));
  const measured = [];
  for (const shape of shapes) {
    const corpusMeta = opts.corpus ? describeFolder(opts.corpus) : ensureCorpus({ ...opts, smallFiles: shape.smallFiles });
    const corpus = opts.corpus ?? corpusMeta.dir;
    log('');
    log(
      `corpus (${shape.label}): ${rel(corpus)}: ${fmtInt(corpusMeta.resources)} resources, ${fmtInt(corpusMeta.namespaces)} namespaces, ${fmtInt(corpusMeta.files)} ${corpusMeta.format} files, ` +
        `${mb(corpusMeta.bytes)}, ${fmtInt(corpusMeta.lines)} lines (avg ${corpusMeta.avgLinesPerResource ?? '?'} lines/resource), ${fmtInt(corpusMeta.weak?.count)} weak objects`,
    );
    const primary = await benchMeshward(target, corpus, { runs: opts.runs, jobs: opts.jobs, expected: corpusMeta.resources, label: `meshward ${shape.key}` });
    const med = primary.median;
    const resources = corpusMeta.resources ?? med.resourcesSeen;

    // Targets. The wall-time target is defined at 100,000 resources and scaled linearly above it;
    // below it, start-up dominates and the figure is shown but not judged.
    const wallTargetMs = resources >= TARGETS.resources ? (TARGETS.wallSeconds * 1000 * resources) / TARGETS.resources : null;
    const targets = [
      {
        name: 'wall time',
        target: wallTargetMs === null ? `<= ${TARGETS.wallSeconds} s at ${fmtInt(TARGETS.resources)} resources (not judged below)` : `<= ${secs(wallTargetMs)}`,
        value: secs(med.wallMs),
        pass: wallTargetMs === null ? null : med.wallMs <= wallTargetMs,
      },
      {
        name: 'peak RSS',
        target: `<= ${rssFmt(TARGETS.peakRssBytes)}`,
        value: rssFmt(med.maxRssBytesAllRuns),
        pass: med.maxRssBytesAllRuns === null ? null : med.maxRssBytesAllRuns <= TARGETS.peakRssBytes,
      },
    ];
    const coresUsed = med.cpuMs === null ? null : Math.round((med.cpuMs / med.wallMs) * 100) / 100;
    log(`result (${shape.label}, median of ${opts.runs}): ${fmtInt(resources)} resources, ${fmtInt(corpusMeta.files)} files, ${mb(corpusMeta.bytes)}`);
    log(
      `  wall ${secs(med.wallMs)} (min ${secs(med.minWallMs)}, max ${secs(med.maxWallMs)}), ${fmtInt(med.resourcesPerSecond)} resources/s, ` +
        `${(corpusMeta.bytes / 1e6 / (med.wallMs / 1000)).toFixed(1)} MB/s, peak RSS ${rssFmt(med.maxRssBytesAllRuns)} (highest of all runs), ` +
        `CPU ${secs(med.cpuMs)} (${coresUsed ?? '?'} cores used), findings ${med.findings ?? '?'}`,
    );
    for (const t of targets) log(`  ${verdict(t.pass)}  ${t.name.padEnd(10)} ${t.value.padStart(10)}   target ${t.target}`);
    measured.push({ shape: shape.key, label: shape.label, corpus, corpusMeta, runs: primary.runs, median: { ...med, coresUsed }, targets });
  }

  // Comparison.
  let comparison = null;
  if (opts.compare) {
    ensureMonokle();
    comparison = { tool: '@monokle/validation', slices: [] };
    log('');
    log('comparison with @monokle/validation (pure-JS plugins: yaml-syntax, resource-links, metadata, pod-security-standards, practices;');
    log('  kubernetes-schema left out: it downloads its JSON schemas from plugins.monokle.com; open-policy-agent and admission-policy left out: WASM)');
    for (const n of opts.compareResources) {
      const slice = ensureCorpus({ resources: n, format: 'yaml', seed: opts.seed, regenerate: false });
      log(`slice: ${rel(slice.dir)}: the first ${fmtInt(n)} resources of the same corpus (seed ${opts.seed}), ${slice.files} files, ${mb(slice.bytes)}`);
      const mw = await benchMeshward(target, slice.dir, { runs: Math.max(opts.compareRuns, 3), jobs: opts.jobs, expected: n, label: 'meshward' });
      const mk = await benchMonokle(slice.dir, opts.compareRuns, n);
      const ratio = mw.median.resourcesPerSecond / mk.median.resourcesPerSecond;
      const p = mk.median.phasesMs;
      const monokleNoRefsMs = mk.median.wallMs - p.refs;
      const entry = {
        resources: n,
        files: slice.files,
        bytes: slice.bytes,
        meshward: mw,
        monokle: mk,
        ratio: Math.round(ratio * 10) / 10,
        ratioWithoutMonokleRefs: Math.round(((mw.median.resourcesPerSecond * monokleNoRefsMs) / 1000 / n) * 10) / 10,
        pass: ratio >= TARGETS.monokleRatio,
      };
      comparison.slices.push(entry);
      comparison.version = mk.median.version;
      comparison.plugins = mk.median.plugins;
      log(
        `  ${verdict(entry.pass)}  ratio ${entry.ratio}x on ${fmtInt(n)} resources ` +
          `(meshward ${fmtInt(mw.median.resourcesPerSecond)} res/s in ${secs(mw.median.wallMs)} vs Monokle ${fmtInt(mk.median.resourcesPerSecond)} res/s in ${secs(mk.median.wallMs)}); target >= ${TARGETS.monokleRatio}x`,
      );
      log(`        without Monokle's reference graph (processRefs, ${secs(p.refs)}) the ratio would be ${entry.ratioWithoutMonokleRefs}x`);
    }
  }

  const results = {
    date: new Date().toISOString(),
    machine: m,
    meshward: { ...git, mode: target.mode, command: target.describe, jobs: opts.jobs, note: target.note ?? null },
    shapes: measured.map((x) => ({
      shape: x.shape,
      label: x.label,
      corpus: { dir: rel(x.corpus), ...pick(x.corpusMeta, ['generatorVersion', 'seed', 'format', 'layout', 'resources', 'namespaces', 'files', 'bytes', 'lines', 'avgLinesPerResource', 'avgLinesPerWorkload', 'avgBytesPerResource', 'byKind']), weakObjects: x.corpusMeta.weak?.count ?? null },
      runs: x.runs,
      median: x.median,
      targets: x.targets.map((t) => ({ ...t })),
    })),
    comparison,
    pass: measured.every((x) => x.targets.every((t) => t.pass !== false)) && (comparison ? comparison.slices.every((s) => s.pass) : true),
  };
  fs.mkdirSync(path.dirname(opts.results), { recursive: true });
  fs.writeFileSync(opts.results, JSON.stringify(results, null, 2) + '\n');
  log('');
  log(`results written to ${rel(opts.results)}; overall ${results.pass ? 'PASS' : 'FAIL'}`);
  return results.pass ? 0 : 1;
}

function pick(obj, keys) {
  const out = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`bench: ${err instanceof BenchError ? err.message : (err.stack ?? err)}`);
    process.exitCode = 2;
  },
);
