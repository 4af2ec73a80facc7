import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { liveResource } from '../cluster/live-resource.js';
import { MeshModel } from '../model/model.js';
import { isClusterScoped, type Resource } from '../model/resource.js';
import { runRules } from '../engine/run.js';
import { IncrementalEngine, allFindings } from '../engine/incremental.js';
import { defaultSettings } from '../config/settings.js';
import { parseRuleFile } from './load.js';
import { batchRules, compileDeclarative, type CustomRule } from './rule.js';

// Rules in one batch (rule.ts) report exactly what each reports alone, fail alone, and run only when
// the engine runs them.

const RULES = `rules:
- id: X-NO-TIMEOUT
  title: t
  severity: medium
  match: {kinds: [VirtualService]}
  condition: "has(object.spec.http) && object.spec.http.exists(r, !has(r.timeout))"
  message: "{{ object.metadata.name }} has no timeout"
  path: spec.http
  fix: f
  docs: {summary: s, why: w}
- id: X-MANY
  title: t
  severity: low
  match: {kinds: [Deployment, VirtualService]}
  condition: "object.metadata.name.startsWith('b') || object.spec.replicas > 2"
  message: "{{ object.kind }} {{ object.metadata.name }}"
  path: metadata.name
  fix: f
  docs: {summary: s, why: w}
- id: X-ARITH
  title: t
  severity: low
  match: {kinds: [Deployment]}
  condition: "object.spec.replicas + 1.0 > 3.0"
  message: "{{ object.metadata.name }} arith"
  path: metadata.name
  fix: f
  docs: {summary: s, why: w}
- id: X-SLOW
  title: t
  severity: low
  match: {kinds: [VirtualService, Deployment]}
  condition: "object.spec.big.all(a, object.spec.big.all(b, a + b >= 0.0))"
  message: "slow"
  path: metadata.name
  fix: f
  docs: {summary: s, why: w}
`;

function model(n: number): MeshModel {
  return new MeshModel(resources(n));
}

function resources(n: number): Resource[] {
  const big = `[${Array.from({ length: 900 }, (_, i) => i).join(',')}]`;
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    docs.push(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${i % 2 ? 'a' : 'b'}${i}, namespace: shop}
spec: {hosts: [x], http: ${i % 3 ? '[{timeout: 1s}]' : '[{route: []}]'}, big: ${big}}`);
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: {name: ${i % 2 ? 'b' : 'c'}d${i}, namespace: shop}
spec: {replicas: ${i % 5}, big: ${big}, template: {spec: {containers: []}}}`);
  }
  const list: Resource[] = parseAllDocuments(docs.join('\n---\n'))
    .map((d) => d.toJS() as Record<string, any>)
    .map((o, i) => ({ ...liveResource(o, { apiVersion: o.apiVersion, kind: o.kind, namespaced: !isClusterScoped(o.kind) }, 'c'), id: i }));
  return list;
}

function compiled(opts: { fast?: boolean; budgetMs?: number } = {}): CustomRule[] {
  return parseRuleFile(RULES, 'r.yaml').map((s) => compileDeclarative(s, opts));
}

function summary(res: ReturnType<typeof runRules>): string[] {
  return res.findings.map((f) => `${f.ruleId} ${f.resource.kind} ${f.resource.name}: ${f.message}`).sort();
}

