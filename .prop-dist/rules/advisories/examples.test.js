import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { scanPaths } from '../../engine/scan.js';
import { REPO_ROOT } from '../../testing/kit.js';
import { severityRank } from '../../engine/finding.js';
import { rules } from './index.js';
const file = (kind) => path.join(REPO_ROOT, 'examples', kind, '60-versions.yaml');
test('the insecure example runs affected, unsupported and skewed versions', async () => {
    const res = await scanPaths([file('insecure')], { rules });
    assert.deepEqual(res.errors, []);
    assert.deepEqual(res.failures, []);
    const got = res.findings.map((f) => `${f.ruleId} ${f.severity} ${f.resource.kind}/${f.resource.name}`).sort();
    assert.deepEqual(got, [
        'ADV001 high Deployment/istiod',
        'ADV001 high Deployment/orders',
        'ADV002 medium Deployment/orders',
        'ADV003 medium Deployment/orders',
        'ADV004 info Deployment/istio-ingressgateway',
    ]);
    const istiod = res.findings.find((f) => f.resource.name === 'istiod');
    assert.match(istiod.message, /Istio 1\.30\.1 .*ISTIO-SECURITY-2026-006, ISTIO-SECURITY-2026-005; highest CVSS 7\.7 .*nearest fixed version 1\.30\.4\./);
    const orders = res.findings.find((f) => f.ruleId === 'ADV001' && f.resource.name === 'orders');
    assert.match(orders.message, /Istio 1\.28\.4 .*ISTIO-SECURITY-2026-001/);
    assert.match(orders.message, /highest CVSS 8\.7 \(ISTIO-SECURITY-2026-001\)/);
});
test('the secure example runs a fixed, supported version: nothing at medium or above', async () => {
    const res = await scanPaths([file('secure')], { rules });
    assert.deepEqual(res.errors, []);
    const serious = res.findings.filter((f) => severityRank(f.severity) >= severityRank('medium'));
    assert.deepEqual(serious.map((f) => f.message), []);
});
