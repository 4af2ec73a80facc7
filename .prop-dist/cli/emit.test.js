import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { jsonReportChunks } from '../report/json.js';
import { REPORTERS } from '../report/index.js';
import { scanPaths } from '../engine/scan.js';
import { REPO_ROOT } from '../testing/kit.js';
const ctx = { rules: [], color: false, cwd: REPO_ROOT, version: '0' };
function report(findings) {
    return {
        version: 1,
        findings,
        errors: [{ file: 'x\n"y".yaml', line: 3, message: 'bad \u2028 thing' }],
        summary: { bySeverity: { critical: 0, high: 1, medium: 0, low: 0, info: 0 }, resources: 2, files: 1, durationMs: 5, suppressed: 0, meshConfig: 'defaults', notes: ['a "note"'] },
    };
}
test('the streamed JSON report is exactly what the JSON reporter writes', async () => {
    const res = await scanPaths([path.join(REPO_ROOT, 'examples/insecure')], { jobs: 1 });
    assert.ok(res.findings.length > 20);
    const hostile = { ...res.findings[0], message: 'q"uote\\ \n newline \u001b esc \ud83d\ude00 \u202e', evidence: [{ role: 'r', description: 'd\n' }] };
    for (const findings of [[], res.findings, [hostile, ...res.findings]]) {
        const r = report(findings);
        assert.equal([...jsonReportChunks(r)].join(''), REPORTERS.json(r, ctx));
    }
});
test('the streamed JSON report comes in bounded chunks', () => {
    const f = { ruleId: 'X', severity: 'high', title: 't', message: 'm'.repeat(10_000), resource: { cluster: 'c', apiVersion: 'v1', kind: 'Pod', namespace: 'n', name: 'p' }, location: null, remediation: 'r', evidence: [], fingerprint: 'f' };
    const chunks = [...jsonReportChunks(report(Array.from({ length: 500 }, () => f)))];
    assert.ok(chunks.length > 3, `${chunks.length} chunks`);
    for (const c of chunks)
        assert.ok(c.length < (1 << 20) + 20_000, `${c.length} characters`);
});
