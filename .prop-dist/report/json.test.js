import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonArrayChunks, jsonReportChunks } from './json.js';
// jsonArrayChunks stringifies items several at a time nested in arrays and cuts the brackets off
// again: the text must be JSON.stringify's, whatever the items and the depth.
/** The array `items` at `depth`, as JSON.stringify writes it inside its parents. */
function expected(items, depth) {
    const wrap = (v) => {
        for (let i = 0; i < depth; i++)
            v = { k: v };
        return v;
    };
    const text = JSON.stringify(wrap(items), null, 2);
    // The parents' text before and after the array, from an empty one.
    const probe = JSON.stringify(wrap([]), null, 2);
    const at = probe.indexOf('[]');
    return text.slice(at, text.length - (probe.length - at - 2));
}
function arrayText(items, depth) {
    return [...jsonArrayChunks('', items, depth)].join('');
}
const odd = [
    { a: 1, b: [1, 2, { c: 'x\n"y"\u001b\u2028\ud83d\ude00\ud800' }], d: {}, e: [], f: null, g: undefined, h: () => 1, i: -0, j: NaN, k: 1e21 },
    { toJSON: (key) => ({ key: typeof key, nested: { toJSON: () => 'from toJSON' } }) },
    new Date(0),
    'a string',
    42,
    null,
    undefined,
    () => 'a function',
    [[[]], [{}], [[1, [2, [3]]]]],
    Object.assign(Object.create(null), { constructor: 'own' }),
    JSON.parse('{"__proto__": {"polluted": true}}'),
    { [Symbol('s')]: 1, visible: true },
    new (class Thing {
        x = 1;
    })(),
    Object.defineProperty({}, 'hidden', { value: 1, enumerable: false }),
    { 2: 'two', 1: 'one', b: 'b', a: 'a' },
];
test('JSON.stringify text for every kind of item, at every depth', () => {
    for (const depth of [0, 1, 2, 3, 5]) {
        for (const items of [[], [1], odd, [...odd, ...odd, ...odd]]) {
            const text = arrayText(items, depth);
            // Parsed back, the same data; and re-stringified at its depth, the same text.
            assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(items)), `depth ${depth}`);
            assert.equal(text, expected(items, depth), `depth ${depth}, ${items.length} items`);
        }
    }
});
test('many items of very different sizes: same text, chunks bounded', () => {
    const items = Array.from({ length: 3000 }, (_, i) => ({ i, text: 'x'.repeat((i * 7919) % 9000), list: i % 5 ? [] : [{ n: i }] }));
    const chunks = [...jsonArrayChunks('HEAD', items, 2)];
    assert.ok(chunks.length > 5, `${chunks.length} chunks`);
    for (const c of chunks)
        assert.ok(c.length <= (1 << 20) + 10_000, `a chunk of ${c.length} characters`);
    assert.equal(chunks.join(''), `HEAD${expected(items, 2)}`);
    // One item larger than a chunk is written whole.
    const huge = [{ a: 'y'.repeat(3 << 20) }, { b: 1 }];
    assert.equal([...jsonArrayChunks('', huge, 1)].join(''), expected(huge, 1));
});
test('the whole report, through jsonReportChunks, is JSON.stringify(report, null, 2)', () => {
    const findings = Array.from({ length: 2000 }, (_, i) => ({
        ruleId: `R${i % 9}`,
        severity: 'high',
        title: 'T',
        message: `m ${i} "q" \u0000`,
        resource: { cluster: 'c', apiVersion: 'v1', kind: 'Pod', namespace: 'n', name: `p${i}` },
        location: i % 3 ? null : { cluster: 'c', object: `Pod/n/p${i}`, path: 'spec' },
        remediation: 'r',
        evidence: i % 4 ? [] : [{ role: 'r', description: 'd' }],
        fingerprint: String(i),
        toJSON() {
            const { toJSON: _, ...plain } = this;
            return plain;
        },
    }));
    const report = { version: 1, findings, errors: [], summary: { bySeverity: { critical: 0, high: 2000, medium: 0, low: 0, info: 0 }, resources: 1, files: 0, durationMs: 1, suppressed: 0, meshConfig: 'defaults', notes: [] } };
    assert.equal([...jsonReportChunks(report)].join(''), JSON.stringify(report, null, 2) + '\n');
});
