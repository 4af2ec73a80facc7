/**
 * Findings given back across runs (src/engine/run.ts, RunOptions.fingerprints): a rule that reports
 * exactly what it reported last run gets last run's finding object back (nothing made, nothing
 * located again); anything in the report that differs makes a new finding. The incremental engine's
 * property tests (incremental.test.ts, the server's) hold the results equal to from-scratch runs;
 * these pin down what counts as "the same report".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runRules, plainFinding } from './run.js';
import { FingerprintMemo } from './fingerprint.js';
import { defaultSettings } from '../config/settings.js';
import { MeshModel } from '../model/model.js';
import { LiveLocator } from '../cluster/live-locator.js';
import { defineRule, type ReportInput } from '../rules/types.js';
import { toResource } from '../testing/decide-corpus.js';
import type { Resource } from '../model/resource.js';
import type { Finding } from './finding.js';

const svc = (name: string) => toResource({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec: { selector: { app: name }, ports: [{ port: 80 }] } });

/** A rule whose reports the test decides: one per Service, from `shape`. */
function ruleReporting(shape: (r: Resource) => Omit<ReportInput, 'resource'> | null) {
  return defineRule({
    meta: { id: 'TST001', title: 't', severity: 'medium', category: 'authn-authz', reads: ['Service'], docs: { summary: 's', why: 'w', fix: 'the fix', references: [] } },
    check({ model, report }) {
      for (const r of model.resources) if (r.kind === 'Service') {
        const input = shape(r);
        if (input) report({ resource: r, ...input });
      }
    },
  });
}

/** Runs one rule (the same rule object every time, as an engine does) with the shape given to each run. */
function runner(objects: Resource[]) {
  const model = new MeshModel(objects.map((r, i) => ({ ...r, id: i })));
  const memo = new FingerprintMemo();
  let current: Parameters<typeof ruleReporting>[0] = () => null;
  const rule = ruleReporting((r) => current(r));
  return (shape: Parameters<typeof ruleReporting>[0], extra: { telemetry?: boolean } = {}): Finding[] => {
    current = shape;
    return runRules(model, [rule], {
      settings: defaultSettings(),
      locator: new LiveLocator(),
      compact: true,
      fingerprints: memo,
      ...(extra.telemetry ? { telemetry: { source: { kind: 'file', name: 'test' }, edges: [], notes: [], into: () => [], from: () => [] } as never } : {}),
    }).findings;
  };
}

test('reuse: the same report gives back the same finding object, located and reading as before', () => {
  const run = runner([svc('a'), svc('b')]);
  const shape = (r: Resource) => ({ path: ['spec', 'selector'], message: `Service ${r.namespace}/${r.name} is ${'bad'}`, evidence: [{ role: 'context', description: 'why' }] });
  const first = run(shape);
  const second = run(shape);
  assert.equal(first.length, 2);
  assert.equal(second.length, 2);
  for (let i = 0; i < 2; i++) assert.equal(second[i], first[i], 'the very same object');
  assert.deepEqual(second.map(plainFinding), first.map(plainFinding));
  assert.deepEqual(second[0].location, { cluster: first[0].resource.cluster, object: 'Service/shop/a', path: 'spec.selector' });
  assert.match(second[1].message, /Service shop\/b is bad/);
});

