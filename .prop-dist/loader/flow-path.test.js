import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocument } from 'yaml';
import { flowOffsetAlongPath, flowRootOffset } from './flow-path.js';
import { offsetAlongPath } from './yaml-path.js';
import { loadFiles } from './load.js';
import { Locator } from './locate.js';
/** Every path to every node of a value. */
function allPaths(v, prefix = [], out = []) {
    out.push(prefix);
    if (Array.isArray(v))
        v.forEach((x, i) => allPaths(x, [...prefix, i], out));
    else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v))
            allPaths(x, [...prefix, k], out);
    return out;
}
const DOCS = [
    '{a: 1, b: [x, y, {c: d}], "q k": {e: f}}',
    "{'it''s': [1, 2], \"a,b\": {\"x\\\"y\": z}, plain words: two words here, n: null}",
    '---\n# comment {not: this}\n{\n  a: [ [1, 2], [3, {deep: [4, 5]}] ],   # trailing comment, with {brackets}\n  b: "string with ] and }",\n  c: \'single with , and ]\',\n  d: &anchor {x: 1},\n  e: !!str tagged,\n  f: {}, g: [],\n  9090: port\n}\n',
    '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"app.kubernetes.io/name": "x"}}, "spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80}]}]}}',
    '[a, {b: c}, [d, e], "f, g"]',
];
test('flow scan finds the same offsets as the yaml library, for every path', () => {
    for (const text of DOCS) {
        const doc = parseDocument(text, { uniqueKeys: false });
        assert.equal(doc.errors.length, 0, `${text}: ${doc.errors.map((e) => e.message).join('; ')}`);
        const root = flowRootOffset(text, 0, text.length);
        assert.ok(root >= 0, text);
        for (const path of allPaths(doc.toJS())) {
            const expected = offsetAlongPath(doc.contents, path);
            assert.equal(flowOffsetAlongPath(text, root, text.length, path, root), expected, `${JSON.stringify(path)} in ${text}`);
        }
    }
});
test('flow scan: a path that does not exist stops at the deepest node that does', () => {
    const text = '{a: {b: [x, y]}}';
    assert.equal(flowOffsetAlongPath(text, 0, text.length, ['a', 'missing'], 0), 1);
    assert.equal(flowOffsetAlongPath(text, 0, text.length, ['a', 'b', 5], 0), 5);
    assert.equal(flowOffsetAlongPath(text, 0, text.length, ['nope'], 0), 0);
    assert.equal(flowRootOffset('a: {b: c}', 0, 9), -1, 'a block document is not flow');
});
test('flow scan: nesting far deeper than any parser allows costs no stack', () => {
    const text = `{a: ${'['.repeat(200_000)}${']'.repeat(200_000)}, b: 1}`;
    assert.equal(flowOffsetAlongPath(text, 0, text.length, ['b'], 0), text.length - 5);
});
test('locating a finding inside block, flow and JSON documents', async () => {
    const yaml = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  containers: [{name: a, securityContext: {runAsUser: 1337}}]\n';
    const flow = '{apiVersion: v1, kind: Pod, metadata: {name: q, namespace: ns},\n spec: {containers: [{name: a,\n   securityContext: {runAsUser: 1337}}]}}\n';
    const json = '{"apiVersion": "v1", "kind": "List", "items": [\n {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "r"},\n  "spec": {"containers": [{"name": "a", "securityContext": {"runAsUser": 1337}}]}}\n]}';
    const res = await loadFiles([
        { file: 'a.yaml', text: yaml, format: 'yaml' },
        { file: 'b.yaml', text: flow, format: 'yaml' },
        { file: 'c.json', text: json, format: 'json' },
    ]);
    assert.deepEqual(res.errors, []);
    const loc = new Locator(res.files);
    const path = ['spec', 'containers', 0, 'securityContext', 'runAsUser'];
    assert.deepEqual(res.resources.map((r) => {
        const l = loc.locate(r, path);
        return [l?.line, l?.column];
    }), [
        [5, 44],
        [3, 22],
        [3, 61],
    ]);
});
test('a block document too large for a syntax tree is located at its first line, not parsed again', async () => {
    const lines = Array.from({ length: 310_000 }, (_, i) => `  k${i}: v`).join('\n');
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big, namespace: ns}\ndata:\n${lines}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: small, namespace: ns}\ndata:\n  k: v\n`;
    const res = await loadFiles([{ file: 'big.yaml', text, format: 'yaml' }]);
    assert.deepEqual(res.errors, []);
    const loc = new Locator(res.files);
    assert.deepEqual(loc.locate(res.resources[0], ['data', 'k5']), { file: 'big.yaml', line: 1, column: 1, path: 'data.k5' });
    assert.equal(loc.locate(res.resources[1], ['data', 'k'])?.line, 310_010, 'the next, ordinary document is located exactly');
});
