// The fleet rules (MCL004 to MCL007): documented like every rule, silent in one cluster's scan, and
// reported by the cross-cluster analysis for their documented bad examples (each cluster's objects after
// a `# cluster: NAME` line) and not for the good ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { scanPaths } from '../../engine/scan.js';
import { blastRadius } from '../../multicluster/blast-radius.js';
import { findingsFor, REPO_ROOT, runCli, scanYaml } from '../../testing/kit.js';
import { fleetFindings } from '../../server/analysis.js';
import { allRules } from '../index.js';
import { FLEET_ONLY, FLEET_RULE_IDS, fleetRuleIdsOf } from './fleet.js';
import MCL004 from './MCL004-fleet-blast-radius.js';
import MCL005 from './MCL005-shared-intermediate.js';
import MCL006 from './MCL006-mixed-roots.js';
import MCL007 from './MCL007-shared-root-across-meshes.js';
const FLEET = [MCL004, MCL005, MCL006, MCL007];
/** `# cluster: NAME` starts a cluster's part of a documented example; the parts become one model each. */
async function clustersOf(example) {
    const parts = new Map();
    let current = null;
    for (const line of example.split('\n')) {
        const m = /^# cluster: ([a-z0-9-]+)$/.exec(line);
        if (m) {
            current = parts.get(m[1]) ?? [];
            parts.set(m[1], current);
            continue;
        }
        if (!current)
            throw new Error('a fleet example starts with a "# cluster: NAME" line');
        current.push(line);
    }
    const out = [];
    for (const [name, lines] of parts) {
        const res = await scanYaml(lines.join('\n'), { cluster: name, rules: [] });
        assert.deepEqual(res.errors, [], `cluster ${name} of the example loads`);
        out.push({ name, model: res.model, files: [] });
    }
    return out;
}
test('fleet rules are in the catalogue under the IDs the server reports', () => {
    assert.deepEqual(FLEET.map((r) => r.meta.id), ['MCL004', 'MCL005', 'MCL006', 'MCL007']);
    assert.deepEqual([...FLEET_ONLY].sort(), Object.values(FLEET_RULE_IDS).sort());
    for (const r of FLEET) {
        assert.ok(allRules.includes(r), `${r.meta.id} is in allRules`);
        assert.match(r.meta.docs.summary, /only across clusters/);
        assert.ok(r.meta.docs.bad && r.meta.docs.good && r.meta.docs.why && r.meta.docs.fix);
    }
});
for (const rule of FLEET) {
    test(`${rule.meta.id}: the cross-cluster analysis reports the documented bad example, not the good one`, async () => {
        const bad = blastRadius(await clustersOf(rule.meta.docs.bad));
        assert.ok(fleetRuleIdsOf(bad).includes(rule.meta.id), `reported: ${fleetRuleIdsOf(bad).join(', ') || 'nothing'}`);
        // The server stores it under the same ID.
        assert.ok(fleetFindings(bad).some((f) => f.ruleId === rule.meta.id));
        const good = blastRadius(await clustersOf(rule.meta.docs.good));
        assert.deepEqual(fleetRuleIdsOf(good).filter((id) => id === rule.meta.id), []);
    });
    test(`${rule.meta.id}: one cluster's scan reports nothing under it, even for the bad example`, async () => {
        assert.deepEqual(await findingsFor(rule, rule.meta.docs.bad.replace(/^# cluster: .*$/gm, '')), []);
    });
}
test('the fleet rules fire across examples/multicluster (MCL007 needs separate meshes: its example above)', async () => {
    const inputs = [];
    for (const c of ['east', 'west', 'north']) {
        const res = await scanPaths([path.join(REPO_ROOT, 'examples', 'multicluster', c)], { cluster: c, rules: [] });
        inputs.push({ name: c, model: res.model, files: res.load.files });
    }
    const fired = new Set(fleetRuleIdsOf(blastRadius(inputs)));
    assert.deepEqual([...fired].sort(), ['MCL004', 'MCL005', 'MCL006']);
});
test('meshward rules lists the fleet rules and explain documents them as fleet-only', async () => {
    const list = await runCli(['rules']);
    assert.equal(list.code, 0, list.stderr);
    for (const id of FLEET_ONLY)
        assert.match(list.stdout, new RegExp(`\\b${id}\\b`));
    const explain = await runCli(['explain', 'MCL005']);
    assert.equal(explain.code, 0, explain.stderr);
    assert.match(explain.stdout, /same CA/);
    assert.match(explain.stdout, /only across clusters/);
});
