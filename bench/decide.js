#!/usr/bin/env node
// Micro-benchmark of the admission decision (issue 12): a 20,000-object cache (the live generator's
// objects) and a mix of VirtualService, Deployment and AuthorizationPolicy reviews (CREATE of a new
// object, UPDATE of an existing one), decided by the fast decision; per-review CPU p50/p99/max, base
// build time, memory, and how many reviews fell back to the reference.
//
//   npm run build && node bench/decide.js [--resources 20000] [--reviews 3000] [--seed S] [--check N] [--namespace-reviews 40] [--every-kind N]
//
// --check N also decides the first N reviews with the reference and fails on any difference.
// --namespace-reviews N times N label-only Namespace UPDATEs and N/4 that turn injection off, apart
// from the mix, and reviews of the root namespace's objects (`namespaceUpdates`; 0 leaves the
// Namespace ones out).
// --every-kind N times N CREATEs, UPDATEs and DELETEs of every kind the webhook judges (`everyKind`).
//
// Figures on the latency branch (2-core VM shared with six other sessions, load average 20+, so wall
// percentiles are scheduling noise; CPU is the figure to compare), 1,500 reviews, 60 checked against
// the reference, 0 mismatches: 1.17 ms CPU per review over the mix (60 ms before: the posture was
// rebuilt for every overlay and the posture rules ran uncut); p50 VirtualService 0.28 ms,
// AuthorizationPolicy 0.42 ms, Deployment 1.6 ms; no fallbacks. DELETE reviews (not in the mix) still
// run their rules unfocused over the whole overlay.
//
// 2026-12-04 (issue 12's latency tail, docs/webhook.md "Memory and garbage collection"), 3,000 reviews,
// load average 2.3 to 2.8, with the webhook's V8 settings: 0.33 to 0.37 ms CPU per review (0.60 to 0.64
// before), p50 VirtualService 0.08 ms, AuthorizationPolicy 0.12 ms, Deployment 0.37 ms; GC 0.013 ms per
// review, worst pause 3 to 13 ms (44 to 48 ms before), no heap growth over the reviews (67 to 98 MB
// before); `gc` below is what a PerformanceObserver saw during the measured reviews.
//
//   node bench/decide.js --discover-focus
//
// (--discover-seeds 7,11: the random clusters' seeds) instead prints, per admission rule, the most aggressive focus (src/webhook/focus.ts) under which the
// rule's decisions equal the reference's on the equivalence corpus (docs examples, bundled examples,
// random clusters): the source of RULE_FOCUS, which the equivalence tests then hold.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { liveObjects } from './lib/live-server.js';
import { DEFAULT_SEED } from './generate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '..', 'dist');
const load = (p) => import(pathToFileURL(path.join(dist, p)).href);

