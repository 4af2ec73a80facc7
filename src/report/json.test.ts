import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonForOutput } from '../engine/text.js';
import { jsonArrayChunks, jsonReportChunks, jsonReporter } from './json.js';
import type { Report } from './types.js';

// jsonArrayChunks stringifies items several at a time nested in arrays and cuts the brackets off
// again: the text must be jsonForOutput's (JSON.stringify's, bidi, zero-width and C1 characters
// escaped), whatever the items and the depth.

/** The array `items` at `depth`, as jsonForOutput writes it inside its parents. */
function expected(items: unknown[], depth: number): string {
  const wrap = (v: unknown) => {
    for (let i = 0; i < depth; i++) v = { k: v };
    return v;
  };
  const text = jsonForOutput(wrap(items));
  // The parents' text before and after the array, from an empty one.
  const probe = JSON.stringify(wrap([]), null, 2);
  const at = probe.indexOf('[]');
  return text.slice(at, text.length - (probe.length - at - 2));
}

function arrayText(items: unknown[], depth: number): string {
  return [...jsonArrayChunks('', items, depth)].join('');
}

const odd = [
  { a: 1, b: [1, 2, { c: 'x\n"y"\u001b\u2028\ud83d\ude00\ud800' }], d: {}, e: [], f: null, g: undefined, h: () => 1, i: -0, j: NaN, k: 1e21 },
  { 'key\u202e\u200b': 'bidi \u202e, zero-width \u200b, C1 \u0085 \u009b, separators \u2028\u2029, BOM \ufeff, DEL \u007f' },
  { toJSON: (key: string) => ({ key: typeof key, nested: { toJSON: () => 'from toJSON' } }) },
  new Date(0),
  'a string',
  42,
  null,
  undefined,
  () => 'a function',
  [[[]], [{}], [[1, [2, [3]]]]],
  Object.assign(Object.create(null) as object, { constructor: 'own' }),
  JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
  { [Symbol('s')]: 1, visible: true },
  new (class Thing {
    x = 1;
  })(),
  Object.defineProperty({}, 'hidden', { value: 1, enumerable: false }),
  { 2: 'two', 1: 'one', b: 'b', a: 'a' },
];

test('jsonForOutput text for every kind of item, at every depth', () => {
  for (const depth of [0, 1, 2, 3, 5]) {
    for (const items of [[], [1], odd, [...odd, ...odd, ...odd]]) {
      const text = arrayText(items, depth);
      // Parsed back, the same data; and re-stringified at its depth, the same text.
      assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(items)), `depth ${depth}`);
      assert.equal(text, expected(items, depth), `depth ${depth}, ${items.length} items`);
      assert.doesNotMatch(text, /[\u007f-\u009f\u200b-\u200f\u2028-\u202e\ufeff]/, 'no bidi, zero-width or C1 character raw');
    }
  }
});

test('many items of very different sizes: same text, chunks bounded', () => {
  const items = Array.from({ length: 3000 }, (_, i) => ({ i, text: 'x'.repeat((i * 7919) % 9000), list: i % 5 ? [] : [{ n: i }] }));
  const chunks = [...jsonArrayChunks('HEAD', items, 2)];
  assert.ok(chunks.length > 5, `${chunks.length} chunks`);
  for (const c of chunks) assert.ok(c.length <= (1 << 20) + 10_000, `a chunk of ${c.length} characters`);
  assert.equal(chunks.join(''), `HEAD${expected(items, 2)}`);
  // One item larger than a chunk is written whole.
  const huge = [{ a: 'y'.repeat(3 << 20) }, { b: 1 }];
  assert.equal([...jsonArrayChunks('', huge, 1)].join(''), expected(huge, 1));
});

test('the whole report, through jsonReportChunks, is jsonReporter\'s text: JSON.stringify(report, null, 2) with bidi, zero-width and C1 characters escaped', () => {
  const findings = Array.from({ length: 2000 }, (_, i) => ({
    ruleId: `R${i % 9}`,
    severity: 'high' as const,
    title: 'T',
    message: `m ${i} "q" \u0000${i % 7 ? '' : ' \u202e\u200b\u0085\u2028'}`,
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
  const report = { version: 1, findings, errors: [], summary: { bySeverity: { critical: 0, high: 2000, medium: 0, low: 0, info: 0 }, resources: 1, files: 0, durationMs: 1, suppressed: 0, meshConfig: 'defaults', notes: ['a note \u202e\u2069'] } } as unknown as Report;
  const text = [...jsonReportChunks(report)].join('');
  assert.equal(text, jsonReporter(report, undefined as never));
  assert.equal(text, JSON.stringify(report, null, 2).replace(/[\u202e\u200b\u0085\u2028\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n');
  assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(report)), 'the same strings once parsed');
});
