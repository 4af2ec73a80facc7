#!/usr/bin/env node
// Peak memory of the CLI on valid but heavy input (issue 10, class 6): pods that each break about
// nine rules, so findings outnumber resources. Generates the inputs (the same pod as
// /work/measure/gen.py's 6a-many-findings.yaml) into a temporary folder, runs the built CLI in child
// processes and reports the median peak RSS (getrusage ru_maxrss of the child, through
// bench/lib/rss-probe.js) and wall time per size and format. Not run by `npm test`.
//
//   node bench/memory.js                          # 10, 20, 45 MB; json, text and sarif; 3 runs
//   node bench/memory.js --sizes 10,20 --formats json,text,sarif --runs 5
//   node bench/memory.js --cli /tmp/other-dist/cli/bin.js   # measure another build
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, writeSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
if (args.includes('--help')) {
  console.log('node bench/memory.js [--sizes 10,20,45] [--formats json,text,sarif] [--sarif-sizes N,..] [--runs 3] [--cli dist/cli/bin.js] [--dir /tmp/meshward-memory]');
  process.exit(0);
}
const sizes = opt('sizes', '10,20,45').split(',').map(Number);
const formats = opt('formats', 'json,text,sarif').split(',');
// --sarif-sizes: sizes at which sarif is measured even when --formats leaves it out.
const sarifSizes = new Set(opt('sarif-sizes', '').split(',').filter(Boolean).map(Number));
const runs = Number(opt('runs', '3'));
const cli = path.resolve(opt('cli', process.env.MESHWARD_CLI ?? path.join(here, '..', 'dist', 'cli', 'bin.js')));
const dir = opt('dir', path.join(os.tmpdir(), 'meshward-memory'));
const probe = path.join(here, 'lib', 'rss-probe.js');

/** The pod of gen.py's 6a input: hostNetwork, a forged istio-proxy, capture bypass annotations. */
function pod(i) {
  return `---
apiVersion: v1
kind: Pod
metadata:
  name: p${i}
  namespace: ns${i % 50}
  annotations:
    traffic.sidecar.istio.io/excludeOutboundIPRanges: "0.0.0.0/0"
spec:
  hostNetwork: true
  containers:
  - name: istio-proxy
    image: evil.example.com/proxyv2:1.0
    securityContext: {runAsUser: 1337, capabilities: {add: [NET_ADMIN, NET_RAW]}}
`;
}

/** Writes pods until the file reaches `mb` MiB (as gen.py does); reuses an existing file of that name. */
export function generate(mb, folder = dir) {
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, `many-findings-${mb}mb.yaml`);
  if (existsSync(file) && statSync(file).size >= mb * 1024 * 1024) return file;
  const fd = openSync(file, 'w');
  let written = 0;
  let buf = '';
  for (let i = 0; written + buf.length < mb * 1024 * 1024; i++) {
    buf += pod(i);
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      written += buf.length;
      buf = '';
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
  return file;
}

function measure(file, format) {
  const out = path.join(dir, `probe-${process.pid}.json`);
  rmSync(out, { force: true });
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', probe, cli, 'scan', file, '--format', format, '--fail-on', 'none'], {
    env: { ...process.env, MESHWARD_BENCH_PROBE: out, NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 20,
  });
  const seconds = (performance.now() - started) / 1000;
  const probed = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : null;
  if (r.status !== 0 || !probed) throw new Error(`${format} on ${file}: exit ${r.status ?? r.signal}: ${String(r.stderr).slice(0, 500)}`);
  return { rssMB: probed.maxRssKB / 1024, seconds };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(`cli ${cli}, ${runs} run(s) each, Node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`);
  console.log('| input | format | peak RSS, median (min–max) | wall time, median |');
  console.log('| --- | --- | --- | --- |');
  for (const mb of sizes) {
    const file = generate(mb);
    for (const format of [...formats, ...(sarifSizes.has(mb) && !formats.includes('sarif') ? ['sarif'] : [])]) {
      const results = [];
      let failure = null;
      for (let i = 0; i < runs && !failure; i++) {
        try {
          results.push(measure(file, format));
        } catch (err) {
          failure = err.message.replace(/\s+/g, ' ').slice(0, 160);
        }
      }
      if (failure) {
        console.log(`| ${mb} MB | ${format} | failed: ${failure} | |`);
        continue;
      }
      const rss = results.map((x) => x.rssMB);
      console.log(`| ${mb} MB | ${format} | ${Math.round(median(rss))} MB (${Math.round(Math.min(...rss))}–${Math.round(Math.max(...rss))}) | ${median(results.map((x) => x.seconds)).toFixed(1)} s |`);
    }
  }
}
