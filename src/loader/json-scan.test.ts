import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanJson } from './json-scan.js';
import { loadFiles } from './load.js';
import { Locator } from './locate.js';

test('duplicate keys, compared decoded, at any depth; equal keys in different objects are fine', () => {
  assert.equal(scanJson('{"a": 1, "b": {"a": 2}, "c": [{"a": 3}, {"a": 4}]}').duplicate, null);
  assert.deepEqual(scanJson('{"a": 1, "b": {"x": "a\\"b", "x": 2}}').duplicate, { key: 'x', offset: 28 });
  assert.equal(scanJson('{"kind": "Pod", "\\u006bind": "Secret"}').duplicate?.key, 'kind');
  assert.equal(scanJson('{"a": "{\\"a\\": 1, \\"a\\": 2}"}').duplicate, null, 'braces and keys inside strings are text');
});

test('spans of a top-level items array, for objects and scalars', () => {
  const text = '{"kind": "List", "items": [ {"a": {"b": [1, 2]}} , {"c": "]"} ], "x": {"items": [9]}}';
  const { items } = scanJson(text);
  assert.deepEqual(items?.map(([s, e]) => text.slice(s, e)), ['{"a": {"b": [1, 2]}}', '{"c": "]"}']);
  const scalars = '{"items": [1, "two", true , null]}';
  assert.deepEqual(scanJson(scalars).items?.map(([s, e]) => scalars.slice(s, e)), ['1', '"two"', 'true', 'null']);
  assert.equal(scanJson('[{"items": []}]').items, null, 'only a top-level object has List items');
});

test('a JSON List larger than the document limit loads item by item, with positions per item', async () => {
  const pod = (i: number) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: 'n' }, spec: { hostNetwork: true, pad: 'x'.repeat(200) } });
  const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: Array.from({ length: 50 }, (_, i) => pod(i)) }, null, 2);
  const res = await loadFiles([{ file: 'dump.json', text, format: 'json' }], { limits: { maxDocumentBytes: 2000 } });
  assert.deepEqual(res.errors, []);
  assert.equal(res.resources.length, 50);
  const loc = new Locator(res.files).locate(res.resources[49], ['spec', 'hostNetwork']);
  const lines = text.split('\n');
  const expected = lines.findIndex((l, i) => l.includes('"hostNetwork"') && lines.slice(0, i).join('\n').includes('"p49"')) + 1;
  assert.equal(loc?.line, expected);
  const tooBig = await loadFiles([{ file: 'dump.json', text, format: 'json' }], { limits: { maxDocumentBytes: 100 } });
  assert.equal(tooBig.resources.length, 0);
  assert.equal(tooBig.errors.length, 50);
  assert.match(tooBig.errors[0].message, /List item is \d+ bytes, over the limit of 100/);
  const single = JSON.stringify(pod(1));
  const one = await loadFiles([{ file: 'pod.json', text: single, format: 'json' }], { limits: { maxDocumentBytes: 100 } });
  assert.match(one.errors[0].message, /JSON document is \d+ bytes, over the limit of 100/);
});

test('an object past the small-object size keeps finding its duplicates, and nested objects do not share its keys', () => {
  const keys = Array.from({ length: 40 }, (_, i) => `"k${i}": {"k${i}": 1, "inner": {"k0": 2}}`).join(', ');
  assert.equal(scanJson(`{${keys}}`).duplicate, null, 'a key of an object is not a duplicate of its parent\'s');
  for (const again of [0, 15, 16, 39]) {
    const text = `{${keys}, "k${again}": 2}`;
    assert.deepEqual(scanJson(text).duplicate, { key: `k${again}`, offset: text.lastIndexOf(`"k${again}"`) });
  }
  // Keys of a closed object are dropped: the next object starts with none.
  assert.equal(scanJson('[{"a": 1, "b": {"c": 1}}, {"c": 1, "a": 2}]').duplicate, null);
});

test('strings: escaped quotes and backslashes, prototype names, an unterminated string', () => {
  const backslash = '{"a\\\\": 1, "b": "x\\\\", "a\\\\": 2}';
  assert.deepEqual(scanJson(backslash).duplicate, { key: 'a\\', offset: backslash.lastIndexOf('"a') });
  assert.equal(scanJson('{"q": "\\"{\\\\\\"", "r": "\\\\"}').duplicate, null);
  const proto = '{"__proto__": 1, "constructor": {}, "toString": 2, "__proto__": 3}';
  assert.deepEqual(scanJson(proto).duplicate, { key: '__proto__', offset: proto.lastIndexOf('"__proto__"') });
  assert.equal(scanJson('{"__proto__": {"__proto__": 1}, "hasOwnProperty": 1}').duplicate, null);
  assert.equal(scanJson('{"a": "no end').duplicate, null);
});

test('text not parsed yet (a List over the document limit) is scanned without throwing', () => {
  // An escape that does not decode in a top-level key: its raw text stands in for it.
  const text = '{"kind": "List", "\\x": 1, "items": [{"a": 1}, 2 ]}';
  const scan = scanJson(text, false);
  assert.deepEqual(scan.items?.map(([s, e]) => text.slice(s, e)), ['{"a": 1}', '2']);
  assert.equal(scanJson('{"\\x": 1, "\\x": 2}', false).duplicate?.key, '\\x');
  const broken = ']]}}{"items": [1 2, , {"b": [}]';
  assert.deepEqual(scanJson(broken, false).items?.map(([s, e]) => broken.slice(s, e)), ['1 2', '{"b": [}]']);
});

test('a List over the document limit whose top-level key holds a bad escape is a syntax error, not a crash', async () => {
  const pods = Array.from({ length: 20 }, (_, i) => `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p${i}"}}`).join(',\n');
  const text = `{"kind": "List",\n"\\x": 1,\n"items": [\n${pods}]}`;
  const res = await loadFiles([{ file: 'list.json', text, format: 'json' }], { limits: { maxDocumentBytes: 100 } });
  assert.equal(res.resources.length, 0);
  assert.deepEqual(res.errors.map((e) => [e.file, e.line]), [['list.json', 2]]);
  assert.match(res.errors[0].message, /^invalid JSON: /);
});
