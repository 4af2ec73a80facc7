import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wrap, compactReporter, textReporter } from './text.js';
test('wrap: lines fit the width, first and hanging indents respected, long words cut', () => {
    const text = 'one two three four five six seven eight nine ten eleven twelve';
    assert.deepEqual(wrap(text, undefined, 4, 4), [text], 'no width, no wrapping');
    const lines = wrap(text, 30, 10, 12);
    assert.equal(lines.join(' '), text);
    assert.ok(lines[0].length <= 20);
    for (const l of lines.slice(1))
        assert.ok(l.length <= 18, l);
    const cut = wrap('x'.repeat(45), 30, 0, 0);
    assert.deepEqual(cut.map((l) => l.length), [30, 15]);
});
const finding = (over) => ({
    ruleId: 'BYP001',
    severity: 'high',
    title: 't',
    message: 'container "app" runs as 1337.',
    resource: { cluster: 'default', apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'web' },
    location: { file: 'pod.yaml', line: 11, column: 7, path: 'spec' },
    remediation: 'Fix it. More.',
    evidence: [],
    fingerprint: 'f',
    ...over,
});
const report = (findings) => ({
    version: 1,
    findings,
    errors: [{ file: 'bad\u0007.yaml', line: 3, message: 'invalid\nYAML' }],
    summary: { bySeverity: { critical: 0, high: 1, medium: 0, low: 0, info: 0 }, resources: 1, files: 1, durationMs: 1, suppressed: 0, meshConfig: 'defaults', notes: ['note \u001b[2J'] },
});
const ctx = { rules: [], color: false, cwd: '/', version: '0' };
test('compact: SEVERITY [ID] (Kind ns/name file:line) message, Helm rendered lines, escaped', () => {
    const out = compactReporter(report([
        finding({}),
        finding({ ruleId: 'EGR001', severity: 'low', resource: { cluster: 'default', apiVersion: 'v1', kind: 'Namespace', namespace: '', name: 'n\u202e' }, location: null, message: 'multi\nline' }),
        finding({ location: { file: 'shop/templates/d.yaml', line: 1, column: 1, path: '', rendered: { file: '<stdin>', line: 63 } } }),
    ]), ctx);
    assert.deepEqual(out.trimEnd().split('\n'), [
        'HIGH [BYP001] (Pod shop/web pod.yaml:11) container "app" runs as 1337.',
        'LOW [EGR001] (Namespace n\\u202e) multi\\u000aline',
        'HIGH [BYP001] (Pod shop/web shop/templates/d.yaml (rendered <stdin>:63)) container "app" runs as 1337.',
        'ERROR [load] (bad\\u0007.yaml:3) invalid\\u000aYAML',
    ]);
});
test('text: notes and errors escaped, suppressed findings marked', () => {
    const out = textReporter(report([finding({ suppressed: { kind: 'baseline', reason: 'present in the baseline' } })]), ctx);
    assert.doesNotMatch(out, /[\u0007\u001b]/);
    assert.match(out, /note: note \\u001b\[2J/);
    assert.match(out, /bad\\u0007\.yaml:3  invalid\\u000aYAML/);
    assert.match(out, /HIGH, SUPPRESSED \(1\)[\s\S]*suppressed \(baseline\): present in the baseline/);
});
