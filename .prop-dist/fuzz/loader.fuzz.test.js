/**
 * Fuzzing the loader and the whole scan pipeline with generated YAML: manifests with hostile names,
 * kinds named like Object.prototype members, then cut and spliced with YAML syntax and control
 * characters. Fixed seed, bounded runs (fuzzParams); MESHWARD_FUZZ_RUNS=10 runs ten times as many.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { scanFiles } from '../engine/scan.js';
import { allRules } from '../rules/index.js';
import { canary, CANARY_PATTERN, fuzzParams, manifestYaml, manifestYamlWithPrototypeKinds } from './arbitraries.js';
test('fuzz: scanning generated YAML never throws, and every error is a located message', { timeout: 60_000 }, async () => {
    await fc.assert(fc.asyncProperty(manifestYaml, fc.constantFrom('yaml', 'json'), async (text, format) => {
        const res = await scanFiles([{ file: 'fuzz.yaml', text, format }], { rules: allRules, jobs: 1 });
        for (const e of res.errors) {
            assert.equal(typeof e.message, 'string');
            assert.ok(e.message.length > 0 && e.message.length < 2000, `error message of ${e.message.length} characters`);
            assert.ok(Number.isInteger(e.line) && e.line >= 0, `line ${e.line}`);
        }
        return true;
    }), fuzzParams(120));
});
// Kinds named like Object.prototype members crash the model today (issue 10 class 2, fixed on another
// branch); the property is kept at full strength and marked todo until that fix is merged.
test('fuzz: kinds named like Object.prototype members: no exception escapes, no rule fails', { timeout: 60_000 }, async () => {
    await fc.assert(fc.asyncProperty(manifestYamlWithPrototypeKinds, async (text) => {
        const res = await scanFiles([{ file: 'fuzz.yaml', text, format: 'yaml' }], { rules: allRules, jobs: 1 });
        assert.deepEqual(res.failures.map((f) => `${f.ruleId}: ${f.message.split('\n')[0]}`), []);
        return true;
    }), fuzzParams(120));
});
// YAML tag and alias texts in the loader's parse errors are the loader engineer's part of issue 10
// class 3; kept at full strength, marked todo until merged.
test('fuzz: tag and alias names never reach load errors', { timeout: 60_000 }, async () => {
    await fc.assert(fc.asyncProperty(manifestYaml, fc.nat(), fc.constantFrom('!', '*', '&'), canary('Tag'), async (text, at, sigil, name) => {
        const spots = [...text.matchAll(/: /g)].map((m) => m.index + 2);
        const i = spots.length ? spots[at % spots.length] : 0;
        const spliced = `${text.slice(0, i)}${sigil}${name} ${text.slice(i)}`;
        const res = await scanFiles([{ file: 'fuzz.yaml', text: spliced, format: 'yaml' }], { rules: [], jobs: 1 });
        assert.doesNotMatch(JSON.stringify(res.errors), CANARY_PATTERN);
        return true;
    }), fuzzParams(80));
});