function args(argv) {
  const o = { resources: 20000, reviews: 3000, seed: DEFAULT_SEED, check: 0, namespaceReviews: 40, everyKind: 0, discover: false, discoverSeeds: [7, 11] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--resources') o.resources = Number(next());
    else if (a === '--reviews') o.reviews = Number(next());
    else if (a === '--seed') o.seed = Number(next());
    else if (a === '--check') o.check = Number(next());
    else if (a === '--namespace-reviews') o.namespaceReviews = Number(next());
    else if (a === '--every-kind') o.everyKind = Number(next());
    else if (a === '--discover-focus') o.discover = true;
    else if (a === '--discover-seeds') o.discoverSeeds = next().split(',').map(Number);
    else throw new Error(`unknown argument ${a} (see the header of bench/decide.js)`);
  }
  return o;
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const o = args(process.argv.slice(2));
// The V8 settings of the webhook process (src/webhook/gc-tuning.ts), before anything is allocated.
const { tuneGcForWebhook } = await load('webhook/gc-tuning.js');
tuneGcForWebhook();
const { FastDecider, decideReference } = await load('webhook/decide.js');
const { toResource, reviewOf, docsCases, casesOf, exampleObjects, randomCases, CORPUS_CLUSTER } = await load('testing/decide-corpus.js');
const { defaultSettings } = await load('config/settings.js');

if (o.discover) {
  const { admissionRules } = await load('webhook/admission-kinds.js');
  const { allRules } = await load('rules/index.js');
  const { effectiveReads } = await load('webhook/decide-fast.js');
  const { focusFromKey } = await load('webhook/focus.js');
  const { BARE_KIND_GROUPS, splitKindKey } = await load('cluster/discovery.js');
  const settings = defaultSettings();
  const cases = [
    ...docsCases(allRules),
    ...casesOf('insecure', exampleObjects(path.join(here, '..', 'examples', 'insecure'))),
    ...casesOf('secure', exampleObjects(path.join(here, '..', 'examples', 'secure'))),
    ...o.discoverSeeds.flatMap((seed) => randomCases(150, seed)),
  ].filter((c) => c.req.operation !== 'DELETE');
  const key = (k) => {
    const { group, kind } = splitKindKey(k);
    const g = group ?? (Object.hasOwn(BARE_KIND_GROUPS, kind) ? BARE_KIND_GROUPS[kind] : '');
    return g ? `${g}/${kind}` : kind;
  };
  // The slice ('s') is not offered: the decision no longer applies it (focus.ts RULE_FOCUS).
  const ORDER = ['kwn', 'kw', 'kn', 'k', 'wn', 'w', 'n', ''];
  const table = {};
  for (const rule of admissionRules()) {
    const reads = new Set(effectiveReads(rule).map(key));
    const mine = cases.filter((c) => reads.has(c.req.kind.group ? `${c.req.kind.group}/${c.req.kind.kind}` : c.req.kind.kind));
    const ropts = { tenantPolicy: null, settings, cluster: CORPUS_CLUSTER, rules: [rule] };
    const want = mine.map((c) => JSON.stringify(decideReference(c.req, c.state, ropts).introduced));
    for (const k of ORDER) {
      const focus = new Map([[rule.meta.id, focusFromKey(k)]]);
      const ok = mine.every((c, i) => JSON.stringify(new FastDecider(ropts, { staleness: 'wait', focus }).decide(c.req, c.state).introduced) === want[i]);
      if (ok) {
        table[rule.meta.id] = k;
        break;
      }
    }
    process.stderr.write(`${rule.meta.id} ${JSON.stringify(table[rule.meta.id])} (${mine.length} reviews)\n`);
  }
  process.stdout.write(JSON.stringify(table, null, 2) + '\n');
  process.exit(0);
}

const objects = liveObjects(o.seed, o.resources);
const resources = objects.map((x) => toResource(x, 'bench'));
const state = { version: 1, synced: true, resources: () => resources };
const opts = { tenantPolicy: null, settings: defaultSettings(), cluster: 'bench' };

// The review mix: for each kind, UPDATEs of existing objects (a label added) and CREATEs of copies under a new name.
const pools = { VirtualService: [], Deployment: [], AuthorizationPolicy: [] };
for (const x of objects) if (Object.hasOwn(pools, x.kind) && x.metadata?.namespace !== 'istio-system') pools[x.kind].push(x);
const reviews = [];
for (let i = 0; reviews.length < o.reviews; i++) {
  const kind = Object.keys(pools)[i % 3];
  const pool = pools[kind];
  const x = pool[(i * 7919) % pool.length];
  if (i % 2 === 0) {
    const changed = structuredClone(x);
    changed.metadata.labels = { ...(changed.metadata.labels ?? {}), 'bench.meshward.io/touched': String(i) };
    reviews.push(reviewOf('UPDATE', changed, x));
  } else {
    const copy = structuredClone(x);
    copy.metadata.name = `${x.metadata.name}-new-${i}`;
    reviews.push(reviewOf('CREATE', copy));
  }
}

const decider = new FastDecider(opts);
const heapBefore = process.memoryUsage().heapUsed;
let t = performance.now();
decider.rebuild(state);
const buildMs = performance.now() - t;
const heapAfterBuild = process.memoryUsage().heapUsed;

// Warm-up (JIT), then measure.
for (const r of reviews.slice(0, Math.min(300, reviews.length))) decider.decide(r, state);
const byKind = { VirtualService: [], Deployment: [], AuthorizationPolicy: [] };
const all = [];
// Garbage collection during the measured reviews (pauses add to a review's latency at 1,000/s).
const { PerformanceObserver } = await import('node:perf_hooks');
const gc = { count: 0, totalMs: 0, maxMs: 0 };
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count++;
    gc.totalMs += e.duration;
    gc.maxMs = Math.max(gc.maxMs, e.duration);
  }
});
gcObserver.observe({ entryTypes: ['gc'] });
const heapBeforeReviews = process.memoryUsage().heapUsed;
let denied = 0;
const cpu0 = process.cpuUsage();
t = performance.now();
for (const r of reviews) {
  const s = performance.now();
  const d = decider.decide(r, state);
  const ms = performance.now() - s;
  all.push(ms);
  byKind[r.kind.kind].push(ms);
  if (d.introduced.length) denied++;
}
const wallMs = performance.now() - t;
const cpu = process.cpuUsage(cpu0);
// GC entries are delivered asynchronously: give the observer a moment, then take what is left.
await new Promise((resolve) => setTimeout(resolve, 200));
for (const e of gcObserver.takeRecords?.() ?? []) {
  gc.count++;
  gc.totalMs += e.duration;
  gc.maxMs = Math.max(gc.maxMs, e.duration);
}
gcObserver.disconnect();

