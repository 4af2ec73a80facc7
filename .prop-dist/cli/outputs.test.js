import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveOutputs, parseFailOn } from './outputs.js';
import { UsageError } from './io.js';
/** Flags as commander would hand them over for an argument list. */
function flags(argv) {
    const format = [];
    const output = [];
    const report = [];
    argv.forEach((a, i) => {
        if (a === '-f')
            format.push({ value: argv[i + 1], seq: i });
        if (a === '-o')
            output.push({ value: argv[i + 1], seq: i });
        if (a === '--report')
            report.push(argv[i + 1]);
    });
    return { format, output, report };
}
test('resolveOutputs pairs each --output with the --format before it', () => {
    assert.deepEqual(resolveOutputs(flags([])), [{ format: 'text', file: null }]);
    assert.deepEqual(resolveOutputs(flags(['-o', 'x.json', '-f', 'JSON'])), [{ format: 'json', file: 'x.json' }], 'one pair, any order, any case');
    assert.deepEqual(resolveOutputs(flags(['-f', 'sarif', '-o', 'x.sarif', '-f', 'text'])), [
        { format: 'sarif', file: 'x.sarif' },
        { format: 'text', file: null },
    ]);
    assert.deepEqual(resolveOutputs(flags(['-f', 'compact', '-f', 'junit', '-o', 'j.xml', '--report', 'gitlab:g.json'])), [
        { format: 'compact', file: null },
        { format: 'junit', file: 'j.xml' },
        { format: 'gitlab', file: 'g.json' },
    ]);
    assert.deepEqual(resolveOutputs(flags(['--report', 'sarif:a/b.sarif'])), [{ format: 'sarif', file: 'a/b.sarif' }], 'no default text when only --report');
    assert.deepEqual(resolveOutputs(flags(['--report', 'json:-'])), [{ format: 'json', file: null }]);
});
test('resolveOutputs refuses ambiguous or impossible combinations', () => {
    for (const argv of [
        ['-f', 'text', '-f', 'json'],
        ['-o', 'a', '-f', 'json', '-o', 'b'],
        ['-f', 'json', '-o', 'a', '-o', 'b'],
        ['-f', 'yaml'],
        ['--report', 'json'],
        ['--report', ':x'],
        ['--report', 'json:'],
        ['-f', 'json', '-o', 'x', '--report', 'sarif:x'],
        ['-f', 'text', '--report', 'json:-'],
    ]) {
        assert.throws(() => resolveOutputs(flags(argv)), UsageError, argv.join(' '));
    }
});
test('parseFailOn takes any case and refuses the rest', () => {
    assert.equal(parseFailOn('HIGH'), 'high');
    assert.equal(parseFailOn('None'), 'none');
    assert.throws(() => parseFailOn('loud'), /expected one of critical, high, medium, low, info, none/);
});
