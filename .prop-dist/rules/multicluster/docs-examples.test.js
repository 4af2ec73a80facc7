// The documented examples of the MCL rules are real: `bad` is reported, `good` is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findingsFor } from '../../testing/kit.js';
import MCL001 from './MCL001-istiod-insecure-kubeconfig-options.js';
import MCL002 from './MCL002-cacerts-root-key.js';
import MCL003 from './MCL003-trust-accepts-other-mesh.js';
import { KCF_META } from '../../kubeconfig/rules.js';
import { judgeKubeconfig } from '../../kubeconfig/judge.js';
import { parseKubeconfig } from '../../kubeconfig/parse.js';
for (const rule of [MCL001, MCL002, MCL003]) {
    test(`${rule.meta.id}: the documented bad example is reported, the good one is not`, async () => {
        const { bad, good } = rule.meta.docs;
        assert.ok(bad && good, 'both examples are documented');
        const reported = await findingsFor(rule, bad);
        assert.equal(reported.length, 1, JSON.stringify(reported.map((f) => f.message)));
        assert.equal(reported[0].ruleId, rule.meta.id);
        assert.deepEqual(await findingsFor(rule, good), []);
    });
}
for (const id of ['KCF011', 'KCF012']) {
    test(`${id}: the documented kubeconfig examples are judged as documented`, () => {
        const { bad, good } = KCF_META[id].docs;
        assert.ok(bad && good);
        const ids = (text) => judgeKubeconfig(parseKubeconfig(text, { file: 'example' }), { origin: { kind: 'file' } }).map((f) => f.id);
        assert.deepEqual(ids(bad), [id]);
        assert.deepEqual(ids(good), []);
    });
}
