// The bundled examples are part of the contract: every rule fires at least once in
// examples/insecure (a tour of the threats), and examples/secure (the same mesh hardened) has no
// finding at medium or above.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { scanPaths } from './engine/scan.js';
import { allRules } from './rules/index.js';
import { severityRank } from './engine/finding.js';
import { REPO_ROOT, runCli } from './testing/kit.js';
import { blastRadius } from './multicluster/blast-radius.js';
import { fleetRuleIdsOf } from './rules/multicluster/fleet.js';
import { loadMetricsFile } from './insights/sources/exposition.js';
/**
 * Rules shown by another example instead, with the folder that shows them. The kubeconfig and
 * multi-cluster trust rules need clusters holding each other's credentials: examples/multicluster.
 * Each listed rule must fire there (checked below), so the list cannot hide a rule. The fleet rules
 * (MCL004 to MCL007) fire when those clusters are compared; MCL007 (separate meshes sharing a root)
 * needs two meshes, which that example is not: its documented example proves it instead
 * (src/rules/multicluster/fleet.test.ts).
 */
const PROVEN_BY_DOCS_EXAMPLE = new Set(['MCL007']);
const MULTICLUSTER = 'multicluster';
const SHOWN_ELSEWHERE = Object.fromEntries(allRules.filter((r) => r.meta.category === 'multicluster').map((r) => [r.meta.id, MULTICLUSTER]));
const examples = (name) => path.join(REPO_ROOT, 'examples', name);
/**
 * The telemetry rules (INS) judge traffic: each example folder carries Istio's metrics for its mesh
 * (telemetry.prom, one scrape), read by the real parser, as `--metrics` would.
 */
async function telemetryOf(name) {
    const facts = await loadMetricsFile(path.join(examples(name), 'telemetry.prom'));
    assert.deepEqual(facts.notes, [], `examples/${name}/telemetry.prom reads cleanly`);
    assert.ok(facts.edges.length > 0);
    return facts;
}
test('every rule fires in examples/insecure', async () => {
    const res = await scanPaths([examples('insecure')], { telemetry: await telemetryOf('insecure') });
    assert.deepEqual(res.errors, []);
    assert.deepEqual(res.failures, []);
    const fired = new Set(res.findings.map((f) => f.ruleId));
    const missing = allRules.map((r) => r.meta.id).filter((id) => !fired.has(id) && !SHOWN_ELSEWHERE[id]);
    assert.deepEqual(missing, [], `rules that never fire in examples/insecure: ${missing.join(', ')}`);
});
test('the rules shown elsewhere fire there', async () => {
    const fired = new Set();
    const inputs = [];
    for (const c of ['east', 'west', 'north']) {
        const res = await scanPaths([path.join(examples(MULTICLUSTER), c)], { cluster: c });
        assert.deepEqual(res.errors, []);
        assert.deepEqual(res.failures, []);
        for (const f of res.findings)
            fired.add(f.ruleId);
        inputs.push({ name: c, model: res.model, files: res.load.files });
    }
    for (const id of fleetRuleIdsOf(blastRadius(inputs)))
        fired.add(id);
    const missing = Object.keys(SHOWN_ELSEWHERE).filter((id) => !fired.has(id) && !PROVEN_BY_DOCS_EXAMPLE.has(id));
    assert.deepEqual(missing, [], `rules that never fire in examples/multicluster: ${missing.join(', ')}`);
});
test('examples/secure has no finding at medium or above', async () => {
    const res = await scanPaths([examples('secure')], { telemetry: await telemetryOf('secure') });
    assert.deepEqual(res.errors, []);
    assert.deepEqual(res.failures, []);
    const serious = res.findings.filter((f) => severityRank(f.severity) >= severityRank('medium'));
    assert.deepEqual(serious.map((f) => `${f.ruleId} ${f.resource.kind} ${f.resource.namespace}/${f.resource.name}: ${f.message}`), []);
});
test('the metrics confirm config findings in examples/insecure: hijacks and ALLOW_ANY holes are seen in traffic', async () => {
    const res = await scanPaths([examples('insecure')], { telemetry: await telemetryOf('insecure') });
    const seen = [...new Set(res.findings.filter((f) => f.seenInTraffic).map((f) => f.ruleId))].sort();
    assert.deepEqual(seen, ['EGR001', 'EGR002', 'HJK001', 'HJK003', 'HJK004']);
});
test('the Quick start scan of examples/insecure prints findings and fails the build', async () => {
    const r = await runCli(['scan', 'examples/insecure']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /CRITICAL|HIGH/);
    assert.match(r.stdout, /findings? \(/);
    const secure = await runCli(['scan', 'examples/secure', '--fail-on', 'medium']);
    assert.equal(secure.code, 0, secure.stdout);
});
