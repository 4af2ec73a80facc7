#!/usr/bin/env node
// Hostile inputs of issue 10 (bombs, heavy locating, crashes) and what each costs a meshward CLI:
// wall time, peak RSS, exit code and the first error line. Writes the inputs into bench/out/hostile/
// (once) and runs each under /usr/bin/time with a time limit, so a "before" build that hangs or runs
// out of memory is measured too.
//
//   node bench/hostile.js [--cli dist/cli/bin.js] [--timeout 120] [--only name,...] [--repeat 1]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { existsSync, mkdirSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// The shapes that multiply work, as the bomb tests write them (the built copy: run `npm run build` first).
const { ALL_RIGHTS, rbacProduct, rbacAggregation, policiesOnWorkloads } = await import(pathToFileURL(path.join(here, '..', 'dist', 'testing', 'multiplying-inputs.js')).href);
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const cli = path.resolve(opt('cli', path.join(here, '..', 'dist', 'cli', 'bin.js')));
const timeout = Number(opt('timeout', '120'));
const only = opt('only', '') ? new Set(opt('only', '').split(',')) : null;
const repeat = Number(opt('repeat', '1'));
const dir = path.join(here, 'out', 'hostile');
mkdirSync(dir, { recursive: true });

/** Anchors each merging the previous one: js-yaml copies i keys into the i-th (quadratic). */
function mergeChain(lines) {
  const out = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: chain}', 'x-anchors:', '  a0: &a0 {k0: v}'];
  for (let i = 1; i < lines; i++) out.push(`  a${i}: &a${i} {<<: *a${i - 1}, k${i}: v}`);
  return out.join('\n') + '\n';
}

/** A 1000-key anchor merged a thousand times over into each of many mappings. */
function mergeList(targetBytes) {
  const out = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: list}', 'x-anchors:', '  a0: &a0 {k0: v}'];
  for (let i = 1; i < 1000; i++) out.push(`  a${i}: &a${i} {<<: *a${i - 1}, k${i}: v}`);
  const refs = Array(250).fill('*a999').join(', ');
  let size = out.join('\n').length;
  for (let j = 0; size < targetBytes; j++) {
    const line = `  b${j}: {<<: [${refs}]}`;
    out.push(line);
    size += line.length + 1;
  }
  return out.join('\n') + '\n';
}

function laughs() {
  const l = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) l.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
  // EGR001 quotes outboundTrafficPolicy.mode in its message: the value must be shortened without expanding it.
  l.push('outboundTrafficPolicy: {mode: *a9}');
  return l.join('\n');
}

