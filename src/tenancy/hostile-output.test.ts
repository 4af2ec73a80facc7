import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { Environment } from '@marcbachmann/cel-js';
import { planSidecars, renderSidecars, sidecarObject } from './generate-sidecars.js';
import { buildKyverno, buildVap, celString, generateAdmission, AdmissionPolicyError } from './generate-admission.js';
import { parseTenantPolicy } from './policy.js';
import { renderYamlStream } from './yaml-out.js';
import { scanYaml } from '../testing/kit.js';

/**
 * Names an attacker controls (namespaces in manifests, tenant names, label selector keys and values in
 * the policy, the policy file's name) must never change what the generated YAML holds: each test
 * parses the output back and asserts it holds exactly the objects intended, nothing more.
 */
export const HOSTILE_NAMES = [
  'a\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: pwn}\nroleRef: {kind: ClusterRole, name: cluster-admin}\n#',
  'b\r\nkind: ClusterRoleBinding\r\n',
  'c # not a comment',
  "d'\"quotes\"\\back\\slash",
  'e${HOME}{{ x }}$(id)',
  'f\u0000\u0007\u001b[31m\u0085\u2028\u2029\u202e\ufeff',
  '--- g',
  '... h',
  '- i: j',
  '&anchor *alias !!tag',
  '%YAML 1.1',
];

/** Every document parses without errors or warnings, and the stream is exactly `expected`. */
function assertExactly(text: string, expected: unknown[]) {
  const docs = parseAllDocuments(text);
  for (const d of docs) {
    assert.deepEqual(d.errors, [], 'no parse error');
    assert.deepEqual(d.warnings, [], 'no parse warning');
  }
  assert.deepEqual(
    docs.map((d) => d.toJS()),
    expected,
  );
  assert.ok(!/^kind: ClusterRoleBinding/m.test(text), 'no injected object at the start of a line');
  // No raw control, line-separator or bidi character anywhere: YAML 1.1 parsers (kubectl's) take NEL,
  // U+2028 and U+2029 for line breaks, and a terminal acts on the rest.
  assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/.test(text), 'no raw unsafe character');
}

const manifests = (names: string[]) =>
  names.map((n, i) => JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: n }, spec: { ports: [{ port: 80 }] } })).join('\n---\n');

test('generate sidecars: hostile namespace names get no Sidecar (no namespace can be named so); the file name ends up only in escaped comments', async () => {
  const res = await scanYaml(manifests([...HOSTILE_NAMES, 'shop']), { rules: [] });
  assert.deepEqual(res.errors, []);
  const gen = planSidecars(res.model);
  assert.deepEqual(gen.plans.map((p) => p.namespace), ['shop']);
  assert.deepEqual(gen.plans[0].egressHosts, ['./*', 'istio-system/*']);
  assert.ok(gen.notes.some((n) => n.startsWith(`${HOSTILE_NAMES.length} namespaces of the input are not named as a namespace can be`)), gen.notes.join('\n'));
  const yaml = renderSidecars(gen, { format: 'yaml', policyFile: HOSTILE_NAMES[0], version: '0.0.0' });
  assertExactly(yaml, gen.plans.map(sidecarObject));
  assertExactly(renderSidecars(gen, { format: 'json', policyFile: null, version: '0' }), [{ apiVersion: 'v1', kind: 'List', items: gen.plans.map(sidecarObject) }]);
});

test('generate sidecars: hostile tenant names and trusted namespaces from the policy', async () => {
  const plain = HOSTILE_NAMES.filter((n) => !/[*?{}[\]()\\]/.test(n) && !n.startsWith('!'));
  // Tenant names are free text; their namespaces are namespace names (hostile ones get no Sidecar, above).
  const policy = parseTenantPolicy(
    JSON.stringify({ tenants: plain.map((n, i) => ({ name: n, namespaces: [`ns-${i}`], trusts: [plain[(i + 1) % plain.length]] })) }),
    'tenants.json',
  );
  const res = await scanYaml(manifests(plain.map((_, i) => `ns-${i}`)), { rules: [], model: { tenantPolicy: policy } });
  const gen = planSidecars(res.model);
  assert.equal(gen.plans.length, plain.length);
  for (const p of gen.plans) assert.ok(p.policyTenant && p.trusted.length === 1);
  assertExactly(renderSidecars(gen, { format: 'yaml', policyFile: 'tenants.json', version: '0' }), gen.plans.map(sidecarObject));
});

