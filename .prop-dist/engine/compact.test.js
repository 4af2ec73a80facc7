import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanFiles } from './scan.js';
import { FingerprintTable, plainFinding } from './run.js';
import { fingerprint, fingerprintDigest } from './fingerprint.js';
import { jsonReporter } from '../report/json.js';
import { defineRule } from '../rules/types.js';
/**
 * Compact findings (RunOptions.compact, what the CLI's scan uses) must read and serialize exactly as
 * plain ones: same members, same order, same text, whatever the names and messages hold.
 */
const FIX = 'Remove the test annotation.';
/** Reports, about every object, messages that name it in every way a rule might (and some hostile ones). */
const namingRule = defineRule({
    meta: {
        id: 'TST801',
        title: 'Names the object',
        severity: 'medium',
        category: 'egress',
        reads: ['*'],
        docs: { summary: 'Test rule.', why: 'Only tests use it.', fix: FIX, bad: 'metadata: {}' },
    },
    check({ model, report }) {
        for (const r of model.resources) {
            const q = r.namespace ? `${r.namespace}/${r.name}` : r.name;
            const messages = [
                `${r.kind} ${q} is flagged`,
                `${r.name} (${q}) mentions ${r.name} twice and ends with ${r.name}`,
                `${q}${q}`,
                'no name here at all',
                `marks \u0001 and \u0002 in the message about ${q}`,
                `${r.namespace}/${r.name}/${r.namespace} and ${r.namespace}`,
                '',
            ];
            messages.forEach((message, i) => report({
                resource: r,
                path: ['metadata', 'name'],
                key: String(i),
                message,
                ...(i === 1 ? { remediation: `Fix ${q} by hand.` } : i === 2 ? { remediation: FIX } : {}),
                ...(i === 3 ? { severity: 'critical', evidence: [{ role: 'self', description: `the object ${q}`, resource: r, path: ['kind'] }, { role: 'note', description: 'no object' }] } : {}),
            }));
            // The same finding twice: kept once.
            report({ resource: r, path: ['metadata', 'name'], key: '0', message: 'duplicate' });
        }
    },
});
// `$&`, `$1`, `$$`: replacement patterns, should a name ever be put back into a message as a replacement string.
const names = ['web', 'p', 'ab', 'shop', 'a\u0001b', 'x\u0002', '__proto__', 'constructor', 'web-web', 'o', '$&', 'a$1b', '$$', "$'"];
const yamlOf = (kind, name, ns) => `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: ${JSON.stringify(name)}\n${ns === null ? '' : `  namespace: ${JSON.stringify(ns)}\n`}`;
const docs = [
    ...names.map((n) => yamlOf('ConfigMap', n, 'shop')),
    ...names.map((n) => yamlOf('ConfigMap', n, n)),
    ...names.map((n) => yamlOf('Namespace', n, null)),
    yamlOf('ConfigMap', 'shop', 'sh'),
    yamlOf('ConfigMap', 'sh', 'shop'),
].join('---\n');
async function scan(compact) {
    const res = await scanFiles([{ file: 'x.yaml', text: docs, format: 'yaml' }], { jobs: 1, rules: [namingRule], compactFindings: compact });
    assert.deepEqual(res.errors, []);
    assert.deepEqual(res.failures, []);
    return res.findings;
}
test('compact findings read, copy and serialize exactly as plain ones', async () => {
    const plain = await scan(false);
    const compact = await scan(true);
    assert.equal(compact.length, plain.length);
    // ConfigMap shop/shop is in both lists: its findings have the same fingerprints, so are kept once.
    assert.equal(plain.length, (names.length * 3 + 2 - 1) * 7, 'duplicates dropped, every other finding kept');
    assert.ok(compact.some((f) => Object.getPrototypeOf(f) !== Object.prototype), 'the compact run made compact findings');
    for (let i = 0; i < plain.length; i++) {
        const p = plain[i];
        const c = compact[i];
        assert.deepEqual(plainFinding(c), p, `finding ${i}`);
        for (const member of ['ruleId', 'severity', 'title', 'message', 'remediation', 'fingerprint'])
            assert.equal(c[member], p[member]);
        assert.equal(JSON.stringify(c), JSON.stringify(p));
        assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(c))), ['ruleId', 'severity', 'title', 'message', 'resource', 'location', 'remediation', 'evidence', 'fingerprint']);
    }
    // Messages that hold the marks themselves, and names that do, come back as they were.
    assert.ok(compact.some((f) => f.message.includes('\u0001') && f.resource.name === 'a\u0001b'));
    assert.ok(compact.some((f) => f.message === 'web-web (shop/web-web) mentions web-web twice and ends with web-web'));
    assert.ok(compact.some((f) => f.message === 'Namespace __proto__ is flagged'));
    // Names that read as replacement patterns are put back as they are.
    for (const name of ['$&', 'a$1b', '$$', "$'"]) {
        for (const findings of [compact, plain]) {
            assert.ok(findings.some((f) => f.message === `ConfigMap shop/${name} is flagged`), `message naming ${name}`);
            assert.ok(findings.some((f) => f.message === `${name} (${name}/${name}) mentions ${name} twice and ends with ${name}`), `message naming ${name} in namespace ${name}`);
        }
    }
    // Locations are filled in, for findings and evidence alike.
    assert.ok(compact.every((f) => f.location && f.location.line >= 1 && f.location.path === 'metadata.name'));
    assert.ok(compact.filter((f) => f.evidence.length).every((f) => f.evidence[0].location?.path === 'kind' && f.evidence[1].location === undefined));
    // Suppression marks and report text are the same too.
    compact[0].suppressed = { kind: 'config', reason: 'accepted' };
    plain[0].suppressed = { kind: 'config', reason: 'accepted' };
    const report = (findings) => jsonReporter({ version: 1, findings, errors: [], summary: { bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, resources: 0, files: 1, durationMs: 0, suppressed: 1, meshConfig: 'defaults', notes: [] } }, { rules: [namingRule], color: false, cwd: '/', version: '0.0.0' });
    assert.equal(report(compact), report(plain));
});
test('the fingerprint table keeps each fingerprint once and gives it back as hex', () => {
    const table = new FingerprintTable();
    const parts = (i) => ({ ruleId: 'TST801', cluster: 'c', kind: 'Pod', namespace: 'ns', name: `p${i}`, path: 'spec' });
    const n = 20_000; // several rehashes and buffer growths
    for (let i = 0; i < n; i++)
        assert.equal(table.add(fingerprintDigest(parts(i))), i);
    for (let i = 0; i < n; i += 997)
        assert.equal(table.add(fingerprintDigest(parts(i))), -1, `duplicate ${i}`);
    assert.equal(table.size, n);
    for (let i = 0; i < n; i += 613)
        assert.equal(table.hex(i), fingerprint(parts(i)));
    assert.match(table.hex(n - 1), /^[0-9a-f]{32}$/);
    // Byte order is the hex strings' order (findings are sorted by it).
    const sign = (x) => Math.sign(x);
    for (let i = 0; i < n; i += 211) {
        for (const j of [i, (i * 7919) % n, n - 1 - i, (i + 1) % n])
            assert.equal(sign(table.compare(i, j)), sign(table.hex(i) < table.hex(j) ? -1 : table.hex(i) > table.hex(j) ? 1 : 0), `compare ${i} ${j}`);
    }
});
