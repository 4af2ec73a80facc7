import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KCF_META, kubeconfigRules, makeKubeconfigRules, toReportInput, judgeKubeconfigSource } from './rules.js';
import { KCF } from './judge.js';
import { SEVERITIES } from '../engine/finding.js';
import { findingsFor } from '../testing/kit.js';
import { allRules } from '../rules/index.js';
import { renderRuleDoc } from '../rules/docs.js';
import { CATEGORY_TITLES } from '../rules/types.js';
test('one rule per hazard family, KCF001 to KCF012, each fully documented', () => {
    const ids = Object.values(KCF).sort();
    assert.deepEqual(ids, Array.from({ length: 12 }, (_, i) => `KCF${String(i + 1).padStart(3, '0')}`));
    assert.deepEqual(Object.keys(KCF_META).sort(), ids);
    for (const id of ids) {
        const m = KCF_META[id];
        assert.equal(m.id, id);
        assert.ok(SEVERITIES.includes(m.severity), id);
        assert.equal(m.category, 'multicluster');
        assert.ok(m.title.length > 10 && m.title.length < 120, id);
        for (const k of ['summary', 'why', 'fix'])
            assert.ok(m.docs[k].length > 40, `${id} docs.${k}`);
        assert.ok(m.docs.references?.length, `${id} references`);
        for (const r of m.docs.references ?? [])
            assert.match(r, /^https:\/\//, `${id} reference ${r}`);
        assert.match(renderRuleDoc({ meta: m, check: () => { } }, CATEGORY_TITLES), new RegExp(`^# ${id}: `));
    }
    assert.deepEqual(kubeconfigRules.map((r) => r.meta.id), ids);
});
test('KCF IDs do not collide with registered rules other than themselves', () => {
    const clash = allRules.filter((r) => r.meta.id.startsWith('KCF') && KCF_META[r.meta.id] !== r.meta);
    assert.deepEqual(clash.map((r) => r.meta.id), []);
});
const REMOTE_SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: istio-remote-secret-east
  namespace: istio-system
  labels: {istio/multiCluster: "true"}
  annotations: {networking.istio.io/cluster: east}
stringData:
  east: |
    apiVersion: v1
    kind: Config
    current-context: east
    clusters:
    - name: east
      cluster: {server: "https://east.example:6443", insecure-skip-tls-verify: true}
    contexts:
    - name: east
      context: {cluster: east, user: east}
    users:
    - name: east
      user:
        exec: {apiVersion: client.authentication.k8s.io/v1, command: /usr/bin/whatever, interactiveMode: Never}
`;
/** A stand-in for the lead's extractor: every Secret's `stringData` values. */
const extractor = (model) => model.ofKind('', 'Secret').flatMap((r) => Object.entries((r.obj.stringData ?? {}))
    .filter(([, v]) => typeof v === 'string')
    .map(([k, v]) => ({ resource: r, path: ['stringData', k], text: v, consumer: 'istiod' })));
test('inside scan, the rules judge kubeconfigs the extractor finds and point at the field holding them', async () => {
    const rules = makeKubeconfigRules(extractor);
    const exec = rules.find((r) => r.meta.id === 'KCF001');
    const f = await findingsFor(exec, REMOTE_SECRET);
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'critical');
    assert.deepEqual(f[0].resource, { cluster: 'default', apiVersion: 'v1', kind: 'Secret', namespace: 'istio-system', name: 'istio-remote-secret-east' });
    assert.equal(f[0].location?.path, 'stringData.east');
    assert.equal(f[0].location?.line, 9);
    assert.match(f[0].message, /^kubeconfig in stringData\.east: user "east": exec\.command runs "\/usr\/bin\/whatever"/);
    assert.ok(f[0].evidence.some((e) => e.role === 'istiod'));
    assert.ok(f[0].evidence.some((e) => e.role === 'kubeconfig-field' && e.description.startsWith('users[0].user.exec.command')));
    const tls = await findingsFor(rules.find((r) => r.meta.id === 'KCF005'), REMOTE_SECRET);
    assert.equal(tls.length, 1);
    assert.equal(tls[0].evidence.some((e) => e.role === 'istiod'), false);
    // Other rules find nothing here.
    assert.deepEqual(await findingsFor(rules.find((r) => r.meta.id === 'KCF003'), REMOTE_SECRET), []);
});
test('without an extractor the rules find nothing in scans', async () => {
    for (const r of kubeconfigRules)
        assert.deepEqual(await findingsFor(r, REMOTE_SECRET), []);
});
test('an embedded kubeconfig that does not parse gives errors, not findings', () => {
    const res = judgeKubeconfigSource({ resource: { id: 0, cluster: 'c', apiVersion: 'v1', group: '', kind: 'Secret', namespace: 'ns', name: 's', labels: {}, annotations: {}, obj: {}, source: null }, path: ['data', 'k'], text: 'users: [unclosed' });
    assert.deepEqual(res.findings, []);
    assert.equal(res.errors.length, 1);
    assert.match(res.errors[0].file, /^Secret ns\/s data\.k$/);
});
test('report inputs keep findings on one Secret apart by kubeconfig key and field', () => {
    const src = (key) => ({ resource: { id: 0, cluster: 'c', apiVersion: 'v1', group: '', kind: 'Secret', namespace: 'ns', name: 's', labels: {}, annotations: {}, obj: {}, source: null }, path: ['data', key], text: 'users:\n- name: u\n  user: {tokenFile: /x}\n' });
    const a = judgeKubeconfigSource(src('east')).findings.map((f) => toReportInput(f, src('east')));
    const b = judgeKubeconfigSource(src('west')).findings.map((f) => toReportInput(f, src('west')));
    assert.equal(a.length, 1);
    assert.notEqual(a[0].key, b[0].key);
});
