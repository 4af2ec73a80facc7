import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFiles } from './load.js';

const good = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: survivor, namespace: ns}\n';
const load = (text: string, limits = {}) => loadFiles([{ file: 'evil.yaml', text: `${good}---\n${text}\n---\n${good.replace('survivor', 'after')}`, format: 'yaml' }], { limits });

/** Every hostile document becomes one error with a line; the documents around it still load. */
async function expectError(text: string, pattern: RegExp, limits = {}) {
  const res = await load(text, limits);
  assert.deepEqual(
    res.resources.map((r) => r.name),
    ['survivor', 'after'],
  );
  assert.equal(res.errors.length, 1, JSON.stringify(res.errors));
  assert.equal(res.errors[0].file, 'evil.yaml');
  assert.ok(res.errors[0].line >= 4, `line ${res.errors[0].line}`);
  assert.match(res.errors[0].message, pattern);
  return res.errors[0];
}

test('malformed YAML', async () => {
  const e = await expectError('apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n', /invalid YAML/);
  assert.ok(e.line >= 5);
});

test('alias bomb (billion laughs)', async () => {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
  lines.push('kind: ConfigMap', 'apiVersion: v1');
  const started = Date.now();
  await expectError(lines.join('\n'), /alias bomb/);
  assert.ok(Date.now() - started < 10_000);
});

test('very deep nesting', async () => {
  await expectError('x: ' + '['.repeat(100_000) + ']'.repeat(100_000), /nested/);
  await expectError('x: ' + '['.repeat(300) + ']'.repeat(300), /nested deeper than 200/);
});

test('huge documents are refused by size', async () => {
  await expectError(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  blob: "${'A'.repeat(5000)}"`, /over the limit of 1000/, { maxDocumentBytes: 1000 });
});

test('custom tags are not executed or resolved', async () => {
  await expectError('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: t}\ndata:\n  x: !!js/function "function(){ process.exit(9) }"', /unknown tag/);
  await expectError('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: t}\ndata:\n  x: !include /etc/passwd', /unknown tag/);
});

test("another tool's file with its own tags (mkdocs.yml) is skipped with a note, not an error; in a possible object the tag stays one", async () => {
  const mkdocs = 'site_name: Docs\nmarkdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n';
  const res = await load(mkdocs);
  assert.deepEqual(res.errors, []);
  assert.deepEqual(res.resources.map((r) => r.name), ['survivor', 'after']);
  assert.ok(res.notes.some((n) => /evil\.yaml:4: skipped a document that is not a Kubernetes object/.test(n)), JSON.stringify(res.notes));
  // CloudFormation's short tags, too; nothing is resolved either way.
  assert.deepEqual((await load('Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: !Ref Name}\n')).errors, []);
  // A kind or apiVersion anywhere (block or flow style) keeps the error: the document may be an object.
  await expectError('kind: ConfigMap\ndata:\n  x: !!python/name:os.system\n', /unknown tag/);
  await expectError('{"apiVersion": v1, data: !Ref x}', /unknown tag/);
});

test('a mapping or a sequence as a mapping key is refused at its line, not read as "[object Object]"; in a foreign file it is skipped', async () => {
  // Two different keys that js-yaml would both turn into "[object Object]": one would silently replace the other.
  const e = await expectError('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t\n  labels:\n    ? {team: a}\n    : x\n    ? {team: b}\n    : y\n', /invalid YAML: a mapping key is itself a mapping or a sequence; a Kubernetes object's keys are strings/);
  assert.equal(e.line, 10, 'the line of the first such key');
  await expectError('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: t}\ndata:\n  [a, b]: x\n', /a mapping key is itself a mapping or a sequence/);
  await expectError('{"apiVersion": "v1", "kind": "ConfigMap", "data": {{"k": 1}: "x"}}', /a mapping key is itself a mapping or a sequence/);
  // Through an alias to a mapping, too.
  await expectError('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: t}\nx: &k {a: 1}\ndata:\n  ? *k\n  : y\n', /a mapping key is itself a mapping or a sequence/);
  // Inside a sequence too long to spread into one call (the check walks it item by item).
  const items = Array.from({ length: 300_000 }, (_, i) => i).join(', ');
  await expectError(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: t}\ndata:\n  list: [${items}, {? {a: 1} : x}]\n`, /a mapping key is itself a mapping or a sequence/, { maxDocumentBytes: 10_000_000, maxFileBytes: 10_000_000, maxNodesPerDocument: 10_000_000 });
  // Look-alikes are ordinary keys and values: a quoted key, a `?` inside a value, a flow value before a colon in a string.
  const fine = await load('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\ndata:\n  "[a]": x\n  q: "why ? not"\n  lua: "t[1]: 2"\n  ? plain\n  : z\n');
  assert.deepEqual(fine.errors, []);
  const cm = fine.resources.find((r) => r.name === 'fine');
  assert.deepEqual(cm?.obj.data, { '[a]': 'x', q: 'why ? not', lua: 't[1]: 2', plain: 'z' });
  // Another tool's file (no apiVersion or kind anywhere) with such a key is skipped with the note.
  const foreign = await load('matrix:\n  ? [linux, amd64]\n  : build\n');
  assert.deepEqual(foreign.errors, []);
  assert.ok(foreign.notes.some((n) => /evil\.yaml:4: skipped a document that is not a Kubernetes object/.test(n)), JSON.stringify(foreign.notes));
});

