import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { liveResource } from '../cluster/live-resource.js';
import { MeshModel } from '../model/model.js';
import { isClusterScoped, type Resource } from '../model/resource.js';
import { compileExpression, withScope, BudgetExceeded } from './cel.js';
import { compileFast, UNSUPPORTED, type FastFn, type Frame } from './fast.js';

// The fast path (fast.ts) against the CEL library it stands in for: same value, or same error (first
// line), for every expression of a seeded random corpus over objects with missing fields, wrong types,
// nulls and big lists.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLUSTER = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: i}]}}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: shop}
spec: {mtls: {mode: PERMISSIVE}}
---
apiVersion: v1
kind: Service
metadata: {name: pay, namespace: payments}
spec: {selector: {app: pay}}
`;

function model(): MeshModel {
  const list: Resource[] = parseAllDocuments(CLUSTER)
    .map((d) => d.toJS() as Record<string, any>)
    .map((o, i) => ({ ...liveResource(o, { apiVersion: o.apiVersion, kind: o.kind, namespaced: !isClusterScoped(o.kind) }, 'c'), id: i }));
  return new MeshModel(list);
}

type Outcome = { value: unknown } | { error: string };

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

function viaLibrary(run: (ctx: Record<string, unknown>) => unknown, object: unknown, ns: unknown): Outcome {
  try {
    return { value: run({ object, ns }) };
  } catch (err) {
    return { error: firstLine(err) };
  }
}

function viaFast(fast: FastFn, object: unknown, ns: unknown): Outcome | 'unsupported' {
  const frame: Frame = { object, ns, v: [] };
  try {
    return { value: fast(frame) };
  } catch (err) {
    if (err === UNSUPPORTED) return 'unsupported';
    return { error: firstLine(err) };
  }
}

const STRINGS = ['"a"', '"x"', '"sidecar"', '""', '"web"', '"shop"', '"pay.payments.svc.cluster.local"', '"é😀"'];
const NUMBERS = ['0', '1', '3', '-1', '2.5', '3.0', '0.0'];

/** Random CEL over `object`, `ns`, macro variables and the helpers; some of it outside the fast path's subset. */
class Gen {
  constructor(
    private readonly rnd: () => number,
    private readonly vars: string[] = [],
  ) {}
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)];
  }
  path(): string {
    const base = this.vars.length && this.rnd() < 0.5 ? this.pick(this.vars) : this.pick(['object', 'object', 'object', 'ns']);
    const keys = base === 'ns' ? [['mode'], ['name'], ['labels'], ['known'], ['labels', 'team'], ['missing']] : [
      ['metadata', 'name'], ['metadata', 'namespace'], ['metadata', 'labels'], ['metadata', 'labels', 'app'], ['kind'],
      ['spec', 'replicas'], ['spec', 'hosts'], ['spec', 'http'], ['spec', 'mode'], ['spec', 'flag'], ['spec', 'list'],
      ['spec', 'nested', 'deep'], ['timeout'], ['a'], ['name'], [],
    ];
    const k = this.pick(keys);
    return [base, ...k].join('.');
  }
  literal(): string {
    const r = this.rnd();
    if (r < 0.3) return this.pick(STRINGS);
    if (r < 0.55) return this.pick(NUMBERS);
    if (r < 0.65) return this.pick(['true', 'false']);
    if (r < 0.72) return 'null';
    return this.pick(['[]', '["a", "x"]', '[1, 2.5, "a"]', '["sidecar", "ambient"]', '[1, 3]', '[[1], {"a": 1}]', '{"a": 1}', 'b"x"']);
  }
  value(d: number): string {
    const r = this.rnd();
    if (d <= 0 || r < 0.35) return this.path();
    if (r < 0.55) return this.literal();
    if (r < 0.6) return `size(${this.value(d - 1)})`;
    if (r < 0.65) return `${this.value(d - 1)}.size()`;
    if (r < 0.7) return `${this.path()}[${this.pick(['0', '1', '"a"', '"app"', '-1', '1.0'])}]`;
    if (r < 0.74) return `hostNamespace(${this.value(d - 1)}, ${this.value(d - 1)})`;
    if (r < 0.77) return `mtlsOf(${this.pick(['object', this.value(d - 1)])})`;
    if (r < 0.8) return `workloadsMatching(${this.value(d - 1)}, ${this.pick(['object.spec.selector', '{"app": "web"}', this.value(d - 1)])})`;
    if (r < 0.83) return `namespaceOf(${this.value(d - 1)}).${this.pick(['mode', 'known', 'name', 'nope'])}`;
    if (r < 0.87) return `(${this.bool(d - 1)} ? ${this.value(d - 1)} : ${this.value(d - 1)})`;
    if (r < 0.9) return `-${this.value(d - 1)}`;
    if (r < 0.93) return `${this.value(d - 1)} + ${this.value(d - 1)}`;
    return `[${this.value(d - 1)}, ${this.value(d - 1)}]`;
  }
  bool(d: number): string {
    const r = this.rnd();
    if (d <= 0) return this.pick([`has(${this.path()})`, 'true', 'false', this.path()]);
    if (r < 0.2) return `${this.value(d - 1)} ${this.pick(['==', '!=', '==', '!='])} ${this.value(d - 1)}`;
    if (r < 0.32) return `${this.value(d - 1)} ${this.pick(['<', '<=', '>', '>='])} ${this.value(d - 1)}`;
    if (r < 0.4) return `${this.value(d - 1)} in ${this.value(d - 1)}`;
    if (r < 0.5) return `${this.bool(d - 1)} ${this.pick(['&&', '||'])} ${this.bool(d - 1)}`;
    if (r < 0.55) return `!${this.bool(d - 1)}`;
    if (r < 0.63) return `has(${this.path()})`;
    if (r < 0.7) return `${this.value(d - 1)}.${this.pick(['startsWith', 'endsWith', 'contains'])}(${this.value(d - 1)})`;
    if (r < 0.82 && this.vars.length < 2) {
      const v = this.pick(['x', 'y', 'object']);
      const inner = new Gen(this.rnd, [...this.vars, v]);
      return `${this.value(d - 1)}.${this.pick(['exists', 'all'])}(${v}, ${inner.bool(d - 1)})`;
    }
    if (r < 0.85) return `${this.value(d - 1)}.matches("^a")`;
    if (r < 0.9) return this.path();
    return `(${this.bool(d - 1)})`;
  }
}

/** Objects with the fields the expressions read: present, missing, of the wrong type, null, or big. */
function objects(rnd: () => number, n: number): unknown[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const scalar = (): unknown => pick(['a', 'x', 'sidecar', '', 'web', 'é😀', 0, 1, 3, -1, 2.5, NaN, true, false, null]);
  const value = (d: number): unknown => {
    const r = rnd();
    if (d <= 0 || r < 0.5) return scalar();
    if (r < 0.7) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(d - 1));
    if (r < 0.75) return Array.from({ length: 300 }, (_, i) => (i % 7 === 3 ? 'x' : i));
    const o: Record<string, unknown> = {};
    for (const k of ['a', 'timeout', 'app', 'mode', 'name', 'deep']) if (rnd() < 0.4) o[k] = value(d - 1);
    return o;
  };
  const maybe = (o: Record<string, unknown>, k: string, typed: () => unknown) => {
    const r = rnd();
    if (r < 0.25) return;
    o[k] = r < 0.75 ? typed() : value(2);
  };
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const metadata: Record<string, unknown> = {};
    maybe(metadata, 'name', () => pick(['web', 'api', 'x1', 'a-b', 'é😀']));
    maybe(metadata, 'namespace', () => pick(['shop', 'payments', 'other', '']));
    maybe(metadata, 'labels', () => ({ app: pick(['web', 'api']), ...(rnd() < 0.3 ? { team: 'a' } : {}) }));
    const spec: Record<string, unknown> = {};
    maybe(spec, 'replicas', () => pick([0, 1, 3, 2.5, 30]));
    maybe(spec, 'hosts', () => Array.from({ length: Math.floor(rnd() * 3) }, () => pick(['web', 'pay.payments.svc.cluster.local', 'x'])));
    maybe(spec, 'http', () => Array.from({ length: Math.floor(rnd() * 3) }, () => (rnd() < 0.5 ? { timeout: '1s' } : { route: [] })));
    maybe(spec, 'mode', () => pick(['sidecar', 'ambient', 'STRICT']));
    maybe(spec, 'flag', () => rnd() < 0.5);
    maybe(spec, 'list', () => Array.from({ length: Math.floor(rnd() * 5) }, () => value(1)));
    maybe(spec, 'nested', () => ({ deep: value(1) }));
    maybe(spec, 'selector', () => ({ app: pick(['web', 'api']) }));
    const o: Record<string, unknown> = { apiVersion: 'v1' };
    maybe(o, 'kind', () => pick(['Deployment', 'Service']));
    maybe(o, 'metadata', () => metadata);
    maybe(o, 'spec', () => spec);
    maybe(o, 'timeout', () => '1s');
    out.push(o);
  }
  return out;
}

function namespaces(rnd: () => number, n: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    out.push(rnd() < 0.8 ? { name: 'shop', known: rnd() < 0.5, labels: rnd() < 0.5 ? { team: 'a' } : {}, mode: ['sidecar', 'ambient', ''][i % 3], meshMode: 'sidecar', revision: '', system: false } : { name: 'x', labels: null });
  }
  return out;
}

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : Number.isNaN(x) ? 'NaN' : x));
}

test('differential: the fast path gives the library\'s value or error for every expression and object', () => {
  const rnd = mulberry32(18);
  const gen = new Gen(rnd);
  const objs = objects(rnd, 240);
  const nss = namespaces(rnd, 240);
  const m = model();
  let compiled = 0;
  let onFast = 0;
  let compared = 0;
  let unsupported = 0;
  const seen = { true: 0, false: 0, error: 0, other: 0 };
  const divergences: string[] = [];
  const scope = { model: m, deadline: Infinity, budgetMs: 1e9, ruleId: 'X-DIFF', resource: null };
  for (let e = 0; e < 1500; e++) {
    const source = gen.bool(4);
    let c;
    try {
      c = compileExpression(source, 'bool');
    } catch {
      continue;
    }
    compiled++;
    const fast = compileFast(c.run.ast);
    if (!fast) continue;
    onFast++;
    withScope(scope, () => {
      for (let i = 0; i < objs.length; i++) {
        const lib = viaLibrary(c.run, objs[i], nss[i]);
        const got = viaFast(fast, objs[i], nss[i]);
        if (got === 'unsupported') {
          unsupported++;
          continue;
        }
        compared++;
        if ('error' in lib) seen.error++;
        else if (lib.value === true) seen.true++;
        else if (lib.value === false) seen.false++;
        else seen.other++;
        const same = 'error' in lib ? 'error' in got && got.error === lib.error : 'value' in got && isDeepStrictEqual(got.value, lib.value);
        if (!same && divergences.length < 10) divergences.push(`${source}\n  object ${show(objs[i])}\n  ns ${show(nss[i])}\n  library ${show(lib)}\n  fast    ${show(got)}`);
      }
    });
  }
  console.log(`# differential: ${compiled} expressions type-checked, ${onFast} on the fast path, ${compared} comparisons (${JSON.stringify(seen)}), ${unsupported} handed back`);
  assert.deepEqual(divergences, [], `the fast path differs from the library:\n${divergences.join('\n')}`);
  // The corpus must exercise what it claims to: most expressions on the fast path, every kind of outcome.
  assert.ok(compiled >= 500, `only ${compiled} expressions type-checked`);
  assert.ok(onFast >= compiled * 0.6, `only ${onFast} of ${compiled} expressions on the fast path`);
  assert.ok(compared >= 80_000, `only ${compared} comparisons`);
  assert.ok(seen.true > 1000 && seen.false > 1000 && seen.error > 1000, `outcomes: ${JSON.stringify(seen)}`);
  // Handed back: `[]` with a double index, `in` with a list as a map key... (the library decides those).
  assert.ok(unsupported < compared / 10, `${unsupported} evaluations handed back to the library`);
});

