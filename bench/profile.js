#!/usr/bin/env node
// Where does meshward's time go? Two views of one corpus:
//
//  1. Phases, timed in-process through the compiled library (dist/): read, split, parse (on one
//     thread, then through the worker pool as scan does), model, each rule without positions, the
//     same rules with positions (Locator), report serialisation; plus heap after each step.
//  2. With --cpu-prof, a V8 CPU profile of the real CLI run (`node --cpu-prof <cli> scan ...`),
//     one profile per thread, summarised by area (bench/lib/cpuprofile-summary.js).
//
//   node bench/profile.js [--resources 100000 | --corpus DIR] [--dist /tmp/bench-dist] [--jobs N]
//                         [--cpu-prof] [--cli PATH] [--prof-dir bench/out/prof]
//
// Run it with --expose-gc for clean heap figures: node --expose-gc bench/profile.js ...
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generate, corpusMetaPath, parseCount, DEFAULT_SEED } from './generate.js';
import { printSummary, topFunctions } from './lib/cpuprofile-summary.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.dirname(BENCH);

const opts = { resources: 100_000, corpus: null, dist: path.join(REPO, 'dist'), jobs: Math.max(1, os.availableParallelism?.() ?? os.cpus().length), cpuProf: false, cli: null, profDir: path.join(BENCH, 'out', 'prof') };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--resources') opts.resources = parseCount(argv[++i]);
  else if (a === '--corpus') opts.corpus = path.resolve(argv[++i]);
  else if (a === '--dist') opts.dist = path.resolve(argv[++i]);
  else if (a === '--jobs') opts.jobs = parseCount(argv[++i]);
  else if (a === '--cpu-prof') opts.cpuProf = true;
  else if (a === '--cli') opts.cli = path.resolve(argv[++i]);
  else if (a === '--prof-dir') opts.profDir = path.resolve(argv[++i]);
  else {
    console.error(`profile: unknown argument ${a}`);
    process.exit(2);
  }
}
opts.cli ??= path.join(opts.dist, 'cli', 'bin.js');

const size = opts.resources % 1000 === 0 ? `${opts.resources / 1000}k` : String(opts.resources);
const corpus = opts.corpus ?? path.join(BENCH, 'out', `mesh-${size}`);
if (!opts.corpus && !fs.existsSync(corpusMetaPath(corpus))) {
  console.log(`generating ${opts.resources} resources -> ${corpus}`);
  generate({ resources: opts.resources, out: corpus, format: 'yaml', seed: DEFAULT_SEED, nsPerFile: 100, files: null });
}

const imp = (p) => import(pathToFileURL(path.join(opts.dist, p)).href);
const { loadFiles } = await imp('loader/load.js');
const { splitYamlDocuments } = await imp('loader/split.js');
const { runParseTask } = await imp('loader/parse.js');
const { DEFAULT_LIMITS } = await imp('loader/limits.js');
const { Locator } = await imp('loader/locate.js');
const { MeshModel } = await imp('model/model.js');
const { runRules } = await imp('engine/run.js');
const { allRules } = await imp('rules/index.js');
const { defaultSettings } = await imp('config/settings.js');

const rows = [];
const gc = () => globalThis.gc?.();
const heapMB = () => {
  gc();
  return Math.round(process.memoryUsage().heapUsed / 1024 ** 2);
};
const time = async (name, fn, note = '') => {
  const t0 = performance.now();
  const v = await fn();
  const ms = performance.now() - t0;
  rows.push({ name, ms, heap: heapMB(), note: typeof note === 'function' ? note(v) : note });
  return v;
};

console.log(`profile: ${corpus}, dist ${opts.dist}, jobs ${opts.jobs}${globalThis.gc ? '' : ' (run with node --expose-gc for exact heap figures)'}`);

// 1. Read (as loader/load.ts does: walk, read, strict UTF-8 decode).
const files = await time('read files (walk, readFile, UTF-8 decode)', async () => {
  const list = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.(ya?ml|json)$/i.test(e.name)) list.push(full);
    }
  };
  walk(corpus);
  const dec = new TextDecoder('utf-8', { fatal: true });
  return list.map((f) => ({ file: path.relative(process.cwd(), f), text: dec.decode(fs.readFileSync(f)), format: f.endsWith('.json') ? 'json' : 'yaml' }));
}, (v) => `${v.length} files, ${(v.reduce((n, f) => n + f.text.length, 0) / 1e6).toFixed(1)} MB`);

// 2. Split into documents.
const spans = await time('split documents (line scan)', () => files.map((f) => (f.format === 'yaml' ? splitYamlDocuments(f.text) : [])), (v) => `${v.reduce((n, s) => n + s.length, 0)} documents`);

// 3. Parse on this thread only (the CPU cost of parsing, without worker overhead).
await time('parse on one thread (js-yaml + shape check)', () => {
  let docs = 0;
  files.forEach((f, fileIndex) => {
    if (f.format !== 'yaml') return;
    const r = runParseTask({ fileIndex, file: f.file, format: 'yaml', text: f.text, offset: 0, spans: spans[fileIndex] }, DEFAULT_LIMITS);
    docs += r.docs.length;
  });
  return docs;
}, (v) => `${v} documents`);