test('generate admission-policy: hostile label selectors and file names parse back exactly, and CEL reads them back unchanged', () => {
  const selectorTenants = HOSTILE_NAMES.map((n, i) => ({
    name: `t${i}`,
    namespaceSelector: { matchLabels: { [n]: n }, matchExpressions: [{ key: n, operator: 'In', values: [n, `${n}2`] }] },
  }));
  const policy = parseTenantPolicy(JSON.stringify({ tenants: [{ name: 'shop', namespaces: ['shop'] }, ...selectorTenants] }), 'tenants.json');
  const cel = new Environment({ unlistedVariablesAreDyn: true });
  for (const format of ['vap', 'kyverno'] as const) {
    const out = generateAdmission(policy, { format, mode: 'enforce', name: 'p', clusterDomain: 'cluster.local', systemNamespaces: ['istio-system'], policyFile: HOSTILE_NAMES[0], version: '0' });
    const expected = format === 'vap' ? buildVap(policy, { mode: 'enforce', name: 'p', clusterDomain: 'cluster.local', systemNamespaces: ['istio-system'] }) : [buildKyverno(policy, { mode: 'enforce', name: 'p', clusterDomain: 'cluster.local', systemNamespaces: ['istio-system'] })];
    assertExactly(out.text, expected);
    assert.deepEqual(out.objects, expected);
  }
  // The tenant expression compares the namespace's labels with the hostile strings, exactly.
  const vap = buildVap(policy, { mode: 'enforce', name: 'p', clusterDomain: 'cluster.local', systemNamespaces: [] }) as any[];
  const tenantVar = vap[0].spec.variables.find((v: any) => v.name === 'tenant').expression;
  HOSTILE_NAMES.forEach((n, i) => {
    const labels = { [n]: n };
    assert.equal(cel.evaluate(tenantVar, { request: { namespace: 'x' }, variables: { nsLabels: labels } }), `t${i}`, JSON.stringify(n));
  });
});

test('CEL string literals: every hostile string reads back as itself, on one line; lone surrogates are refused', () => {
  const cel = new Environment();
  for (const s of HOSTILE_NAMES) {
    const lit = celString(s);
    assert.ok(!/[\n\r\u0085\u2028\u2029]/.test(lit), lit);
    assert.equal(cel.evaluate(lit, {}), s);
  }
  assert.throws(() => celString('x\ud800y'), AdmissionPolicyError);
});

test('tenant names with control or bidi characters are refused for admission policies', () => {
  for (const name of ['a\u202eb', 'a\u0085b', 'a\nb']) {
    const policy = parseTenantPolicy(JSON.stringify({ tenants: [{ name, namespaces: ['x'] }] }), 't.json');
    assert.throws(() => buildVap(policy, { mode: 'enforce', name: 'p', clusterDomain: 'cluster.local', systemNamespaces: [] }), AdmissionPolicyError);
  }
});

test('renderYamlStream: comments cannot break out of their line', () => {
  const text = renderYamlStream(HOSTILE_NAMES, [{ object: { a: HOSTILE_NAMES }, comment: HOSTILE_NAMES }]);
  assertExactly(text, [{ a: HOSTILE_NAMES }]);
  assert.equal(renderYamlStream(['only\ncomment'], []), '# only\\u000acomment\n');
  assert.equal(parseAllDocuments(renderYamlStream(HOSTILE_NAMES, [])).length, 0, 'a header alone holds no document');
});
