/**
 * The INS rules through a real Prometheus: the bundled examples' metrics (examples/*\/telemetry.prom)
 * are loaded into a Prometheus TSDB as series growing over a window, queried back through its HTTP
 * API, and give the same findings as the file read offline: every INS rule fires on examples/insecure,
 * and nothing at medium or above on examples/secure, both ways.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { scanPaths } from '../../engine/scan.js';
import { severityRank } from '../../engine/finding.js';
import { buildTrafficFacts } from '../../insights/facts.js';
import { parseExposition } from '../../insights/sources/exposition.js';
import { loadPrometheus } from '../../insights/sources/prometheus.js';
import { REPO_ROOT } from '../../testing/kit.js';
import { openMetricsFor, startPrometheus } from '../../testing/prometheus.js';
import { rules as insightRules } from './index.js';
const WINDOW = 3600;
const END = Math.floor(Date.now() / 60_000) * 60 - 600;
const SAMPLE = /^([a-z_]+)\{(.*)\} ([0-9.]+)$/;
const LABEL = /([a-z_]+)="([^"]*)"/g;
/** The example's samples as series that grow by their value over the window (the examples use no escapes in label values). */
function seriesOf(text) {
    const out = [];
    for (const line of text.split('\n')) {
        const m = SAMPLE.exec(line);
        if (!m)
            continue;
        const labels = [...m[2].matchAll(LABEL)].map((l) => [l[1], l[2]]);
        out.push({ metric: m[1], labels, total: Number(m[3]) });
    }
    return out;
}
const view = (findings) => findings.map((f) => `${f.ruleId} ${f.severity} ${f.resource.kind} ${f.resource.namespace}/${f.resource.name} ${f.seenInTraffic ? 'seen ' : ''}${f.message}`).sort();
for (const example of ['insecure', 'secure']) {
    describe(`examples/${example}: the same findings from its metrics file and from Prometheus`, () => {
        const dir = path.join(REPO_ROOT, 'examples', example);
        const text = readFileSync(path.join(dir, 'telemetry.prom'), 'utf8');
        let prom;
        before(async () => {
            prom = await startPrometheus(openMetricsFor(seriesOf(text), { endSeconds: END, windowSeconds: WINDOW }));
        });
        after(async () => {
            await prom?.stop();
        });
        it('agrees, and fires what the example is for', async () => {
            const file = parseExposition(text, { name: 'telemetry.prom' });
            assert.deepEqual(file.notes, []);
            const offline = buildTrafficFacts({ kind: 'file', name: 'telemetry.prom', windowSeconds: WINDOW, end: new Date(END * 1000).toISOString() }, file.edges, file.notes);
            const online = await loadPrometheus({ url: prom.url, windowSeconds: WINDOW, end: new Date(END * 1000) });
            assert.deepEqual(online.notes, []);
            const a = await scanPaths([dir], { telemetry: offline });
            const b = await scanPaths([dir], { telemetry: online });
            assert.deepEqual(view(b.findings), view(a.findings));
            const ins = a.findings.filter((f) => f.ruleId.startsWith('INS'));
            if (example === 'insecure') {
                assert.deepEqual([...new Set(ins.map((f) => f.ruleId))].sort(), insightRules.map((r) => r.meta.id).sort());
                assert.ok(a.findings.some((f) => f.seenInTraffic));
            }
            else {
                assert.deepEqual(ins.filter((f) => severityRank(f.severity) >= severityRank('medium')).map((f) => f.message), []);
                assert.equal(a.findings.filter((f) => f.seenInTraffic).length, 0);
            }
        });
    });
}
