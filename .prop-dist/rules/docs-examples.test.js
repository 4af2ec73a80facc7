// Every rule's documented `bad` example is real: run alone through the loader, model and engine, the
// rule reports it. (KCF rules judge kubeconfig files, not manifests, and the fleet rules compare clusters:
// src/rules/multicluster has theirs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allRules } from './index.js';
import { scanYaml } from '../testing/kit.js';
import { FLEET_ONLY } from './multicluster/fleet.js';
import { docExampleTraffic } from '../testing/insights.js';
for (const rule of allRules.filter((r) => !r.meta.id.startsWith('KCF') && !FLEET_ONLY.has(r.meta.id))) {
    test(`${rule.meta.id}: the documented bad example is reported`, async () => {
        const { bad } = rule.meta.docs;
        assert.ok(bad, `${rule.meta.id} documents a bad example`);
        // INS rules judge traffic: their example carries it as Prometheus samples in its leading comments.
        const telemetry = rule.meta.category === 'telemetry' ? docExampleTraffic(bad) : undefined;
        const res = await scanYaml(bad, { rule, telemetry });
        assert.deepEqual(res.errors, [], 'the example loads');
        assert.deepEqual(res.failures, [], 'the rule runs');
        assert.ok(res.findings.some((f) => f.ruleId === rule.meta.id), `${rule.meta.id} reports its own bad example (it reported: ${res.findings.map((f) => f.ruleId).join(', ') || 'nothing'})`);
    });
}
