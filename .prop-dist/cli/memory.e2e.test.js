import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../testing/kit.js';
import { scanFiles } from '../engine/scan.js';
/**
 * Memory bounded by the input (issue 10, class 6), end to end: the built CLI writes every format at
 * once for 4 MB of pods that each break about seven rules (84,000 findings), in a process whose V8
 * heap is capped at 128 MB. It must finish (not die with "heap out of memory" or "Invalid string
 * length") and every report must hold every finding. Plain findings (before compact findings, and
 * before the model was let go ahead of the reports) need more than this cap: that build dies here;
 * the compact one also dies at 96 MB, so the cap is tight. bench/memory.js measures the same input at
 * 10 to 45 MB.
 */
const HEAP_CAP_MB = 128;
const PODS = 12_000;
// The pod of the measurement (/work/measure/gen.py, 6a-many-findings): hostNetwork, a forged
// istio-proxy running as 1337 with NET_ADMIN, capture bypassed for all outbound traffic.
const pod = (i) => `---
apiVersion: v1
kind: Pod
metadata:
  name: p${i}
  namespace: ns${i % 50}
  annotations:
    traffic.sidecar.istio.io/excludeOutboundIPRanges: "0.0.0.0/0"
spec:
  hostNetwork: true
  containers:
  - name: istio-proxy
    image: evil.example.com/proxyv2:1.0
    securityContext: {runAsUser: 1337, capabilities: {add: [NET_ADMIN, NET_RAW]}}
`;
const pods = (n) => Array.from({ length: n }, (_, i) => pod(i)).join('');
/** Findings for n pods, in process: the count grows linearly (a per pod, b for the whole mesh). */
async function findingsFor(n) {
    const res = await scanFiles([{ file: 'pods.yaml', text: pods(n), format: 'yaml' }], { jobs: 1 });
    return res.findings.length;
}
test(`every format for ${PODS} pods of many findings within a ${HEAP_CAP_MB} MB heap`, { timeout: 300_000 }, async () => {
    const [at100, at200] = [await findingsFor(100), await findingsFor(200)];
    const perPod = (at200 - at100) / 100;
    assert.ok(perPod >= 5, `${perPod} findings per pod`);
    const expected = at100 + perPod * (PODS - 100);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-memory-'));
    try {
        const input = path.join(dir, 'pods.yaml');
        await fs.writeFile(input, pods(PODS));
        const out = (name) => path.join(dir, name);
        const res = await runCli(['scan', input, '--fail-on', 'none', '--report', `json:${out('r.json')}`, '--report', `text:${out('r.txt')}`, '--report', `compact:${out('r.log')}`, '--report', `junit:${out('r.xml')}`, '--report', `gitlab:${out('r.gl.json')}`, '--report', `sarif:${out('r.sarif')}`], 
        // From the input's folder, so GitLab and SARIF paths lie inside the (repository) root.
        { cwd: dir, env: { NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MB}` } });
        assert.equal(res.code, 0, res.stderr.slice(0, 2000));
        const json = JSON.parse(await fs.readFile(out('r.json'), 'utf8'));
        assert.equal(json.findings.length, expected, 'JSON holds every finding');
        assert.equal(Object.values(json.summary.bySeverity).reduce((a, b) => a + b, 0), expected);
        const text = await fs.readFile(out('r.txt'), 'utf8');
        assert.match(text, new RegExp(`✖ ${expected} findings \\(`), 'text summary counts every finding');
        assert.equal(text.split('\n').filter((l) => l.startsWith('           fix: ')).length, expected, 'text lists every finding');
        assert.equal((await fs.readFile(out('r.log'), 'utf8')).split('\n').length - 1, expected, 'compact: one line per finding');
        const cases = (await fs.readFile(out('r.xml'), 'utf8')).split('\n').filter((l) => l.startsWith('    <testcase '));
        // Besides a case per finding: one passing case per rule without findings, and the load suite's.
        const findingCases = cases.filter((l) => !l.includes(' no findings"') && !l.includes('classname="meshward.load"'));
        assert.equal(findingCases.length, expected, 'JUnit: a case per finding');
        assert.equal(JSON.parse(await fs.readFile(out('r.gl.json'), 'utf8')).length, expected, 'GitLab: an issue per finding');
        const sarif = JSON.parse(await fs.readFile(out('r.sarif'), 'utf8'));
        assert.equal(sarif.runs[0].results.length, Math.min(expected, 25_000), 'SARIF: up to GitHub\'s limit');
    }
    finally {
        await fs.rm(dir, { recursive: true, force: true });
    }
});
