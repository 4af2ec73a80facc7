#!/usr/bin/env node
// Incremental analysis benchmark (issue 17, "Speed"): one changed object in a 100,000-object model
// re-checked by the incremental engine (src/engine/incremental.ts, the one the server, `scan --watch`
// and the webhook use) against a from-scratch analysis of the same model, side by side in one process.
//
//   npm run bench:incremental -- [--objects 100000] [--changes 200] [--seed S] [--full-runs 3]
//
// The model is the synthetic corpus (bench/generate.js). Changes are drawn at random (seeded) over
// every kind in the corpus: updates of existing objects (a label or a spec field changed, the server's
// and the watch's most common event), creations of new objects in existing namespaces (a Deployment,
// a VirtualService, an AuthorizationPolicy...) and deletions; each is applied alone and timed from the
// engine's call to its findings. Namespace objects and the istio-system mesh ConfigMap are changed too
// (their figures are listed apart as well as in the overall percentiles). The engine keeps its model as
// the server does (at most SERVER_MAX_OVERLAY_DEPTH overlays, 32; built again in idle time once
// COMPACT_AT_OVERLAYS, 16, are stacked: the bench does
// that between changes and reports it apart, as `compactions`).
// At the end the engine's findings are checked equal to a from-scratch analysis of the final objects.
// Target: p50 and p99 of one change <= 50 ms. Results: bench/out/incremental-results.json.
// Exit: 0 target met, 1 missed, 2 could not run (or the findings differ).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { namespaces, DEFAULT_SEED, Rng, parseCount } from './generate.js';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.join(BENCH, '..', 'dist');
const OUT = path.join(BENCH, 'out');
export const TARGETS = { p50Ms: 50, p99Ms: 50 };

function parseArgs(argv) {
  const o = { objects: 100_000, changes: 200, seed: DEFAULT_SEED, fullRuns: 3 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--objects') o.objects = parseCount(val());
    else if (a === '--changes') o.changes = parseCount(val());
    else if (a === '--seed') o.seed = Number(val()) >>> 0;
    else if (a === '--full-runs') o.fullRuns = parseCount(val());
    else throw new Error(`unknown argument ${a} (see the header of bench/incremental.js)`);
  }
  return o;
}

const mod = (p) => import(pathToFileURL(path.join(DIST, p)).href);

