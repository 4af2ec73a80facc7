#!/usr/bin/env node
// Start-up cost of meshward's worker threads: wall time from `new Worker` to the end of the worker
// module's evaluation, the thread's own CPU time by then, and the CommonJS packages it loaded (zod and
// other ES modules do not show there; `--graph` lists every package the static import graph reaches).
// Each worker should load only what it runs (issue 9 and 11 start-up work, docs in bench/README.md).
//
//   node bench/worker-startup.js [--dist dist] [--runs 7] [--graph]
//
// Compare two builds: node bench/worker-startup.js --dist /tmp/base/dist; node bench/worker-startup.js
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const o = { dist: path.join(REPO, 'dist'), runs: 7, graph: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--dist') o.dist = path.resolve(argv[++i]);
  else if (argv[i] === '--runs') o.runs = Number(argv[++i]);
  else if (argv[i] === '--graph') o.graph = true;
  else {
    console.error('usage: node bench/worker-startup.js [--dist DIR] [--runs N] [--graph]');
    process.exit(2);
  }
}

/** The worker bodies and the workerData each needs to evaluate (none does any work until sent a message). */
const WORKERS = [
  { name: 'live analysis worker', file: 'cluster/analyse-worker.js', data: { ruleIds: null, model: {}, disabled: [], advisories: null, now: new Date().toISOString() } },
  { name: 'parse worker', file: 'loader/parse-worker.js', data: undefined },
];

const body = (url) => `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const t0 = performance.now();
import(${JSON.stringify(url)}).then(() => {
  const f = fs.readFileSync('/proc/thread-self/stat', 'latin1').split(') ').pop().split(' ');
  const cpuMs = (Number(f[11]) + Number(f[12])) * 10;
  const packages = new Set(Object.keys(require.cache).map((k) => (k.match(/node_modules\\/((@[^/]+\\/)?[^/]+)/) ?? [])[1]).filter(Boolean));
  parentPort.postMessage({ importMs: performance.now() - t0, cpuMs, packages: [...packages] });
});`;

/** Packages reached by static imports from a dist/ file (lazy `import()` and createRequire are not followed: that is the point). */
function staticPackages(entry) {
  const seen = new Set();
  const packages = new Map();
  const queue = [[entry, [entry]]];
  while (queue.length) {
    const [file, chain] = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    const src = fs.readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^(?:import|export)\s(?!type\s)[^;]*?from\s+['"]([^'"]+)['"]|^import\s+['"]([^'"]+)['"]/gms)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) {
        const next = path.resolve(path.dirname(file), spec);
        queue.push([next, [...chain, next]]);
      } else if (!spec.startsWith('node:') && !packages.has(spec)) packages.set(spec, chain.map((f) => path.relative(o.dist, f)).join(' -> '));
    }
  }
  return { files: seen.size, packages };
}

console.log(`worker start-up, ${o.dist}: Node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, ${o.runs} runs each`);
for (const w of WORKERS) {
  const file = path.join(o.dist, w.file);
  const rows = [];
  for (let i = 0; i < o.runs; i++) {
    const t = performance.now();
    const worker = new Worker(body(file), { eval: true, workerData: w.data });
    const r = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    rows.push({ wallMs: performance.now() - t, ...r });
    await worker.terminate();
  }
  const median = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
  console.log(`${w.name.padEnd(22)} ready in ${median('wallMs').toFixed(0)} ms (median; module graph ${median('importMs').toFixed(0)} ms), thread CPU ${median('cpuMs')} ms; CommonJS packages: ${rows[0].packages.join(' ') || 'none'}`);
  if (o.graph) {
    const g = staticPackages(file);
    console.log(`  static graph: ${g.files} files; packages:`);
    for (const [p, chain] of g.packages) console.log(`    ${p}: ${chain}`);
  }
}
