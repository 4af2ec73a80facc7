import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quoteValue } from './text.js';
test('quoteValue: short values as JSON, long ones cut with an ellipsis', () => {
    assert.equal(quoteValue('a"b\n', 20), '"a\\"b\\n"');
    assert.equal(quoteValue({ mode: 'X', n: [1, null, true] }, 60), '{"mode":"X","n":[1,null,true]}');
    assert.equal(quoteValue([undefined, () => 1], 60), '[null,null]');
    assert.equal(quoteValue({ a: undefined, b: 1 }, 60), '{"b":1}');
    assert.equal(quoteValue(undefined, 60), 'undefined');
    assert.equal(quoteValue(NaN, 60), 'null');
    assert.equal(quoteValue('x'.repeat(100), 10), `"${'x'.repeat(8)}…`);
    assert.equal(quoteValue('x'.repeat(100), 10).length, 10);
});
test('quoteValue stops at its budget: a billion-laughs tree is never expanded', () => {
    // 9^12 leaves shared by reference: whole-value JSON.stringify would never finish.
    let v = ['lol'];
    for (let i = 0; i < 12; i++)
        v = Array(9).fill(v);
    const s = quoteValue(v, 60);
    assert.equal(s.length, 60);
    assert.ok(s.startsWith('[[[[[[[[[[[[["lol"],["lol"]'), s);
    assert.ok(s.endsWith('…'));
    const cyclic = { a: 1 };
    cyclic.self = cyclic;
    assert.match(quoteValue(cyclic, 60), /^\{"a":1,"self":…/);
    const hugeKeys = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
    assert.equal(quoteValue(hugeKeys, 30), '{"k0":0,"k1":1,"k2":2,"k3":3,…');
});