test('fast path: CEL semantics kept on hand-picked cases', () => {
  const run = (source: string, object: unknown, ns: unknown = {}): unknown => {
    const c = compileExpression(source, 'any');
    const fast = compileFast(c.run.ast);
    assert.ok(fast, `${source} should be on the fast path`);
    return viaFast(fast, object, ns);
  };
  // int and double compare by value; a double field against an int literal.
  assert.deepEqual(run('object.spec.replicas == 3', { spec: { replicas: 3 } }), { value: true });
  assert.deepEqual(run('object.spec.replicas > 2', { spec: { replicas: 2.5 } }), { value: true });
  assert.deepEqual(run('object.spec.replicas == "3"', { spec: { replicas: 3 } }), { value: false });
  // A missing field is an error; has() is how to ask.
  assert.deepEqual(run('object.spec.timeout == "1s"', { spec: {} }), { error: 'No such key: timeout' });
  assert.deepEqual(run('has(object.spec.timeout)', { spec: {} }), { value: false });
  assert.deepEqual(run('has(object.spec.timeout)', {}), { error: 'No such key: spec' });
  // && and || absorb an error when the other side decides, and only then.
  assert.deepEqual(run('object.missing == 1 && false', {}), { value: false });
  assert.deepEqual(run('object.missing == 1 && true', {}), { error: 'No such key: missing' });
  assert.deepEqual(run('object.missing == 1 || true', {}), { value: true });
  // exists absorbs an element's error when another element holds.
  assert.deepEqual(run('object.l.exists(x, x.a == 1)', { l: [{}, { a: 1 }] }), { value: true });
  assert.deepEqual(run('object.l.exists(x, x.a == 1)', { l: [{}, { a: 2 }] }), { error: 'No such key: a' });
  assert.deepEqual(run('object.l.all(x, x > 0)', { l: [1, 'a'] }), { error: "no such overload: dyn<string> > int" });
  // No overload: the operand types named as the library names them.
  assert.deepEqual(run('object.a < 3', { a: null }), { error: 'no such overload: dyn<null> < int' });
  assert.deepEqual(run('object.a.startsWith("x")', { a: 1 }), { error: "found no matching overload for 'double.startsWith(string)'" });
  // size() counts code points; int results are bigints as in the library.
  assert.deepEqual(run('size(object.s)', { s: 'é😀' }), { value: 2n });
  assert.deepEqual(run('"team" in object.labels', { labels: { team: 'a' } }), { value: true });
  assert.deepEqual(run('object.kind in ["A", "B"]', { kind: 'C' }), { value: false });
});