test('duplicate keys', async () => {
  await expectError('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n', /duplicated mapping key/);
});

test('error messages never quote the input', async () => {
  const res = await load('apiVersion: v1\nkind: Secret\ndata: {token: SUPER-SECRET-CANARY: x}\n');
  assert.equal(res.errors.length, 1);
  assert.doesNotMatch(JSON.stringify(res.errors), /SUPER-SECRET-CANARY/);
});

test('binary files and invalid UTF-8 (through the file reader)', async () => {
  const { promises: fs } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { loadPaths } = await import('./load.js');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-hostile-'));
  await fs.writeFile(path.join(dir, 'a.yaml'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
  await fs.writeFile(path.join(dir, 'b.yaml'), Buffer.from([0x6b, 0x3a, 0x20, 0xff, 0xfe]));
  await fs.writeFile(path.join(dir, 'c.yaml'), good);
  await fs.writeFile(path.join(dir, 'd.json'), '{"apiVersion": "v1", "kind": "ConfigMap", "kind": "Secret", "metadata": {"name": "x"}}');
  await fs.writeFile(path.join(dir, 'e.json'), '{"apiVersion": "v1",\n "kind": }');
  await fs.symlink('/etc/passwd', path.join(dir, 'f.yaml'));
  const res = await loadPaths([dir]);
  assert.deepEqual(
    res.resources.map((r) => r.name),
    ['survivor'],
  );
  const byFile = Object.fromEntries(res.errors.map((e) => [e.file.split('/').pop(), e]));
  assert.match(byFile['a.yaml'].message, /binary/);
  assert.match(byFile['b.yaml'].message, /UTF-8/);
  assert.match(byFile['d.json'].message, /duplicated key "kind"/);
  assert.match(byFile['e.json'].message, /invalid JSON/);
  assert.equal(byFile['e.json'].line, 2);
  assert.equal(byFile['f.yaml'], undefined, 'symbolic links inside a scanned folder are not followed');
  await fs.rm(dir, { recursive: true });
});

test('hostile field types do not crash the loader', async () => {
  const res = await load('apiVersion: v1\nkind: Pod\nmetadata: [1, 2]\nspec: "not a map"');
  assert.deepEqual(res.errors, []);
  assert.equal(res.resources.length, 3);
  assert.equal(res.resources[1].name, '(unnamed)');
});

test('merge keys are merged, so a field hidden behind `<<:` is still seen', async () => {
  const res = await load('base: &base {hostNetwork: true}\napiVersion: v1\nkind: Pod\nmetadata: {name: sneaky, namespace: ns}\nspec:\n  <<: *base\n  containers: []\n');
  assert.deepEqual(res.errors, []);
  const pod = res.resources.find((r) => r.name === 'sneaky');
  assert.equal(pod?.obj.spec.hostNetwork, true);
  assert.equal(pod?.obj.spec['<<'], undefined);
});