const fmt = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: +quantile(s, 0.5).toFixed(3), p99: +quantile(s, 0.99).toFixed(3), max: +s[s.length - 1].toFixed(3) };
};

// Namespace UPDATEs, apart from the mix (they are rare, and were decided by the reference's two full
// analyses until 2026-12-05): a label the mesh facts do not include (team, cost centre: the common
// case), and injection turned off (the facts change, every admission rule runs over the whole overlay).
const tenantNamespaces = objects.filter((x) => x.kind === 'Namespace' && x.metadata?.name?.startsWith('t'));
const namespaceReviews = { labelOnly: [], injectionOff: [] };
for (let i = 0; i < Math.min(o.namespaceReviews, tenantNamespaces.length); i++) {
  const x = tenantNamespaces[(i * 7919) % tenantNamespaces.length];
  const relabelled = structuredClone(x);
  relabelled.metadata.labels = { ...(relabelled.metadata.labels ?? {}), 'bench.meshward.io/touched': String(i) };
  namespaceReviews.labelOnly.push(reviewOf('UPDATE', relabelled, x));
  if (i % 4 === 0) {
    const off = structuredClone(x);
    off.metadata.labels = { ...(off.metadata.labels ?? {}), 'istio-injection': 'disabled' };
    namespaceReviews.injectionOff.push(reviewOf('UPDATE', off, x));
  }
}
// Objects of the root namespace (istiod, the ingress gateway, mesh-wide policies): decided over the
// whole overlay since 2026-12-05 (the reference's two full analyses before).
namespaceReviews.rootNamespace = [];
for (const x of objects.filter((x) => x.metadata?.namespace === 'istio-system' && x.kind !== 'ConfigMap' && x.kind !== 'Pod')) {
  const relabelled = structuredClone(x);
  relabelled.metadata.labels = { ...(relabelled.metadata.labels ?? {}), 'bench.meshward.io/touched': 'root' };
  namespaceReviews.rootNamespace.push(reviewOf('UPDATE', relabelled, x));
}
for (const o of [
  { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-nothing', namespace: 'istio-system' }, spec: {} },
  { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'mesh-permissive', namespace: 'istio-system' }, spec: { mtls: { mode: 'PERMISSIVE' } } },
]) namespaceReviews.rootNamespace.push(reviewOf('CREATE', o));
const namespaceMs = {};
for (const [kind, list] of Object.entries(namespaceReviews)) {
  namespaceMs[kind] = list.map((r) => {
    const s = performance.now();
    decider.decide(r, state);
    return performance.now() - s;
  });
}