test('fast path: what is outside its subset stays on the library', () => {
  for (const source of ['object.a + 1 > 2', 'object.name.matches("^a")', 'object.l.map(x, x).size() > 0', 'int(object.a) == 1', '{"a": 1} == object.m', 'b"x" == object.b']) {
    const c = compileExpression(source, 'bool');
    assert.equal(compileFast(c.run.ast), null, source);
  }
  // A value outside its domain (a Date from a YAML timestamp, a Map) is handed back, never guessed at.
  const c = compileExpression('object.when == object.when', 'bool');
  const fast = compileFast(c.run.ast)!;
  assert.equal(viaFast(fast, { when: new Date(0) }, {}), 'unsupported');
  assert.equal(viaFast(fast, { when: new Map() }, {}), 'unsupported');
});

test('fast path: macro loops read the deadline and stop a runaway list', () => {
  const c = compileExpression('object.l.all(x, x >= 0)', 'bool');
  const fast = compileFast(c.run.ast)!;
  const scope = { model: null, deadline: performance.now() - 1, budgetMs: 1, ruleId: 'X-LOOP', resource: null };
  const frame: Frame = { object: { l: Array.from({ length: 10_000 }, (_, i) => i) }, ns: {}, v: [] };
  assert.throws(() => withScope(scope, () => fast(frame)), (e: Error) => e instanceof BudgetExceeded && /X-LOOP ran past its time budget/.test(e.message));
  // A short list finishes before the first reading.
  assert.equal(withScope(scope, () => fast({ object: { l: [1, 2] }, ns: {}, v: [] })), true);
});
