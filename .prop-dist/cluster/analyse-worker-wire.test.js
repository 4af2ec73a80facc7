import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { packFindings, unpackFindings } from './analyse-worker-wire.js';
import { scanPaths } from '../engine/scan.js';
import { REPO_ROOT } from '../testing/kit.js';
import { plainFinding } from '../engine/run.js';
/** What postMessage does to a value on its way to another thread. */
const clone = (v) => structuredClone(v);
const ref = (name) => ({ cluster: 'prod', apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name });
const shared = [{ role: 'mesh-config', description: 'outboundTrafficPolicy is ALLOW_ANY' }];
function sample() {
    const web = ref('web');
    return [
        { ruleId: 'BYP001', severity: 'high', title: 'T', message: 'Pod shop/web runs as 0', resource: web, location: { cluster: 'prod', object: 'Pod/shop/web', path: 'spec.containers[0]' }, remediation: 'fix it', evidence: shared, fingerprint: 'a'.repeat(32) },
        { ruleId: 'BYP002', severity: 'medium', title: 'U', message: 'Pod shop/web again', resource: web, location: null, remediation: 'fix it', evidence: [{ role: 'namespace', description: 'ns', resource: { ...web, kind: 'Namespace', namespace: '', name: 'shop' }, location: { cluster: 'prod', object: 'Namespace/shop', path: '' } }], fingerprint: 'b'.repeat(32) },
        { ruleId: 'EGR001', severity: 'info', title: 'V', message: '__proto__', resource: ref('__proto__'), location: { file: 'a.yaml', line: 3, column: 1, path: 'spec', rendered: { file: 'out.yaml', line: 40 } }, remediation: '', evidence: shared, fingerprint: 'c'.repeat(32) },
    ];
}
test('packed findings unpack to the same JSON, members in the same order, after crossing threads', () => {
    const findings = sample();
    const back = unpackFindings(clone(packFindings(findings)));
    assert.equal(JSON.stringify(back), JSON.stringify(findings));
    assert.deepEqual(back.map((f) => Object.keys(plainFinding(f))), findings.map((f) => Object.keys(f)));
    // Each member reads as on the plain finding, and the ones callers set (suppression, Helm mapping) can be set.
    for (let i = 0; i < findings.length; i++)
        for (const k of Object.keys(findings[i]))
            assert.deepEqual(back[i][k], findings[i][k], k);
    back[0].suppressed = { kind: 'baseline', reason: 'present in the baseline' };
    back[0].location = null;
    back[0].evidence = [];
    assert.deepEqual(JSON.parse(JSON.stringify(back[0])), { ...findings[0], location: null, evidence: [], suppressed: { kind: 'baseline', reason: 'present in the baseline' } });
});
test('what repeats crosses once: one string per distinct text, one ref per object, shared evidence lists stay shared', () => {
    const packed = packFindings(sample());
    assert.equal(packed.strings.filter((s) => s === "fix it").length, 1);
    assert.equal(packed.refs.length, 2, 'web (twice) and __proto__');
    assert.equal(packed.evidence.length, 2, 'the shared list once, the per-finding list once');
    const back = unpackFindings(clone(packed));
    assert.equal(back[0].resource, back[1].resource, 'one object for the two findings on web');
    assert.equal(back[0].evidence, back[2].evidence);
});
test('real compact findings of a scan (evidence, locations, shared texts) pack and unpack to the JSON they serialize to', async () => {
    const { findings } = await scanPaths([path.join(REPO_ROOT, 'examples/insecure')], { compactFindings: true });
    assert.ok(findings.length > 50 && findings.some((f) => f.evidence.length));
    assert.equal(JSON.stringify(unpackFindings(clone(packFindings(findings)))), JSON.stringify(findings));
});
test('messages and fingerprints cross as one text each, and each finding reads back its own (empty and unicode ones too)', () => {
    const base = sample()[0];
    const messages = ['', 'é', '\ud83d\ude00 two', '', 'x'.repeat(10_000), 'last'];
    const findings = messages.map((message, i) => ({ ...base, message, fingerprint: i % 2 ? '' : `fp${i}` }));
    const packed = clone(packFindings(findings));
    assert.ok('text' in packed.messages && packed.messages.text === messages.join(''), 'one joined text');
    const back = unpackFindings(packed);
    assert.deepEqual(back.map((f) => f.message), messages);
    assert.deepEqual(back.map((f) => f.fingerprint), findings.map((f) => f.fingerprint));
    assert.equal(JSON.stringify(back), JSON.stringify(findings));
});