test('a batch reports what each rule reports alone, on the fast path or the library alone', () => {
  const m = model(30);
  const fast = compiled({ budgetMs: 60_000 }).filter((r) => r.meta.id !== 'X-SLOW');
  const alone = compiled({ fast: false, budgetMs: 60_000 }).filter((r) => r.meta.id !== 'X-SLOW');
  batchRules(fast);
  assert.deepEqual(
    fast.map((r) => [r.meta.id, r.fastPath]),
    [['X-NO-TIMEOUT', true], ['X-MANY', true], ['X-ARITH', false]],
  );
  const batched = runRules(m, fast, { settings: defaultSettings() });
  const reference = runRules(m, alone, { settings: defaultSettings() });
  assert.deepEqual(batched.failures, []);
  assert.deepEqual(summary(batched), summary(reference));
  // Every rule found something, and the findings keep each rule's own message.
  for (const id of ['X-NO-TIMEOUT', 'X-MANY', 'X-ARITH']) assert.ok(batched.findings.some((f) => f.ruleId === id), id);
  assert.ok(batched.findings.some((f) => f.message === 'VirtualService b0'));
  // A second run over another model is evaluated afresh, not served from the first.
  const again = runRules(model(4), fast, { settings: defaultSettings() });
  assert.deepEqual(summary(again), summary(runRules(model(4), alone, { settings: defaultSettings() })));
});

test('in a batch, a rule past its budget fails alone and the others keep all their findings', () => {
  const m = model(40);
  const rules = compiled({ budgetMs: 40 });
  batchRules(rules);
  const res = runRules(m, rules, { settings: defaultSettings() });
  assert.deepEqual(res.failures.map((f) => f.ruleId), ['X-SLOW']);
  assert.match(res.failures[0].message, /X-SLOW ran past its time budget of 40 ms/);
  const reference = runRules(m, compiled({ fast: false, budgetMs: 60_000 }).filter((r) => r.meta.id !== 'X-SLOW'), { settings: defaultSettings() });
  assert.deepEqual(summary(res), summary(reference));
});

test('a batch evaluates only the rules the engine runs; a disabled rule leaves no trouble behind', () => {
  const m = model(6);
  const text = RULES.replace('object.metadata.name.startsWith', 'object.spec.nope.startsWith');
  const rules = parseRuleFile(text, 'r.yaml').map((s) => compileDeclarative(s));
  batchRules(rules);
  const many = rules.find((r) => r.meta.id === 'X-MANY')!;
  const res = runRules(m, rules, { settings: defaultSettings(), disabled: new Set(['X-MANY', 'X-SLOW']) });
  assert.equal(res.findings.filter((f) => f.ruleId === 'X-MANY').length, 0);
  assert.equal(many.trouble, null);
  runRules(m, rules, { settings: defaultSettings(), disabled: new Set(['X-SLOW']) });
  // 6 VirtualServices (no replicas either) and the 4 of 6 Deployments whose replicas do not decide the ||.
  const trouble = many.trouble as { count: number; first: string } | null;
  assert.match(trouble?.first ?? '', /^VirtualService shop\/b0: No such key: replicas/);
  assert.equal(trouble?.count, 10);
});

test('an incremental update of a batch finds what a full run finds', () => {
  const rules = compiled({ budgetMs: 60_000 }).filter((r) => r.meta.id !== 'X-SLOW');
  batchRules(rules);
  const objects = new Map(resources(10).map((r) => [`${r.kind}/${r.namespace}/${r.name}`, r] as const));
  const engine = new IncrementalEngine(rules);
  engine.analyse(objects, null);
  // cd0 has 0 replicas: X-MANY (replicas > 2) and X-ARITH (replicas + 1 > 3) do not fire until it has 4.
  const key = 'Deployment/shop/cd0';
  const before = objects.get(key)!;
  objects.set(key, { ...before, obj: { ...before.obj, spec: { ...before.obj.spec, replicas: 4 } } });
  const update = engine.analyse(objects, [key]);
  assert.equal(update.mode, 'incremental');
  const fresh = new IncrementalEngine(compiled({ fast: false, budgetMs: 60_000 }).filter((r) => r.meta.id !== 'X-SLOW')).analyse(objects, null);
  const show = (fs: ReturnType<typeof allFindings>) => fs.map((f) => `${f.ruleId} ${f.resource.name}: ${f.message}`).sort();
  assert.deepEqual(show(allFindings(update)), show(allFindings(fresh)));
  assert.ok(show(allFindings(update)).includes('X-MANY cd0: Deployment cd0'));
  assert.ok(show(allFindings(update)).includes('X-ARITH cd0: cd0 arith'));
});