function pct(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const ms = (x) => Math.round(x * 100) / 100;

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { IncrementalEngine, allFindings } = await mod('engine/incremental.js');
  const { runRules } = await mod('engine/run.js');
  const { defaultSettings } = await mod('config/settings.js');
  const { MeshModel } = await mod('model/model.js');
  const { inCanonicalOrder } = await mod('cli/live.js');
  const { allRules } = await mod('rules/index.js');
  const { liveResource } = await mod('cluster/live-resource.js');
  const { isClusterScoped } = await mod('model/resource.js');

  const resourceOf = (o) => liveResource(structuredClone(o), { apiVersion: String(o.apiVersion), kind: String(o.kind), namespaced: !isClusterScoped(String(o.kind)) }, 'bench');
  const keyOf = (r) => `${r.group}/${r.kind}/${r.namespace}/${r.name}`;
  const objects = new Map();
  for (const ns of namespaces(opts.seed, opts.objects)) for (const o of ns) {
    const r = resourceOf(o);
    objects.set(keyOf(r), r);
  }
  const settings = defaultSettings();
  const fromScratch = () => {
    const list = inCanonicalOrder([...objects.values()].map((r) => ({ ...r })));
    return runRules(new MeshModel(list), allRules, { settings, compact: true });
  };

  process.stderr.write(`bench/incremental: ${objects.size} objects, ${allRules.length} rules; from-scratch analysis x${opts.fullRuns}...\n`);
  const fullMs = [];
  let fullFindings = 0;
  for (let i = 0; i < opts.fullRuns; i++) {
    const t = performance.now();
    fullFindings = fromScratch().findings.length;
    fullMs.push(performance.now() - t);
  }
  fullMs.sort((a, b) => a - b);

  // As the server keeps a cluster's model (src/server/analysis-incremental.ts): at most
  // SERVER_MAX_OVERLAY_DEPTH overlays, and the model built again while the cluster's lane is idle once
  // COMPACT_AT_OVERLAYS are stacked. The bench compacts between changes, where the server's idle lane
  // would, and reports those builds apart (`compactions`): they are upkeep no change waits for.
  const { SERVER_MAX_OVERLAY_DEPTH, COMPACT_AT_OVERLAYS } = await mod('server/analysis-incremental.js');
  const engine = new IncrementalEngine(allRules, { settings, maxOverlayDepth: SERVER_MAX_OVERLAY_DEPTH });
  const compactions = [];
  let t = performance.now();
  engine.analyse(objects, null);
  const primeMs = performance.now() - t;

  // Changes: kinds weighted by how many objects they have, plus creations and deletions.
  const rng = new Rng(opts.seed ^ 0x17, 17);
  const pick = (list) => list[Math.floor(rng.float() * list.length)];
  const byKind = new Map();
  for (const [k, r] of objects) {
    const kk = `${r.group}/${r.kind}`;
    if (!byKind.has(kk)) byKind.set(kk, []);
    byKind.get(kk).push(k);
  }
  const kinds = [...byKind.keys()];
  const tenantNamespaces = [...new Set([...objects.values()].filter((r) => r.namespace.startsWith('t')).map((r) => r.namespace))];
  const samples = [];
  let created = 0;
  for (let i = 0; i < opts.changes; i++) {
    const roll = rng.float();
    let op;
    let key;
    if (roll < 0.2) {
      // A new object: a copy of a random object of a random kind, renamed, in another tenant namespace.
      const kind = pick(kinds.filter((k) => k !== '/Namespace'));
      const src = objects.get(pick(byKind.get(kind)));
      if (!src) continue;
      const o = structuredClone(src.obj);
      o.metadata = { ...(o.metadata ?? {}), name: `bench-new-${created++}` };
      if (src.namespace) o.metadata.namespace = pick(tenantNamespaces);
      const r = resourceOf(o);
      key = keyOf(r);
      objects.set(key, r);
      op = 'create';
    } else if (roll < 0.3) {
      const kind = pick(kinds.filter((k) => k !== '/Namespace'));
      key = pick(byKind.get(kind));
      if (!objects.has(key)) continue;
      objects.delete(key);
      op = 'delete';
    } else {
      // An update: a label changed (what a rollout, an annotation or a GitOps sync mostly does).
      const kind = roll < 0.33 ? '/Namespace' : pick(kinds);
      key = pick(byKind.get(kind));
      const src = objects.get(key);
      if (!src) continue;
      const o = structuredClone(src.obj);
      o.metadata = { ...(o.metadata ?? {}), labels: { ...(o.metadata?.labels ?? {}), 'bench-rev': String(i) } };
      objects.set(key, resourceOf(o));
      op = 'update';
    }
    let afterCompaction = false;
    if (engine.overlays >= COMPACT_AT_OVERLAYS) {
      const c = performance.now();
      afterCompaction = engine.compact(COMPACT_AT_OVERLAYS);
      compactions.push(performance.now() - c);
    }
    const r0 = objects.get(key) ?? null;
    const rebuiltBefore = engine.stats.rebuilt;
    t = performance.now();
    const res = engine.analyse(objects, [key]);
    const took = performance.now() - t;
    if ((samples.length + 1) % 10 === 0) process.stderr.write(`bench/incremental: ${samples.length + 1} changes, last ${Math.round(took)} ms\n`);
    samples.push({ op, kind: key.split('/').slice(0, 2).join('/'), ms: took, rulesRun: res.rulesRun, rulesScoped: res.rulesScoped ?? 0, rebuilt: engine.stats.rebuilt > rebuiltBefore, afterCompaction, present: r0 !== null });
  }

  process.stderr.write('bench/incremental: checking the final findings against a from-scratch analysis...\n');
  const line = (f) => `${f.ruleId} ${f.fingerprint} ${f.severity} ${f.message}`;
  const last = engine.analyse(objects, []);
  const got = allFindings(last).map(line).sort();
  const want = fromScratch().findings.map(line).sort();
  const same = got.length === want.length && got.every((x, i) => x === want[i]);

  const all = samples.map((s) => s.ms).sort((a, b) => a - b);
  const overlay = samples.filter((s) => !s.rebuilt).map((s) => s.ms).sort((a, b) => a - b);
  const rebuilt = samples.filter((s) => s.rebuilt);
  const perOp = {};
  for (const op of ['create', 'update', 'delete']) {
    const xs = samples.filter((s) => s.op === op).map((s) => s.ms).sort((a, b) => a - b);
    perOp[op] = { count: xs.length, p50Ms: ms(pct(xs, 50)), p99Ms: ms(pct(xs, 99)) };
  }
  // Per changed kind (creates, updates and deletes together): where the time goes, kind by kind.
  const perKind = {};
  for (const kind of [...new Set(samples.map((s) => s.kind))].sort()) {
    const xs = samples.filter((s) => s.kind === kind).map((s) => s.ms).sort((a, b) => a - b);
    const runs = samples.filter((s) => s.kind === kind).reduce((a, s) => a + s.rulesRun, 0) / xs.length;
    const scoped = samples.filter((s) => s.kind === kind).reduce((a, s) => a + s.rulesScoped, 0) / xs.length;
    perKind[kind] = { count: xs.length, p50Ms: ms(pct(xs, 50)), maxMs: ms(xs[xs.length - 1]), meanRulesRun: ms(runs), meanRulesScoped: ms(scoped) };
  }
  const results = {
    objects: engine.size,
    rules: allRules.length,
    changes: samples.length,
    fromScratch: { medianMs: ms(pct(fullMs, 50)), runs: fullMs.map(ms), findings: fullFindings },
    primeMs: ms(primeMs),
    incremental: { p50Ms: ms(pct(all, 50)), p99Ms: ms(pct(all, 99)), maxMs: ms(all[all.length - 1]), meanRulesRun: ms(samples.reduce((a, s) => a + s.rulesRun, 0) / samples.length), meanRulesScoped: ms(samples.reduce((a, s) => a + s.rulesScoped, 0) / samples.length) },
    withoutRebuilds: { count: overlay.length, p50Ms: ms(pct(overlay, 50)), p99Ms: ms(pct(overlay, 99)) },
    rebuilds: { count: rebuilt.length, kinds: [...new Set(rebuilt.map((s) => `${s.op} ${s.kind}`))], medianMs: ms(pct(rebuilt.map((s) => s.ms).sort((a, b) => a - b), 50)) },
    firstChangeAfterCompaction: (() => {
      const xs = samples.filter((s) => s.afterCompaction).map((s) => s.ms).sort((a, b) => a - b);
      const ys = samples.filter((s) => !s.afterCompaction).map((s) => s.ms).sort((a, b) => a - b);
      return { count: xs.length, p50Ms: ms(pct(xs, 50)), maxMs: ms(xs[xs.length - 1] ?? NaN), othersP50Ms: ms(pct(ys, 50)), othersP99Ms: ms(pct(ys, 99)) };
    })(),
    compactions: { count: compactions.length, medianMs: ms(pct([...compactions].sort((a, b) => a - b), 50)), atOverlays: COMPACT_AT_OVERLAYS, maxOverlays: SERVER_MAX_OVERLAY_DEPTH },
    slowest: [...samples].sort((a, b) => b.ms - a.ms).slice(0, 8).map((s) => ({ op: s.op, kind: s.kind, ms: ms(s.ms), rulesRun: s.rulesRun, rulesScoped: s.rulesScoped, afterCompaction: s.afterCompaction })),
    perOp,
    perKind,
    speedupP50: ms(pct(fullMs, 50) / pct(all, 50)),
    findingsEqualFromScratch: same,
    targets: TARGETS,
    node: process.version,
    at: new Date().toISOString(),
  };
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'incremental-results.json'), JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  if (!same) {
    process.stderr.write(`bench/incremental: the engine's findings differ from a from-scratch analysis (${got.length} vs ${want.length})\n`);
    return 2;
  }
  return results.incremental.p50Ms <= TARGETS.p50Ms && results.incremental.p99Ms <= TARGETS.p99Ms ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    process.stderr.write(`bench/incremental: ${err?.stack ?? err}\n`);
    process.exitCode = 2;
  },
);
