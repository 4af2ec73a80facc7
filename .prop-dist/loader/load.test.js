import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFiles } from './load.js';
import { Locator } from './locate.js';
import { splitYamlDocuments } from './split.js';
const yamlFile = (text, file = 'in.yaml') => ({ file, text, format: 'yaml' });
test('splits on --- and ... at column 0 only, keeping absolute lines', () => {
    const text = 'a: 1\n---\nb: |\n  --- not a marker\n---\n# comment\nc: 3\n...\nd: 4\n';
    const spans = splitYamlDocuments(text);
    assert.deepEqual(spans.map((s) => s.line), [1, 2, 5, 9]);
    assert.equal(text.slice(spans[1].start, spans[1].end), '---\nb: |\n  --- not a marker\n');
});
test('multi-document YAML, Lists and defaults for namespace and cluster scope', async () => {
    const text = `apiVersion: v1
kind: Service
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: c, namespace: other}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: reader}
---
just: a config file
---
`;
    const res = await loadFiles([yamlFile(text)], { defaultNamespace: 'tenant-x', cluster: 'east' });
    assert.deepEqual(res.errors, []);
    assert.deepEqual(res.resources.map((r) => [r.kind, r.namespace, r.name, r.cluster, r.group]), [
        ['Service', 'tenant-x', 'a', 'east', ''],
        ['Namespace', '', 'shop', 'east', ''],
        ['ConfigMap', 'other', 'c', 'east', ''],
        ['ClusterRole', '', 'reader', 'east', 'rbac.authorization.k8s.io'],
    ]);
    assert.equal(res.notes.length, 1);
    assert.match(res.notes[0], /in\.yaml:18: skipped a document that is not a Kubernetes object/);
    const loc = new Locator(res.files);
    assert.equal(loc.locate(res.resources[2], ['metadata', 'name'])?.line, 14);
    assert.equal(loc.locate(res.resources[3])?.line, 15);
    // A path that does not exist points at the deepest part that does.
    assert.equal(loc.locate(res.resources[0], ['spec', 'ports', 0])?.line, 5 - 4);
});
test('JSON files, with positions for findings', async () => {
    const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'n' }, spec: { hostNetwork: true } }] }, null, 2);
    const res = await loadFiles([{ file: 'pods.json', text, format: 'json' }]);
    assert.equal(res.resources.length, 1);
    const loc = new Locator(res.files).locate(res.resources[0], ['spec', 'hostNetwork']);
    assert.equal(loc?.line, text.split('\n').findIndex((l) => l.includes('hostNetwork')) + 1);
    assert.equal(loc?.path, 'spec.hostNetwork');
});
test('parsing on worker threads gives the same result as on the main thread', async () => {
    const docs = [];
    for (let i = 0; i < 30000; i++)
        docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\n  namespace: ns${i % 7}\ndata:\n  key: "${'x'.repeat(80)}"\n`);
    const text = docs.join('---\n') + '---\n: bad: yaml\n';
    const one = await loadFiles([yamlFile(text)], { jobs: 1 });
    const two = await loadFiles([yamlFile(text)], { jobs: 2 });
    assert.equal(one.resources.length, 30000);
    assert.deepEqual(two.resources.map((r) => r.name), one.resources.map((r) => r.name));
    assert.deepEqual(two.errors, one.errors);
    assert.equal(one.errors.length, 1);
    assert.equal(one.errors[0].line, 30000 * 8 + 1);
});
test('positions through quoted and numeric keys, flow collections and aliases', async () => {
    const text = `apiVersion: v1
kind: ConfigMap
metadata: {name: flow, namespace: ns}
data:
  "quoted key": x
  9090: port
  list: [a, {b: c}]
  anchored: &a
    deep: 1
  again: *a
`;
    const res = await loadFiles([yamlFile(text)]);
    const loc = new Locator(res.files);
    const r = res.resources[0];
    assert.equal(loc.locate(r, ['data', 'quoted key'])?.line, 5);
    assert.equal(loc.locate(r, ['data', '9090'])?.line, 6);
    assert.equal(loc.locate(r, ['metadata', 'name'])?.line, 3, 'through a flow mapping');
    assert.equal(loc.locate(r, ['data', 'list', 1, 'b'])?.line, 7);
    assert.equal(loc.locate(r, ['data', 'anchored', 'deep'])?.line, 9);
    assert.equal(loc.locate(r, ['data', 'again'])?.line, 10);
    assert.equal(loc.locate(r, ['data', 'list', 1, 'b'])?.column, 14);
});