test('a runaway condition on the fast path is stopped by its budget inside its macro loops', () => {
  const fastSlow = `rules:
- id: X-SLOW-FAST
  title: t
  severity: low
  match: {kinds: [VirtualService, Deployment]}
  condition: "object.spec.big.all(a, object.spec.big.all(b, b >= 0))"
  message: "slow"
  path: metadata.name
  fix: f
  docs: {summary: s, why: w}
`;
  const [rule] = parseRuleFile(fastSlow, 'r.yaml').map((s) => compileDeclarative(s, { budgetMs: 40 }));
  assert.equal(rule.fastPath, true);
  const started = performance.now();
  const res = runRules(model(40), [rule], { settings: defaultSettings() });
  assert.deepEqual(res.failures.map((f) => f.ruleId), ['X-SLOW-FAST']);
  // Stopped inside an object's loops (the chunk's clock would say "stopped after" the chunk's last object).
  assert.match(res.failures[0].message, /X-SLOW-FAST ran past its time budget of 40 ms; it was stopped in VirtualService shop\/[ab]\d+/);
  assert.ok(performance.now() - started < 2000);
});

test('an object the fast path hands back (a value of a type it does not know) is evaluated by the library', () => {
  const text = `rules:
- id: X-WHEN
  title: t
  severity: low
  match: {kinds: [Deployment]}
  condition: "has(object.spec.when) && object.spec.when == object.spec.when"
  message: "{{ object.metadata.name }}"
  path: metadata.name
  fix: f
  docs: {summary: s, why: w}
`;
  const [rule] = parseRuleFile(text, 'r.yaml').map((s) => compileDeclarative(s));
  assert.equal(rule.fastPath, true);
  const list = resources(2).map((r) => (r.kind === 'Deployment' && r.name === 'cd0' ? { ...r, obj: { ...r.obj, spec: { ...r.obj.spec, when: new Date(0) } } } : r));
  const res = runRules(new MeshModel(list), [rule], { settings: defaultSettings() });
  assert.deepEqual(res.failures, []);
  // The library compares the two timestamps; the other Deployment has no `when` and does not match.
  assert.deepEqual(res.findings.map((f) => f.resource.name), ['cd0']);
  assert.equal(rule.trouble, null);
});

test('a custom rule reading its namespace\'s labels runs again when only a Namespace label changes', () => {
  const [rule] = parseRuleFile(
    `rules:
- id: X-TEAM
  title: t
  severity: low
  match: {kinds: [Deployment]}
  condition: "has(ns.labels.team) && ns.labels.team == 'red'"
  message: "{{ object.metadata.name }} belongs to team red"
  path: metadata.name
  fix: f
  docs: {summary: s, why: w}
`,
    'r.yaml',
  ).map((s) => compileDeclarative(s));
  assert.equal(rule.meta.namespaceContent, true);
  const docs = (team: string) =>
    parseAllDocuments(`apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled, team: ${team}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: app, image: web}]}}}
`).map((d) => d.toJS() as Record<string, any>);
  const live = (o: Record<string, any>) => liveResource(o, { apiVersion: o.apiVersion, kind: o.kind, namespaced: !isClusterScoped(o.kind) }, 'c');
  const objects = new Map(docs('blue').map((o) => [`${o.kind}/${o.metadata.name}`, live(o)] as const));
  const engine = new IncrementalEngine([rule]);
  assert.equal(allFindings(engine.analyse(objects, null)).length, 0);
  objects.set('Namespace/shop', live(docs('red')[0]));
  const after = engine.analyse(objects, ['Namespace/shop']);
  assert.equal(engine.stats.namespaceContentOnly, 1, 'a label the mesh facts do not include');
  assert.deepEqual(allFindings(after).map((f) => f.message), ['web belongs to team red']);
});