test('reuse: a report that differs in message, severity, remediation, path, key or evidence makes a new finding', () => {
  const a = svc('a');
  const other = svc('z');
  const run = runner([a, other]);
  const base = { path: ['spec'] as (string | number)[], message: 'm', evidence: [{ role: 'context', description: 'd', resource: other, path: ['spec', 'ports'] }] };
  const only = (input: Omit<ReportInput, 'resource'>) => (r: Resource) => (r === a || r.name === 'a' ? input : null);
  const first = run(only(base))[0];
  assert.equal(run(only(base))[0], first, 'unchanged: reused');
  const variants: Array<[string, Omit<ReportInput, 'resource'>]> = [
    ['message', { ...base, message: 'm2' }],
    ['severity', { ...base, severity: 'high' }],
    ['remediation', { ...base, remediation: 'do this instead' }],
    ['evidence description', { ...base, evidence: [{ ...base.evidence[0], description: 'd2' }] }],
    ['evidence path', { ...base, evidence: [{ ...base.evidence[0], path: ['spec', 'selector'] }] }],
    ['evidence object', { ...base, evidence: [{ ...base.evidence[0], resource: svc('z') }] }],
    ['evidence added', { ...base, evidence: [...base.evidence, { role: 'context', description: 'more' }] }],
  ];
  for (const [what, input] of variants) {
    // From the base each time: the variant must not be taken for the base's finding, nor the base for the variant's.
    const made = run(only(input))[0];
    assert.notEqual(made, first, `${what}: a new finding`);
    assert.equal(made.fingerprint, first.fingerprint, `${what}: same identity`);
    const back = run(only(base))[0];
    assert.notEqual(back, made, `${what}: back to the base is new again`);
    assert.equal(back.message, 'm');
    assert.equal(back.severity, 'medium');
    assert.equal(back.remediation, 'the fix');
  }
  // Another path or key is another identity (another fingerprint), never the base's finding.
  assert.notEqual(run(only({ ...base, path: ['metadata'] }))[0].fingerprint, first.fingerprint);
  assert.notEqual(run(only({ ...base, key: 'k' }))[0].fingerprint, first.fingerprint);
});

test('reuse: never with telemetry (findings are changed after the run), never a finding changed since its run', () => {
  const run = runner([svc('a')]);
  const shape = () => ({ message: 'm' });
  const first = run(shape);
  const withTraffic = run(shape, { telemetry: true });
  assert.notEqual(withTraffic[0], first[0], 'a run with telemetry makes its own findings');
  const plain = run(shape);
  assert.notEqual(plain[0], withTraffic[0], 'a telemetry run\'s findings are not given back either');
  const again = run(shape);
  assert.equal(again[0], plain[0]);
  // Marked by a consumer (suppressions): not given back as if unchanged.
  again[0].suppressed = { kind: 'config', reason: 'test' };
  assert.notEqual(run(shape)[0], again[0]);
});

test('reuse: another rule object (a rule loaded again) never takes an earlier one\'s findings', () => {
  const model = new MeshModel([{ ...svc('a'), id: 0 }]);
  const memo = new FingerprintMemo();
  const go = () => runRules(model, [ruleReporting(() => ({ message: 'm' }))], { settings: defaultSettings(), compact: true, fingerprints: memo }).findings[0];
  assert.notEqual(go(), go());
});

test('reuse: duplicates within a run are still dropped, and a finding dropped for a run is made again when it comes back', () => {
  const run = runner([svc('a')]);
  const twice = defineRule({
    meta: { id: 'TST002', title: 't', severity: 'low', category: 'authn-authz', reads: ['Service'], docs: { summary: 's', why: 'w', fix: 'f', references: [] } },
    check({ model, report }) {
      for (const r of model.resources) if (r.kind === 'Service') for (let i = 0; i < 3; i++) report({ resource: r, message: 'same' });
    },
  });
  const model = new MeshModel([{ ...svc('a'), id: 0 }]);
  const memo = new FingerprintMemo();
  const go = () => runRules(model, [twice], { settings: defaultSettings(), compact: true, fingerprints: memo }).findings;
  assert.equal(go().length, 1);
  assert.equal(go().length, 1, 'a reused finding is not reported three times');
  const first = run(() => ({ message: 'm' }))[0];
  assert.equal(run(() => null).length, 0);
  const back = run(() => ({ message: 'm' }))[0];
  assert.equal(back.fingerprint, first.fingerprint);
  assert.equal(back.message, 'm');
});