// --every-kind: CREATE, UPDATE (a label) and DELETE of objects of every kind the webhook judges, outside
// the root namespace: the reviews a real cluster sends besides the mix (a rollout deletes Pods, a
// deployment creates Services), median and max per kind and operation.
let everyKind = null;
if (o.everyKind) {
  const { cacheKinds } = await load('webhook/admission-kinds.js');
  const judged = new Set(cacheKinds().map((k) => k.kind));
  const byKindPool = {};
  for (const x of objects) if (x.metadata?.namespace && x.metadata.namespace !== 'istio-system' && judged.has(x.kind)) (byKindPool[x.kind] ??= []).push(x);
  everyKind = {};
  for (const [kind, pool] of Object.entries(byKindPool)) {
    const t = { CREATE: [], UPDATE: [], DELETE: [] };
    for (let i = 0; i < o.everyKind; i++) {
      const x = pool[(i * 7919) % pool.length];
      const relabelled = structuredClone(x);
      relabelled.metadata.labels = { ...(relabelled.metadata.labels ?? {}), 'bench.meshward.io/touched': String(i) };
      const copy = structuredClone(x);
      copy.metadata.name = `${copy.metadata.name}-new-${i}`;
      for (const [op, r] of [['UPDATE', reviewOf('UPDATE', relabelled, x)], ['CREATE', reviewOf('CREATE', copy)], ['DELETE', reviewOf('DELETE', null, x)]]) {
        const s = performance.now();
        decider.decide(r, state);
        t[op].push(performance.now() - s);
      }
    }
    everyKind[kind] = Object.fromEntries(Object.entries(t).map(([op, xs]) => [op, { p50: fmt(xs).p50, max: fmt(xs).max }]));
  }
}

let mismatches = 0;
for (const r of reviews.slice(0, o.check)) {
  const a = JSON.stringify(decider.decide(r, state).introduced);
  const b = JSON.stringify(decideReference(r, state, opts).introduced);
  if (a !== b) mismatches++;
}

const stats = decider.stats();
const report = {
  resources: resources.length,
  reviews: reviews.length,
  baseBuildMs: Math.round(buildMs),
  baseHeapMB: Math.round((heapAfterBuild - heapBefore) / 1e6),
  rssMB: Math.round(process.memoryUsage().rss / 1e6),
  perReviewMs: fmt(all),
  byKind: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, fmt(v)])),
  cpuMsPerReview: +((cpu.user + cpu.system) / 1000 / reviews.length).toFixed(3),
  reviewsPerSecondOneCore: Math.round(reviews.length / (wallMs / 1000)),
  gc: { collections: gc.count, totalMs: +gc.totalMs.toFixed(1), maxPauseMs: +gc.maxMs.toFixed(2), perReviewMs: +(gc.totalMs / reviews.length).toFixed(4) },
  heapGrowthMB: Math.round((process.memoryUsage().heapUsed - heapBeforeReviews) / 1e6),
  namespaceUpdates: Object.fromEntries(Object.entries(namespaceMs).filter(([, v]) => v.length).map(([k, v]) => [k, fmt(v)])),
  ...(everyKind ? { everyKind } : {}),
  withIntroducedFindings: denied,
  fast: stats.fast,
  fallbacks: stats.fallbacks,
  checkedAgainstReference: o.check,
  mismatches,
};
process.stdout.write(JSON.stringify(report, null, 2) + '\n');
if (mismatches) process.exit(1);
