#!/usr/bin/env node
// Custom rules benchmark (issue 18): 100 declarative rules (YAML + CEL) over 100,000 resources, and the
// time they add to the same scan without them. Target: at most 2 s added.
//
//   npm run bench:custom-rules [-- --resources 100000 --rules 100 --runs 3] [--library] [--unbatched]
//
// --library evaluates every condition on the CEL library alone (no fast path, src/custom/fast.ts);
// --unbatched leaves each rule in a batch of its own (each walks its kinds' objects itself).
//
// The corpus is bench/generate.js's (written once to bench/out/custom-rules-<n>). It is loaded once;
// then model + rules run `--runs` times with the built-in rules alone and with the custom rules added,
// alternating, and the medians are compared. Rule compilation (once per run of the CLI) is timed apart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generate, parseCount, DEFAULT_SEED } from './generate.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const dist = (p) => pathToFileURL(path.join(BENCH, '..', 'dist', p)).href;
const { loadPaths } = await import(dist('loader/load.js'));
const { analyse } = await import(dist('engine/scan.js'));
const { allRules } = await import(dist('rules/index.js'));
const { parseRuleFile } = await import(dist('custom/load.js'));
const { compileDeclarative, batchRules } = await import(dist('custom/rule.js'));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const resources = parseCount(arg('resources', '100000'));
const ruleCount = Number(arg('rules', '100'));
const runs = Number(arg('runs', '3'));
const library = process.argv.includes('--library');
const unbatched = process.argv.includes('--unbatched');

// Ten shapes of rule, each in ten variants: plain field checks, macros, label selectors, namespace
// views, and the helpers that reach the model (mTLS, selectors, host ownership). Like real policy
// checks, most objects pass them: the findings (which cost the same for every rule) stay few.
const SHAPES = [
  (i) => ({ kinds: '[VirtualService]', condition: `has(object.spec.http) && object.spec.http.exists(r, !has(r.timeout)) && object.metadata.name.size() > ${i % 3}` }),
  (i) => ({ kinds: '[DestinationRule]', condition: `has(object.spec.trafficPolicy) && has(object.spec.trafficPolicy.tls) && object.spec.trafficPolicy.tls.mode == "DISABLE" && ${i} >= 0` }),
  (i) => ({ kinds: '[Deployment]', condition: `has(object.spec.replicas) && object.spec.replicas > ${i + 20}.0` }),
  (i) => ({ kinds: '[Deployment, StatefulSet]', condition: `object.spec.template.spec.containers.exists(c, has(c.image) && c.image.endsWith(":latest${i}"))` }),
  (i) => ({ kinds: '[Service]', condition: `has(object.spec.type) && object.spec.type == "LoadBalancer" && ns.mode != "sidecar${i}"` }),
  (i) => ({ kinds: '[AuthorizationPolicy]', condition: `has(object.spec.selector) && has(object.spec.selector.matchLabels) && workloadsMatching(object.metadata.namespace, object.spec.selector).size() == ${i + 50}` }),
  (i) => ({ kinds: '[Deployment]', condition: `ns.meshMode == "sidecar" && mtlsOf(object) == "DISABLE" && ${i} >= 0` }),
  (i) => ({ kinds: '[VirtualService]', condition: `has(object.spec.hosts) && object.spec.hosts.exists(h, hostNamespace(h, object.metadata.namespace) == "t${String(i).padStart(4, '0')}")` }),
  (i) => ({ kinds: '[ConfigMap, ServiceAccount]', condition: `has(object.metadata.labels) && "team-${i}" in object.metadata.labels` }),
  (i) => ({ kinds: '[PeerAuthentication, Sidecar]', condition: `object.metadata.name.startsWith("x${i}") || (has(object.spec.mtls) && object.spec.mtls.mode == "PERMISSIVE")` }),
];

function ruleYaml(n) {
  const lines = ['rules:'];
  for (let i = 0; i < n; i++) {
    const shape = SHAPES[i % SHAPES.length](Math.floor(i / SHAPES.length));
    lines.push(
      `  - id: X-BENCH-${i}`,
      `    title: bench rule ${i}`,
      `    severity: low`,
      `    match: {kinds: ${shape.kinds}}`,
      `    condition: ${JSON.stringify(shape.condition)}`,
      `    message: "{{ object.kind }} {{ object.metadata.name }} matched bench rule ${i}"`,
      `    path: metadata.name`,
      `    fix: none`,
      `    docs: {summary: bench, why: bench}`,
    );
  }
  return lines.join('\n') + '\n';
}

const out = path.join(BENCH, 'out', `custom-rules-${resources}`);
if (!fs.existsSync(path.join(out, '.done'))) {
  generate({ resources, out, seed: DEFAULT_SEED, format: 'yaml', nsPerFile: 100 });
  fs.writeFileSync(path.join(out, '.done'), '');
}

let t = performance.now();
const compiled = parseRuleFile(ruleYaml(ruleCount), 'bench-rules.yaml').map((s) => compileDeclarative(s, { fast: !library }));
if (!unbatched) batchRules(compiled);
const compileMs = performance.now() - t;
const onFastPath = compiled.filter((r) => r.fastPath).length;

t = performance.now();
const load = await loadPaths([out], {});
const loadMs = performance.now() - t;
process.stderr.write(`loaded ${load.resources.length} resources in ${(loadMs / 1000).toFixed(1)} s; compiled ${compiled.length} rules in ${compileMs.toFixed(0)} ms\n`);

// CPU time (user + system, this process) beside wall time: on a shared machine wall time counts
// other jobs' turns too.
const timeScan = (rules) => {
  global.gc?.();
  const start = performance.now();
  const cpu = process.cpuUsage();
  const r = analyse(load, { rules, compactFindings: true });
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000, findings: r.findings.length, failures: r.failures };
};
const base = [];
const baseCpu = [];
const withCustom = [];
const withCustomCpu = [];
let customFindings = 0;
for (let i = 0; i < runs; i++) {
  const b = timeScan(allRules);
  base.push(b.ms);
  baseCpu.push(b.cpuMs);
  const w = timeScan([...allRules, ...compiled]);
  if (w.failures.length) throw new Error(`custom rules failed: ${JSON.stringify(w.failures).slice(0, 500)}`);
  withCustom.push(w.ms);
  withCustomCpu.push(w.cpuMs);
  customFindings = w.findings;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const added = median(withCustom) - median(base);
const addedCpu = median(withCustomCpu) - median(baseCpu);
const [load1, load5] = os.loadavg();
const result = {
  resources: load.resources.length,
  customRules: compiled.length,
  runs,
  evaluator: library ? 'library' : 'fast path where it applies',
  batched: !unbatched,
  rulesOnFastPath: onFastPath,
  compileMs: Math.round(compileMs),
  scanWithoutMs: Math.round(median(base)),
  scanWithMs: Math.round(median(withCustom)),
  addedMs: Math.round(added),
  scanWithoutCpuMs: Math.round(median(baseCpu)),
  scanWithCpuMs: Math.round(median(withCustomCpu)),
  addedCpuMs: Math.round(addedCpu),
  targetMs: 2000,
  findingsWithCustom: customFindings,
  loadAverage: { '1m': load1, '5m': load5 },
  cpus: os.availableParallelism(),
};
console.log(JSON.stringify(result, null, 2));
console.log(
  `${ruleCount} custom rules over ${result.resources} resources add ${(added / 1000).toFixed(2)} s wall, ${(addedCpu / 1000).toFixed(2)} s CPU (target 2 s) [${added <= 2000 ? 'ok' : 'OVER'}]; load average ${load1.toFixed(2)} (1 min)`,
);
