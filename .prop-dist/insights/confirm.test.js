import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPO_ROOT, scanYaml } from '../testing/kit.js';
import { findRule } from '../rules/index.js';
import { facts } from '../testing/insights.js';
import { REPORTERS } from '../report/index.js';
const rule = (id) => findRule(id);
const hijack = rule('HJK001').meta.docs.bad;
const toPayments = (n, extra = {}) => ({ from: 'web/frontend', to: 'shop/collector', reporter: 'source', service: 'payments-api.payments.svc.cluster.local', requests: n, ...extra });
async function scan(yaml, ids, edges, opts = {}) {
    const res = await scanYaml(yaml, { rules: ids.map(rule), telemetry: edges ? facts(edges) : undefined, ...opts });
    assert.deepEqual(res.failures, []);
    return res.findings;
}
test('a hijacking VirtualService whose host carries traffic is marked seen in traffic; fingerprint unchanged; critical stays critical', async () => {
    const [plain] = await scan(hijack, ['HJK001'], null);
    const [seen] = await scan(hijack, ['HJK001'], [toPayments(120), toPayments(80, { reporter: 'destination' })]);
    assert.equal(plain.seenInTraffic, undefined);
    assert.equal(seen.fingerprint, plain.fingerprint);
    assert.equal(plain.severity, 'critical');
    assert.equal(seen.severity, 'critical');
    // Only the source's report counts: the destination's report of the same requests is not added.
    assert.deepEqual(seen.seenInTraffic, { requests: 120, connections: 0, windowSeconds: 3600 });
    const ev = seen.evidence.find((e) => e.role === 'traffic');
    assert.match(ev.description, /^seen in traffic: 120 requests from clients to "payments-api\.payments\.svc\.cluster\.local" over the last 1h$/);
    assert.ok(!plain.evidence.some((e) => e.role === 'traffic'), 'the shared evidence list of the unconfirmed finding is untouched');
});
test('traffic to other hosts, or none in the window, confirms nothing', async () => {
    const [f] = await scan(hijack, ['HJK001'], [toPayments(50, { service: 'collector.shop.svc.cluster.local' }), toPayments(0)]);
    assert.equal(f.seenInTraffic, undefined);
    assert.equal(f.evidence.some((e) => e.role === 'traffic'), false);
});
test('a low finding is ranked up one step, with the severity it had', async () => {
    // HJK004 without the shadowing ServiceEntry: low (it governs its own namespace's clients only).
    const yaml = rule('HJK004').meta.docs.bad.split('---').filter((d) => !d.includes('kind: ServiceEntry')).join('---');
    const edges = [toPayments(9, { service: 'card-api.payments.svc.cluster.local' })];
    const [plain] = await scan(yaml, ['HJK004'], null);
    const [seen] = await scan(yaml, ['HJK004'], edges);
    assert.equal(plain.severity, 'low');
    assert.equal(seen.severity, 'medium');
    assert.deepEqual(seen.seenInTraffic, { requests: 9, connections: 0, windowSeconds: 3600, rankedFrom: 'low' });
});
test('a severity set by the config file is kept; the mark is still added', async () => {
    const [f] = await scan(hijack, ['HJK001'], [toPayments(5)], { severityOverrides: { HJK001: 'low' } });
    assert.equal(f.severity, 'low');
    assert.deepEqual(f.seenInTraffic, { requests: 5, connections: 0, windowSeconds: 3600 });
});
test('with two claimed hosts, only the finding of the host that carries traffic is marked', async () => {
    const yaml = hijack.replace('hosts: [payments-api.payments.svc.cluster.local]', 'hosts: [payments-api.payments.svc.cluster.local, ledger.payments.svc.cluster.local]') +
        '\n---\napiVersion: v1\nkind: Service\nmetadata: {name: ledger, namespace: payments}\nspec: {ports: [{port: 80}]}\n';
    const f = await scan(yaml, ['HJK001'], [toPayments(3, { service: 'ledger.payments.svc.cluster.local' })]);
    assert.equal(f.length, 2);
    const marked = f.filter((x) => x.seenInTraffic);
    assert.equal(marked.length, 1);
    assert.match(marked[0].message, /ledger/);
});
test('HJK003 and HJK004 on the host they take over', async () => {
    const yaml = rule('HJK004').meta.docs.bad;
    const edges = [toPayments(9, { service: 'card-api.payments.svc.cluster.local' })];
    const f = await scan(yaml, ['HJK003', 'HJK004'], edges);
    assert.deepEqual(f.map((x) => [x.ruleId, x.seenInTraffic?.requests]).sort(), [['HJK003', 9], ['HJK004', 9]]);
});
test('EGR001 and EGR002 are confirmed by PassthroughCluster traffic, EGR002 only from the workloads its Sidecar governs', async () => {
    const allowAny = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    outboundTrafficPolicy:\n      mode: ALLOW_ANY\n---\n' + rule('EGR002').meta.docs.bad;
    const out = (from) => ({ from, to: 'unknown', reporter: 'source', service: 'x.example', serviceName: 'PassthroughCluster', requests: 4 });
    const f = await scan(allowAny, ['EGR001', 'EGR002'], [out('other/app')]);
    assert.deepEqual(f.map((x) => [x.ruleId, x.seenInTraffic?.requests]).sort(), [['EGR001', 4], ['EGR002', undefined]]);
    const g = await scan(allowAny, ['EGR001', 'EGR002'], [out('shop/web'), out('other/app')]);
    assert.deepEqual(g.map((x) => [x.ruleId, x.seenInTraffic?.requests, x.severity]).sort(), [['EGR001', 8, 'critical'], ['EGR002', 4, 'critical']]);
});
test('reports show the mark: JSON field, SARIF property, text tag', async () => {
    const res = await scanYaml(rule('EGR001').meta.docs.bad, { rules: [rule('EGR001')], telemetry: facts([{ from: 'shop/web', to: 'unknown', reporter: 'source', serviceName: 'PassthroughCluster', requests: 7 }]) });
    const report = {
        version: 1,
        findings: res.findings,
        errors: [],
        summary: { bySeverity: { critical: 1, high: 0, medium: 0, low: 0, info: 0 }, resources: 4, files: 1, durationMs: 1, suppressed: 0, meshConfig: 'defaults', notes: [] },
    };
    const ctx = { rules: [rule('EGR001')], color: false, cwd: REPO_ROOT, version: '0' };
    const json = JSON.parse(REPORTERS.json(report, ctx));
    assert.deepEqual(json.findings[0].seenInTraffic, { requests: 7, connections: 0, windowSeconds: 3600, rankedFrom: 'high' });
    const sarif = JSON.parse(REPORTERS.sarif(report, ctx));
    assert.deepEqual(sarif.runs[0].results[0].properties.seenInTraffic, { requests: 7, connections: 0, windowSeconds: 3600, rankedFrom: 'high' });
    assert.match(REPORTERS.text(report, ctx), /\[seen in traffic\] ConfigMap istio-system\/istio sets outboundTrafficPolicy/);
    assert.match(REPORTERS.compact(report, ctx), /^CRITICAL \[EGR001\] \[seen in traffic\] \(/m);
});