// 4. The loader as scan runs it (split + parse in the worker pool + resource records), on one
// thread first when jobs > 1 so the pool's gain (or cost) shows.
if (opts.jobs > 1) await time('loadFiles, jobs 1 (split + parse + records)', () => loadFiles(files, { jobs: 1 }), (v) => `${v.resources.length} resources`);
const load = await time(`loadFiles, jobs ${opts.jobs} (split + pool parse + records)`, () => loadFiles(files, { jobs: opts.jobs }), (v) => `${v.resources.length} resources, ${v.errors.length} errors`);

// 5. Model.
const model = await time('build MeshModel (indexes, workloads, namespaces)', () => new MeshModel(load.resources), (m) => `${m.workloads.length} workloads`);

// 6. Rules without positions, one by one; the slowest are listed, the rest summed.
const settings = defaultSettings();
const ruleRows = [];
for (const rule of allRules) {
  const t0 = performance.now();
  const v = runRules(model, [rule], { settings });
  ruleRows.push({ id: rule.meta.id, ms: performance.now() - t0, findings: v.findings.length, failed: v.failures[0]?.message.split('\n')[0] });
}
ruleRows.sort((a, b) => b.ms - a.ms);
const heapAfterRules = heapMB();
for (const r of ruleRows.slice(0, 8)) rows.push({ name: `  rule ${r.id} (no positions)`, ms: r.ms, heap: heapAfterRules, note: `${r.findings} findings${r.failed ? `, FAILED: ${r.failed}` : ''}`, detail: true });
const rest = ruleRows.slice(8);
rows.push({ name: `  ${rest.length} other rules (no positions)`, ms: rest.reduce((n, r) => n + r.ms, 0), heap: heapAfterRules, note: `${rest.reduce((n, r) => n + r.findings, 0)} findings`, detail: true });
rows.push({
  name: `all ${ruleRows.length} rules, one by one, no positions`,
  ms: ruleRows.reduce((n, r) => n + r.ms, 0),
  heap: heapAfterRules,
  note: `${ruleRows.reduce((n, r) => n + r.findings, 0)} findings${ruleRows.some((r) => r.failed) ? `; FAILED: ${ruleRows.filter((r) => r.failed).map((r) => r.id).join(', ')}` : ''}`,
});

// 7. All rules with positions: the difference is the Locator (re-parsing documents that have findings).
const locator = new Locator(load.files);
const withPos = await time('all rules with positions (Locator)', () => runRules(model, allRules, { settings, locator }), (v) => `${v.findings.length} findings`);

// 8. Report serialisation (the JSON reporter is JSON.stringify(report, null, 2)).
await time('serialise JSON report', () => JSON.stringify({ version: 1, findings: withPos.findings, errors: load.errors, summary: {} }, null, 2), (s) => `${(s.length / 1e6).toFixed(2)} MB`);

const total = rows.filter((r) => !r.detail).reduce((n, r) => n + r.ms, 0);
console.log('');
console.log(`${'phase'.padEnd(58)} ${'time'.padStart(9)} ${'heap'.padStart(8)}  notes`);
for (const r of rows) console.log(`${r.name.padEnd(58)} ${(r.ms / 1000).toFixed(3).padStart(7)} s ${String(r.heap).padStart(5)} MB  ${r.note}`);
console.log(`${'(sum; parse-on-one-thread and loadFiles overlap)'.padEnd(58)} ${(total / 1000).toFixed(3).padStart(7)} s`);
console.log(`peak RSS of this process: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);

const out = path.join(BENCH, 'out', 'profile-phases.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ corpus, jobs: opts.jobs, rows: rows.map((r) => ({ ...r, ms: Math.round(r.ms) })), rules: ruleRows.map((r) => ({ ...r, ms: Math.round(r.ms * 10) / 10 })) }, null, 2) + '\n');

if (opts.cpuProf) {
  fs.rmSync(opts.profDir, { recursive: true, force: true });
  fs.mkdirSync(opts.profDir, { recursive: true });
  for (const jobs of [1, opts.jobs]) {
    const dir = path.join(opts.profDir, `jobs-${jobs}`);
    fs.mkdirSync(dir, { recursive: true });
    const args = ['--cpu-prof', '--cpu-prof-dir', dir, opts.cli, 'scan', corpus, '--format', 'json', '--output', path.join(dir, 'report.json'), '--jobs', String(jobs)];
    console.log(`\nCPU profile: node ${args.join(' ')}`);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    console.log(`exit ${r.status}, ${((performance.now() - t0) / 1000).toFixed(2)} s (profiling slows it down)`);
    const profs = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f));
    printSummary(profs, 25);
    const main = profs.map((f) => ({ f, size: fs.statSync(f).size })).sort((a, b) => b.size - a.size)[0];
    if (main) {
      console.log(`\ntop self-time functions (${path.basename(main.f)}):`);
      for (const [k, ms] of topFunctions(main.f, 25)) console.log(`  ${(ms / 1000).toFixed(3).padStart(8)} s  ${k}`);
    }
  }
}
