/**
 * Fuzzing the kubeconfig parser and judge: kubeconfigs with canary secrets in every secret field and
 * in URL passwords WHATWG URL refuses, as YAML or JSON, with canary-named tags, aliases and anchors
 * spliced in, then cut and mutated. Nothing may throw; no canary may appear in what is printable: the
 * parsed structure (raw is not enumerable), errors, notes, findings and their evidence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseKubeconfig } from '../kubeconfig/parse.js';
import { judgeKubeconfig, credentialsOf } from '../kubeconfig/judge.js';
import { judgeKubeconfigSource } from '../kubeconfig/rules.js';
import { kubeconfigFindingsToReport } from '../cli/commands/kubeconfig.js';
import { CANARY_PATTERN, canaryKubeconfigText, fuzzParams, mutated } from './arbitraries.js';
const SECRET = { id: 0, cluster: 'c', apiVersion: 'v1', group: '', kind: 'Secret', namespace: 'istio-system', name: 'istio-remote-secret-x', labels: {}, annotations: {}, obj: {}, source: null };
function assertNoCanary(value, what) {
    const text = JSON.stringify(value);
    const m = CANARY_PATTERN.exec(text);
    assert.equal(m, null, `${what}: ${m?.[0]} in ${text.slice(Math.max(0, (m?.index ?? 0) - 200), (m?.index ?? 0) + 60)}`);
}
test('fuzz: parsing and judging kubeconfigs never throws and never shows a canary', { timeout: 60_000 }, () => {
    fc.assert(fc.property(canaryKubeconfigText, (text) => {
        const parsed = parseKubeconfig(text, { file: 'fuzz.kubeconfig' });
        assertNoCanary(parsed, 'parsed kubeconfig');
        for (const e of [...parsed.errors, ...parsed.notes])
            assert.ok(Number.isInteger(e.line) && e.line >= 0);
        if (!parsed.ok)
            return true;
        const findings = judgeKubeconfig(parsed, { origin: { kind: 'file', folder: '/fuzz' } });
        assertNoCanary(findings, 'findings');
        assertNoCanary(credentialsOf(parsed), 'credentials');
        assertNoCanary(kubeconfigFindingsToReport([{ parsed, findings }], { errors: [...parsed.errors], notes: [] }), 'report');
        assertNoCanary(judgeKubeconfigSource({ resource: { ...SECRET, id: Math.random() }, path: ['data', 'x'], text, consumer: 'istiod' }), 'embedded');
        return true;
    }), fuzzParams(150));
});
// Mutations can turn a secret into a key or a name, which are shown by design: this property checks
// robustness only.
test('fuzz: cut and spliced kubeconfigs never throw; every problem has a line', { timeout: 60_000 }, () => {
    fc.assert(fc.property(mutated(canaryKubeconfigText), (text) => {
        const parsed = parseKubeconfig(text, { file: 'fuzz.kubeconfig' });
        for (const e of [...parsed.errors, ...parsed.notes])
            assert.ok(Number.isInteger(e.line) && e.line >= 0 && typeof e.message === 'string');
        if (parsed.ok)
            judgeKubeconfig(parsed, { origin: { kind: 'secret', consumer: 'istiod' } });
        return true;
    }), fuzzParams(150));
});
