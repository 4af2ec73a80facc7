/**
 * The INS rules and the "seen in traffic" mark through the built CLI, as a user runs them:
 * `meshward scan DIR --metrics FILE`, in every output format that shows them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../testing/kit.js';
import { rules as insightRules } from './index.js';
/** Every C0/C1 control, bidi override and zero-width character a terminal would act on. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
describe('INS rules through the CLI', () => {
    it('examples/insecure with its metrics: every INS rule fires, config findings are marked seen in traffic', async () => {
        const r = await runCli(['scan', 'examples/insecure', '--metrics', 'examples/insecure/telemetry.prom', '--format', 'json']);
        assert.equal(r.code, 1, r.stderr);
        const report = JSON.parse(r.stdout);
        const fired = new Set(report.findings.map((f) => f.ruleId));
        for (const rule of insightRules)
            assert.ok(fired.has(rule.meta.id), `${rule.meta.id} fires`);
        const seen = report.findings.filter((f) => f.seenInTraffic);
        assert.deepEqual([...new Set(seen.map((f) => f.ruleId))].sort(), ['EGR001', 'EGR002', 'HJK001', 'HJK003', 'HJK004']);
        const egr002 = seen.find((f) => f.ruleId === 'EGR002');
        assert.deepEqual(egr002.seenInTraffic, { requests: 57, connections: 0, windowSeconds: 0, rankedFrom: 'high' });
        assert.equal(egr002.severity, 'critical');
        assert.ok(egr002.evidence.some((e) => e.role === 'traffic' && /^seen in traffic: 57 requests through PassthroughCluster/.test(e.description)));
    });
    it('the same scan without metrics: no INS finding, no mark, and the fingerprints of the marked findings are the same', async () => {
        const [withMetrics, without] = await Promise.all([
            runCli(['scan', 'examples/insecure', '--metrics', 'examples/insecure/telemetry.prom', '--format', 'json']),
            runCli(['scan', 'examples/insecure', '--format', 'json']),
        ]);
        const a = JSON.parse(withMetrics.stdout).findings;
        const b = JSON.parse(without.stdout).findings;
        assert.equal(b.filter((f) => f.ruleId.startsWith('INS') || f.seenInTraffic).length, 0);
        const plain = new Set(b.map((f) => f.fingerprint));
        for (const f of a.filter((x) => x.seenInTraffic))
            assert.ok(plain.has(f.fingerprint), `${f.ruleId} keeps its fingerprint`);
    });
    it('examples/secure with its metrics stays clean at medium and above', async () => {
        const r = await runCli(['scan', 'examples/secure', '--metrics', 'examples/secure/telemetry.prom', '--fail-on', 'medium']);
        assert.equal(r.code, 0, r.stdout);
    });
    describe('hostile labels', () => {
        let dir;
        let metrics;
        before(async () => {
            dir = await mkdtemp(path.join(os.tmpdir(), 'meshward-ins-e2e-'));
            metrics = path.join(dir, 'hostile.prom');
            const evil = ['\\u001b]0;owned\\u0007', '__proto__', 'constructor', 'a\\u202eb', 'x\\u009by'];
            // Label values in the exposition format escape only \\, " and newline: control characters arrive raw.
            const raw = (s) => JSON.parse(`"${s}"`);
            const lines = evil.map((w) => {
                const name = raw(w);
                return [
                    `istio_requests_total{reporter="destination",source_workload="unknown",source_workload_namespace="unknown",source_principal="unknown",destination_workload="${name}",destination_workload_namespace="${name}",destination_service="s",connection_security_policy="none",response_code="403"} 50`,
                    `istio_requests_total{reporter="source",source_workload="${name}",source_workload_namespace="shop",source_principal="spiffe://${name}/ns/a/sa/b",destination_workload="unknown",destination_workload_namespace="unknown",destination_service="${name}",destination_service_name="PassthroughCluster",connection_security_policy="unknown",response_code="200"} 5`,
                    `istio_requests_total{reporter="destination",source_workload="w",source_workload_namespace="shop",source_principal="spiffe://${name}/ns/a/sa/b",destination_workload="web",destination_workload_namespace="shop",destination_service="web.shop.svc.cluster.local",connection_security_policy="mutual_tls",response_code="200"} 3`,
                ].join('\n');
            });
            await writeFile(metrics, `${lines.join('\n')}\n`);
            await writeFile(path.join(dir, 'mesh.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n');
        });
        after(async () => {
            await rm(dir, { recursive: true, force: true });
        });
        it('are escaped in text, compact and SARIF output and never crash a rule', async () => {
            for (const format of ['text', 'compact', 'sarif', 'json']) {
                const r = await runCli(['scan', path.join(dir, 'mesh.yaml'), '--metrics', metrics, '--format', format]);
                assert.equal(r.code, 1, `${format}: ${r.stderr}`);
                assert.ok(!UNSAFE.test(r.stdout), `${format} output holds a raw control or bidi character`);
                assert.ok(!UNSAFE.test(r.stderr), `${format} stderr holds a raw control or bidi character`);
                assert.doesNotMatch(r.stderr, /rule failed|internal error/i);
                if (format === 'json') {
                    const ids = new Set(JSON.parse(r.stdout).findings.map((f) => f.ruleId));
                    for (const id of ['INS003', 'INS005', 'INS006', 'INS007'])
                        assert.ok(ids.has(id), `${id} reports the hostile traffic`);
                }
            }
        });
    });
});
