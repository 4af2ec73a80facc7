import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRuleFile, CustomRuleError } from './load.js';
import { compileDeclarative } from './rule.js';
import { findingsFor, scanYaml } from '../testing/kit.js';
import { parsePath } from './path.js';
import { evaluationNotes } from './index.js';

const RULE = (extra: Record<string, string> = {}) => {
  const fields: Record<string, string> = {
    id: 'X-TEST',
    title: 'test rule',
    severity: 'medium',
    match: '\n    kinds: [VirtualService]',
    condition: '"has(object.spec.http) && object.spec.http.exists(r, !has(r.timeout))"',
    message: '"VirtualService {{ object.metadata.name }} has no timeout"',
    path: 'spec.http',
    fix: 'set one',
    docs: '\n    summary: s\n    why: w',
    ...extra,
  };
  return `rules:\n${Object.entries(fields)
    .map(([k, v], i) => `${i ? '  ' : '- '} ${k}: ${v}`)
    .join('\n')}\n`;
};

function compile(text: string, budgetMs?: number) {
  const [spec] = parseRuleFile(text, 'r.yaml');
  return compileDeclarative(spec, { budgetMs });
}

const VS = (name: string, http: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${JSON.stringify(name)}, namespace: shop}
spec:
  hosts: [x]
  http: ${http}