function meshConfigMap() {
  const mesh = laughs();
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: ${JSON.stringify(mesh)}\n`;
}

/** One flow-style Pod (~15.7 MB) with one finding (BYP001: runAsUser 1337) at its end. */
function flowPod(targetBytes) {
  const parts = [];
  let size = 0;
  for (let i = 0; size < targetBytes; i++) {
    const p = `{name: E${i}, value: "${'x'.repeat(20)}"}`;
    parts.push(p);
    size += p.length + 2;
  }
  return `{apiVersion: v1, kind: Pod, metadata: {name: flow, namespace: big}, spec: {containers: [{name: app, image: "example/app:1", env: [${parts.join(', ')}], securityContext: {runAsUser: 1337}}]}}\n`;
}

/** A single JSON document (not a List) of about `targetBytes`. */
function writeBigJson(file, targetBytes) {
  const fd = openSync(file, 'w');
  writeSync(fd, '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": {');
  const chunk = [];
  let size = 0;
  for (let i = 0; size < targetBytes; i++) {
    chunk.push(`"k${i}": "${'v'.repeat(40)}"`);
    if (chunk.length === 10000) {
      const s = chunk.join(', ') + ', ';
      writeSync(fd, s);
      size += s.length;
      chunk.length = 0;
    }
  }
  writeSync(fd, '"end": "x"}}\n');
  closeSync(fd);
}

const CASES = [
  { name: 'merge-chain-386k', file: 'merge-chain-386k.yaml', make: () => mergeChain(15000) },
  { name: 'merge-chain-815k', file: 'merge-chain-815k.yaml', make: () => mergeChain(30000) },
  { name: 'merge-list-789k', file: 'merge-list-789k.yaml', make: () => mergeList(789 * 1024) },
  { name: 'mesh-configmap-laughs', file: 'mesh-configmap.yaml', make: meshConfigMap },
  { name: 'mesh-config-flag-laughs', file: 'mesh-config-laughs.yaml', make: laughs, extra: (f) => ['--mesh-config', f], scanFile: 'flow-pod-small.yaml' },
  { name: 'json-248mb-document', file: 'big-248mb.json', write: (f) => writeBigJson(f, 248 * 1024 * 1024) },
  { name: 'flow-15.7mb-locate', file: 'flow-15mb.yaml', make: () => flowPod(15.7 * 1024 * 1024) },
  { name: 'json-deep-invalid-1mb', file: 'deep-invalid.json', make: () => '['.repeat(1024 * 1024) },
  { name: 'rbac-4000-subjects-x-4000-rules', file: 'rbac-product.yaml', make: () => rbacProduct(4000, (i) => `{apiGroups: [""], resources: [r${i}], verbs: [get]}`) },
  { name: 'rbac-4000-subjects-x-4000-rights', file: 'rbac-product-rights.yaml', make: () => rbacProduct(4000, () => ALL_RIGHTS) },
  { name: 'rbac-2000-roles-aggregating-each-other', file: 'rbac-aggregation.yaml', make: () => rbacAggregation(2000) },
  { name: 'authz-1000-policies-x-1000-workloads', file: 'authz-1000.yaml', make: () => policiesOnWorkloads(1000) },
  { name: 'authz-3000-policies-x-3000-workloads', file: 'authz-3000.yaml', make: () => policiesOnWorkloads(3000) },
  { name: 'yaml-tag-alias-secret', file: 'tag-secret.yaml', make: () => 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: !Pa55word x\n  token: *hunter2\n' },
];

if (!existsSync(path.join(dir, 'flow-pod-small.yaml'))) writeFileSync(path.join(dir, 'flow-pod-small.yaml'), flowPod(1000));

/**
 * Runs node with `argv`, sampling the peak resident set (VmHWM, all threads) from /proc every 100 ms,
 * and kills it at the time limit: a hang or an out-of-memory run is measured as well.
 */
function measure(argv) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    let peakKB = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKB = Math.max(peakKB, Number(m[1]));
      } catch {
        // The process has just exited.
      }
    };
    const timer = setInterval(sample, 100);
    const killer = setTimeout(() => child.kill('SIGKILL'), timeout * 1000);
    child.on('exit', () => sample());
    child.on('close', (code, signal) => {
      clearInterval(timer);
      clearTimeout(killer);
      const secs = Number((process.hrtime.bigint() - started) / 1_000_000n) / 1000;
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      let message = '';
      try {
        const report = JSON.parse(stdout);
        message = report.errors?.[0]?.message ?? `${report.findings?.length ?? 0} findings`;
      } catch {
        message = signal === 'SIGKILL' ? `killed at the ${timeout} s limit` : (stderr.split('\n').find((l) => /error|Error/.test(l)) ?? stderr.split('\n')[0] ?? '');
      }
      resolve({ secs, peakMB: Math.round(peakKB / 1024), exit: code ?? signal, message: message.slice(0, 140) });
    });
  });
}

const rows = [];
for (const c of CASES) {
  if (only && !only.has(c.name)) continue;
  const file = path.join(dir, c.file);
  if (!existsSync(file)) {
    if (c.write) c.write(file);
    else writeFileSync(file, c.make());
  }
  const scanTarget = c.scanFile ? path.join(dir, c.scanFile) : file;
  const runs = [];
  for (let i = 0; i < repeat; i++) runs.push(await measure([cli, 'scan', scanTarget, '--format', 'json', ...(c.extra ? c.extra(file) : [])]));
  runs.sort((a, b) => a.secs - b.secs);
  const m = runs[Math.floor(runs.length / 2)];
  rows.push({ input: c.name, ...m });
  console.log(`${c.name.padEnd(26)} ${String(m.secs).padStart(7)} s ${String(m.peakMB).padStart(6)} MB exit ${m.exit}  ${m.message}`);
}
writeFileSync(path.join(here, 'out', `hostile-${Date.now()}.json`), JSON.stringify({ cli, rows }, null, 2));