`;

test('a declarative rule reports with its message, severity and the line of its path', async () => {
  const rule = compile(RULE());
  const f = await findingsFor(rule, VS('a', '[{route: [{destination: {host: x}}]}]') + '---\n' + VS('b', '[{timeout: 1s}]'));
  assert.equal(f.length, 1);
  assert.equal(f[0].message, 'VirtualService a has no timeout');
  assert.equal(f[0].severity, 'medium');
  assert.equal(f[0].location?.path, 'spec.http');
  assert.equal(f[0].location?.line, 6);
  assert.equal(f[0].remediation, 'set one');
});

test('template fields are escaped: control characters in a name cannot reach the terminal', async () => {
  const rule = compile(RULE());
  const f = await findingsFor(rule, VS('a\u001b[31mred', '[{}]'));
  assert.equal(f.length, 1);
  assert.doesNotMatch(f[0].message, /\u001b/);
  assert.match(f[0].message, /\\u001b\[31mred/);
});

test('errors name file, line and field', () => {
  const cases: Array<[string, RegExp]> = [
    [RULE({ severity: 'urgent' }), /^r\.yaml:4: rules\.0\.severity: a severity/],
    [RULE({ id: 'BYP001' }), /^r\.yaml:2: rules\.0\.id: an ID starting with X-/],
    [RULE({ id: 'X-lower' }), /rules\.0\.id: an ID starting with X-/],
    [RULE({ match: '\n    kinds: [Frobnicator]' }), /^r\.yaml:\d+: rules\.0\.match\.kinds\.0: kind Frobnicator .*group\/Kind/],
    [RULE({ path: '"spec.http["' }), /rules\.0\.path: cannot read the path/],
    [RULE({ bogus: 'x' }), /Unrecognized key/i],
    ['rules: [\n', /^r\.yaml:\d+: invalid YAML/],
  ];
  for (const [text, want] of cases) assert.throws(() => parseRuleFile(text, 'r.yaml'), (e: Error) => e instanceof CustomRuleError && want.test(e.message), `${want}`);
});

test('hostile rule files are refused clearly: __proto__ keys, control characters', () => {
  assert.throws(() => parseRuleFile(RULE({ match: '\n    kinds: [Pod]\n    labels: {__proto__: {x: y}}' }), 'r.yaml'), /key "__proto__"/);
  assert.throws(() => parseRuleFile(RULE({ title: '"evil\\u001b[2J"' }), 'r.yaml'), /rules\.0\.title: holds control or invisible characters/);
  assert.throws(() => parseRuleFile(RULE({ title: '"a\\u202eb"' }), 'r.yaml'), /invisible/);
});

test('references must be http(s) URLs a Markdown link can hold: anything else is refused naming file, line, field and rule', () => {
  const refs = (list: string) => RULE({ docs: `\n    summary: s\n    why: w\n    references: ${list}` });
  const cases: Array<[string, RegExp]> = [
    [refs('["javascript:alert(1)"]'), /^r\.yaml:\d+: rules\.0\.docs\.references\.0: rule X-TEST: reference "javascript:alert\(1\)" uses the javascript: scheme; only http:\/\/ and https:\/\/ addresses become links/],
    [refs('["https://ok.example/a", "https://ok.example/>[x](javascript:alert(2))"]'), /^r\.yaml:\d+: rules\.0\.docs\.references\.1: rule X-TEST: reference .* holds ">", which ends or breaks a Markdown link; percent-encode it/],
    [refs('["data:text/html,x"]'), /data: scheme/],
    [refs('["docs/x.md"]'), /references\.0: rule X-TEST: reference "docs\/x\.md" is not an absolute URL/],
    [refs('["https://en.wikipedia.org/wiki/Foo_(bar)"]'), /holds "\(".*\( as %28/],
  ];
  for (const [text, want] of cases) assert.throws(() => parseRuleFile(text, 'r.yaml'), (e: Error) => e instanceof CustomRuleError && want.test(e.message), `${want}`);
  const [ok] = parseRuleFile(refs('["https://istio.io/latest/docs/", "http://example.com/a?b=1&c=%28d%29#e"]'), 'r.yaml');
  assert.deepEqual(ok.docs.references, ['https://istio.io/latest/docs/', 'http://example.com/a?b=1&c=%28d%29#e']);
});

test('CEL: syntax and type errors, nesting and non-literal patterns are refused at load', () => {
  const cond = (c: string) => () => compile(RULE({ condition: JSON.stringify(c) }));
  assert.throws(cond('object.spec +'), /Unexpected token/);
  assert.throws(cond('"a"'), /must be a bool/);
  assert.throws(cond('object.a.all(x, object.b.all(y, object.c.all(z, true)))'), /nested 3 deep; at most 2/);
  assert.throws(cond('object.metadata.name.matches(object.spec.pattern)'), /string literal/);
  assert.doesNotThrow(cond('object.metadata.name.matches("^a+$")'));
  assert.throws(() => compile(RULE({ message: '"{{ object.spec + }}"' })), /in the field \{\{ object\.spec \+ \}\}/);
});

test('an object where the condition errors counts as not matching, with a note naming it', async () => {
  const rule = compile(RULE({ condition: '"object.spec.http[0].timeout == \\"1s\\""' }));
  const f = await findingsFor(rule, VS('a', '[]'));
  assert.equal(f.length, 0);
  const [note] = evaluationNotes([rule]);
  assert.match(note, /X-TEST: 1 object could not be evaluated .*VirtualService shop\/a/);
});

test('a runaway rule is stopped by its time budget and every other rule still runs', async () => {
  // 2 nested macros over lists just under the per-object limit: slow on many objects, never endless.
  const big = `[${Array.from({ length: 900 }, (_, i) => i).join(',')}]`;
  const docs = Array.from({ length: 40 }, (_, i) => VS(`v${i}`, `[{timeout: 1s}]\n  extra: ${big}`)).join('---\n');
  const slow = compile(RULE({ id: 'X-SLOW', condition: '"object.spec.extra.all(a, object.spec.extra.all(b, a + b >= 0.0))"' }), 50);
  const other = compile(RULE({ id: 'X-OTHER', condition: '"true"' }));
  const res = await scanYaml(docs, { rules: [slow, other] });
  assert.equal(res.failures.length, 1);
  assert.equal(res.failures[0].ruleId, 'X-SLOW');
  assert.match(res.failures[0].message, /time budget of 50 ms/);
  assert.equal(res.findings.filter((f) => f.ruleId === 'X-OTHER').length, 40);
});

test('nested macros are not evaluated on objects with huge lists', async () => {
  const big = `[${Array.from({ length: 2500 }, (_, i) => i).join(',')}]`;
  const rule = compile(RULE({ condition: '"object.spec.extra.exists(a, object.spec.extra.exists(b, a == b))"' }));
  const f = await findingsFor(rule, VS('a', `[{}]\n  extra: ${big}`));
  assert.equal(f.length, 0);
  assert.match(evaluationNotes([rule])[0], /over 2000 list elements/);
});

test('helpers reach the model: namespace mode, workloads a selector matches, host owners', async () => {
  const yaml = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio.io/dataplane-mode: ambient}}
---
apiVersion: v1
kind: Service
metadata: {name: pay, namespace: payments}
spec: {selector: {app: pay}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: i}]}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: shop}
spec:
  hosts: [pay.payments.svc.cluster.local]
`;
  const cond = (c: string) => compile(RULE({ match: '\n    kinds: [VirtualService]', condition: JSON.stringify(c) }));
  assert.equal((await findingsFor(cond('ns.mode == "ambient" && namespaceOf("shop").meshMode == "ambient"'), yaml)).length, 1);
  assert.equal((await findingsFor(cond('ns.mode == "sidecar"'), yaml)).length, 0);
  assert.equal((await findingsFor(cond('workloadsMatching("shop", {"app": "web"}).size() == 1'), yaml)).length, 1);
  assert.equal((await findingsFor(cond('workloadsMatching("shop", {"app": "nope"}).size() == 1'), yaml)).length, 0);
  assert.equal((await findingsFor(cond('hostNamespace(object.spec.hosts[0], "shop") == "payments"'), yaml)).length, 1);
  assert.equal((await findingsFor(cond('hostOwners(object.spec.hosts[0], "shop")[0].kind == "Service"'), yaml)).length, 1);
  assert.equal((await findingsFor(cond('resourceExists("apps/Deployment", "shop", "web")'), yaml)).length, 1);
  assert.equal((await findingsFor(cond('resourceExists("apps/Deployment", "shop", "nope")'), yaml)).length, 0);
});

test('paths: dotted, indexed and bracketed keys', () => {
  assert.deepEqual(parsePath('spec.http[0].timeout'), ['spec', 'http', 0, 'timeout']);
  assert.deepEqual(parsePath('metadata.labels["app.kubernetes.io/name"]'), ['metadata', 'labels', 'app.kubernetes.io/name']);
  assert.throws(() => parsePath('spec..x'), /empty key/);
});
