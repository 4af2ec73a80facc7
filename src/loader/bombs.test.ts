// Resource bombs and crash inputs, each run through the built CLI in a child process with a small
// heap (--max-old-space-size): the run must end with a clear error naming the file and line, never
// with an out-of-memory abort, a stack overflow or a kill at the generous time limit (which only
// stops a hang; speed is measured by `npm run bench`, not here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI_PATH } from '../testing/kit.js';
import { loadFiles } from './load.js';
import { mayExpandAliases } from './yaml-bounded.js';
import { parseKubeconfig } from '../kubeconfig/parse.js';

const HEAP_MB = 192;
const HANG_LIMIT_MS = 120_000;

interface Capped {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runCapped(args: string[], cwd: string, heapMb = HEAP_MB, spawnOpts: { uid?: number; gid?: number } = {}): Promise<Capped> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, CLI_PATH, ...args], {
      cwd,
      ...spawnOpts,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    const killer = setTimeout(() => child.kill('SIGKILL'), HANG_LIMIT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

async function tempFiles(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-bombs-'));
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text);
  return dir;
}

/** A scan of `name` that must end normally (exit 1: findings or load errors) with one load error matching `pattern`. */
async function expectScanError(files: Record<string, string>, name: string, pattern: RegExp, shownFile = name) {
  const dir = await tempFiles(files);
  try {
    const r = await runCapped(['scan', name, '--format', 'json'], dir);
    assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr.slice(0, 500)}`);
    assert.doesNotMatch(r.stderr, /heap out of memory|RangeError|internal error/, r.stderr.slice(0, 500));
    assert.equal(r.code, 1, r.stderr.slice(0, 500));
    const report = JSON.parse(r.stdout) as { errors: Array<{ file: string; line: number; message: string }> };
    const hit = report.errors.find((e) => pattern.test(e.message));
    assert.ok(hit, JSON.stringify(report.errors).slice(0, 500));
    assert.equal(hit.file, shownFile);
    if (shownFile === name) assert.ok(hit.line >= 1, `line ${hit.line}`);
    return report;
  } finally {
    await fs.rm(dir, { recursive: true });
  }
}

const HEADER = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb, namespace: ns}\n';

/** Anchors each merging the previous one: js-yaml copies i keys into the i-th, quadratic work. */
function mergeChain(n: number, indent = '  '): string {
  const lines = [`${indent}a0: &a0 {k0: v}`];
  for (let i = 1; i < n; i++) lines.push(`${indent}a${i}: &a${i} {<<: *a${i - 1}, k${i}: v}`);
  return lines.join('\n');
}

test('merge-key chain bomb (quadratic copying inside js-yaml) is refused before it is expanded', async () => {
  // 20,000 links: 200 million key copies and gigabytes unbounded; far over the 192 MB heap.
  await expectScanError({ 'chain.yaml': `${HEADER}data:\n${mergeChain(20_000)}\n` }, 'chain.yaml', /merge-key bomb/);
});

test('merge-key list bomb (`<<: [*a, *a, ...]`) is refused before it is expanded', async () => {
  const refs = Array(300).fill('*a999').join(', ');
  const lines = [mergeChain(1000)];
  for (let j = 0; j < 300; j++) lines.push(`  b${j}: {<<: [${refs}]}`);
  await expectScanError({ 'list.yaml': `${HEADER}data:\n${lines.join('\n')}\n` }, 'list.yaml', /merge-key bomb/);
});

function billionLaughs(last: string): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
  lines.push(last);
  return lines.join('\n');
}

test('billion laughs in the istio ConfigMap data.mesh is refused, not stringified whole', async () => {
  const mesh = billionLaughs('outboundTrafficPolicy: {mode: *a9}');
  const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: ${JSON.stringify(mesh)}\n`;
  await expectScanError({ 'istio.yaml': cm }, 'istio.yaml', /ConfigMap istio-system\/istio data\.mesh: expands to too many nodes/, '<mesh config>');
});

test('billion laughs in --mesh-config is a usage error naming the file and line', async () => {
  const dir = await tempFiles({ 'mesh.yaml': billionLaughs('outboundTrafficPolicy: {mode: *a9}'), 'pod.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\n' });
  try {
    const r = await runCapped(['scan', 'pod.yaml', '--mesh-config', 'mesh.yaml'], dir);
    assert.equal(r.signal, null);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--mesh-config mesh\.yaml:\d+: expands to too many nodes/);
  } finally {
    await fs.rm(dir, { recursive: true });
  }
});

test('merge-key bomb in a kubeconfig is refused before it is expanded', async () => {
  const kubeconfig = `apiVersion: v1\nkind: Config\nclusters: []\nx-anchors:\n${mergeChain(20_000)}\n`;
  const dir = await tempFiles({ 'kubeconfig.yaml': kubeconfig });
  try {
    const r = await runCapped(['kubeconfig', '--format', 'json', 'kubeconfig.yaml'], dir);
    assert.equal(r.signal, null, r.stderr.slice(0, 500));
    assert.doesNotMatch(r.stderr, /heap out of memory|RangeError|internal error/);
    assert.match(r.stdout + r.stderr, /merge-key bomb/);
  } finally {
    await fs.rm(dir, { recursive: true });
  }
});

test('a JSON document over the document limit is refused by size, before it is parsed', async () => {
  // 40 MB of one document under a 192 MB heap: JSON.parse of it alone would need several times that.
  const body = Array.from({ length: 800_000 }, (_, i) => `"k${i}": "${'v'.repeat(40)}"`).join(', ');
  const report = await expectScanError({ 'big.json': `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": {${body}}}` }, 'big.json', /over the limit of 16777216 \(only a kind: List/);
  assert.equal(report.errors.length, 1);
});

test('a JSON List over the document limit is still read item by item', async () => {
  const item = (i: number) => `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c${i}", "namespace": "ns"}, "data": {"k": "${'v'.repeat(200)}"}}`;
  const text = `{"apiVersion": "v1", "kind": "List", "items": [\n${Array.from({ length: 3000 }, (_, i) => item(i)).join(',\n')}\n]}`;
  const res = await loadFiles([{ file: 'list.json', text, format: 'json' }], { limits: { maxDocumentBytes: 100_000 } });
  assert.deepEqual(res.errors, []);
  assert.equal(res.resources.length, 3000);
  assert.equal(res.resources[2999].name, 'c2999');
  assert.equal(res.resources[2999].source?.line, 3001);
  const single = await loadFiles([{ file: 'one.json', text: text.replace('"kind": "List"', '"kind": "ConfigMap"'), format: 'json' }], { limits: { maxDocumentBytes: 100_000 } });
  assert.equal(single.resources.length, 0);
  assert.match(single.errors[0].message, /over the limit of 100000/);
  // Duplicate keys are still caught, in an item and in the List itself.
  const dupItem = text.replace('"name": "c7", "namespace": "ns"', '"name": "c7", "name": "x", "namespace": "ns"');
  const d1 = await loadFiles([{ file: 'd.json', text: dupItem, format: 'json' }], { limits: { maxDocumentBytes: 100_000 } });
  assert.equal(d1.resources.length, 2999);
  assert.deepEqual(d1.errors.map((e) => [e.line, e.message]), [[9, 'invalid JSON: duplicated key "name" (parsers disagree on which value wins)']]);
  const dupShell = text.replace(/\]\}$/, '], "apiVersion": "v2"}');
  const d2 = await loadFiles([{ file: 'd.json', text: dupShell, format: 'json' }], { limits: { maxDocumentBytes: 100_000 } });
  assert.equal(d2.resources.length, 0);
  assert.deepEqual(d2.errors.map((e) => [e.line, e.message]), [[3002, 'invalid JSON: duplicated key "apiVersion" (parsers disagree on which value wins)']]);
});

test('1 MB of deeply nested invalid JSON is an error with file and line, not a stack overflow', async () => {
  const report = await expectScanError({ 'deep.json': `{"apiVersion": "v1",\n "kind": "Pod", "x": ${'['.repeat(1024 * 1024)}` }, 'deep.json', /JSON is nested deeper than 200 levels/);
  assert.equal(report.errors[0].line, 2);
});

test('deeply nested valid JSON is refused by depth, and invalid JSON of normal depth is located', async () => {
  const deep = await loadFiles([{ file: 'd.json', text: `{"a": ${'['.repeat(5000)}${']'.repeat(5000)}}`, format: 'json' }]);
  assert.match(deep.errors[0].message, /nested deeper than 200/);
  const bad = await loadFiles([{ file: 'b.json', text: '{"apiVersion": "v1",\n "kind": [1 2]}', format: 'json' }]);
  assert.equal(bad.errors[0].line, 2);
  assert.match(bad.errors[0].message, /invalid JSON: CommaExpected at column 13/);
});

test('a merged __proto__ cannot make a field appear on the resource (CVE-2025-64718)', async () => {
  const text = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  <<: {__proto__: {hostNetwork: true}}\n  containers: []\n';
  const res = await loadFiles([{ file: 'p.yaml', text, format: 'yaml' }]);
  assert.deepEqual(res.errors, []);
  const spec = res.resources[0].obj.spec;
  assert.equal(spec.hostNetwork, undefined);
  assert.equal(Object.getPrototypeOf(spec), Object.prototype);
  assert.equal(({} as Record<string, unknown>).hostNetwork, undefined, 'Object.prototype untouched');
  // Through an alias too.
  const viaAlias = 'x: &evil {__proto__: {hostNetwork: true}}\napiVersion: v1\nkind: Pod\nmetadata: {name: q, namespace: ns}\nspec:\n  <<: *evil\n';
  const res2 = await loadFiles([{ file: 'q.yaml', text: viaAlias, format: 'yaml' }]);
  assert.equal(res2.resources[0].obj.spec.hostNetwork, undefined);
  assert.equal(Object.getPrototypeOf(res2.resources[0].obj.spec), Object.prototype);
});

test('merge keys within the budget still merge (no false refusal of ordinary anchors)', async () => {
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok, namespace: ns}\ndata:\n${mergeChain(200)}\n`;
  const res = await loadFiles([{ file: 'ok.yaml', text, format: 'yaml' }]);
  assert.deepEqual(res.errors, []);
  assert.equal(Object.keys(res.resources[0].obj.data.a199).length, 200);
});

test('the merge budget is the node limit: a chain just over a small limit is refused in-process', async () => {
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok, namespace: ns}\ndata:\n${mergeChain(200)}\n`;
  const res = await loadFiles([{ file: 'ok.yaml', text, format: 'yaml' }], { limits: { maxNodesPerDocument: 10_000 } });
  assert.equal(res.resources.length, 0);
  assert.match(res.errors[0].message, /more than 10000 nodes/);
  // The line is where the budget ran out, inside the document.
  assert.ok(res.errors[0].line > 5 && res.errors[0].line < 205, `line ${res.errors[0].line}`);
});

test('the merge pre-pass also sees anchors written right after the colon of a quoted flow key', async () => {
  // `{"a1":&a1 {<<: *a0}}`: js-yaml reads an anchor there, so the pre-pass must run for it.
  const links = ['"a0":&a0 {k0: v}'];
  for (let i = 1; i < 200; i++) links.push(`"a${i}":&a${i} {<<: *a${i - 1}, k${i}: v}`);
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok, namespace: ns}\ndata: {${links.join(', ')}}\n`;
  const res = await loadFiles([{ file: 'ok.yaml', text, format: 'yaml' }], { limits: { maxNodesPerDocument: 10_000 } });
  assert.equal(res.resources.length, 0);
  assert.match(res.errors[0]?.message ?? '', /more than 10000 nodes/);
});

test('text crafted against the collection-key guess stays linear: many flow ends after a long line, indicator runs, brackets', async () => {
  // Before the guess had a budget, the first shape took 143 s (each `]:` looked 1,024 characters back).
  const doc = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: crafted, namespace: ns}\ndata:\n  a: "${value}"\n`;
  const shapes = ['x'.repeat(900) + ']: '.repeat(300_000), 'x' + ('? ' + ' '.repeat(1000)).repeat(1000), ('x [' + ' '.repeat(500) + ']: ').repeat(2000)];
  const started = performance.now();
  for (const value of shapes) {
    const res = await loadFiles([{ file: 'crafted.yaml', text: doc(value), format: 'yaml' }], { limits: { maxDocumentBytes: 5_000_000, maxFileBytes: 5_000_000 } });
    assert.deepEqual(res.errors, []);
    assert.equal(res.resources[0]?.obj.data.a, value);
  }
  assert.ok(performance.now() - started < 20_000, `${Math.round(performance.now() - started)} ms`);
});

test('mayExpandAliases: only an alias naming an anchor of the same text asks for the pre-pass', () => {
  // CustomResourceDefinition descriptions: stars and ampersands in prose, no anchor an alias names.
  assert.equal(mayExpandAliases('description: matches *.example.com or * alone\npattern: "^\\*"\n'), false);
  assert.equal(mayExpandAliases('description: R &D and *ops\n'), false);
  assert.equal(mayExpandAliases('a: *undefined\n'), false, 'an alias with no anchor is an error, not an expansion');
  assert.equal(mayExpandAliases('a: &base {x: 1}\nb: {<<: *base}\n'), true);
  assert.equal(mayExpandAliases('a: [&base x, *base]\n'), true);
  assert.equal(mayExpandAliases('{"a":&base [1], "b":*base}'), true);
  assert.equal(mayExpandAliases('&top [*top]'), true);
  // Names run to white space or a flow indicator on both sides, as js-yaml reads them.
  assert.equal(mayExpandAliases('a: &x.y 1\nb: *x\n'), false);
  assert.equal(mayExpandAliases('a: &x.y 1\nb: [*x.y]\n'), true);
});

test('parse errors never quote tag or alias text', async () => {
  const cases = [
    ['apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: !Pa55word x\n', /unknown tag/, 5],
    ['apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  token: *hunter2\n', /undefined alias/, 5],
    ['apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: !<tag:Pa55word> x\n', /unknown tag/, 5],
    ['apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: !Pa55word!x y\n', /tag/, 5],
    ['%TAG !Password! tag:x\n%TAG !Password! tag:y\n---\nkind: Secret\n', /%TAG handle is declared twice/, 2],
  ] as const;
  for (const [text, pattern, line] of cases) {
    const res = await loadFiles([{ file: 's.yaml', text, format: 'yaml' }]);
    assert.equal(res.errors.length, 1, text);
    assert.match(res.errors[0].message, pattern);
    assert.equal(res.errors[0].line, line, text);
    assert.doesNotMatch(JSON.stringify(res.errors), /Pa55word|Password|hunter2/, text);
  }
  const kc = parseKubeconfig('apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user: {token: *hunter2}\n', { file: 'kc' });
  assert.doesNotMatch(JSON.stringify(kc.errors), /hunter2/);
  assert.match(JSON.stringify(kc.errors), /undefined alias/);
});

test('locating one finding in a 16 MB flow-style document stays within a small heap', async () => {
  const env = Array.from({ length: 280_000 }, (_, i) => `{name: E${i}, value: "${'x'.repeat(30)}"}`).join(', ');
  const pod = `{apiVersion: v1, kind: Pod, metadata: {name: flow, namespace: big}, spec: {containers: [{name: app, image: "example/app:1", env: [${env}], securityContext: {runAsUser: 1337}}]}}\n`;
  const dir = await tempFiles({ 'flow.yaml': pod });
  try {
    // Before the linear scan this needed 1.5 GB and more than a minute (a CST and a Document of the whole text).
    const r = await runCapped(['scan', 'flow.yaml', '--format', 'json', '--only', 'BYP001'], dir, 512);
    assert.equal(r.signal, null, r.stderr.slice(0, 500));
    assert.doesNotMatch(r.stderr, /heap out of memory/);
    const report = JSON.parse(r.stdout) as { findings: Array<{ ruleId: string; location: { line: number; column: number } | null }>; errors: unknown[] };
    assert.deepEqual(report.errors, []);
    assert.ok(pod.length > 15_000_000, `${pod.length} bytes`);
    const f = report.findings.find((x) => x.ruleId === 'BYP001');
    assert.ok(f?.location, JSON.stringify(report.findings).slice(0, 300));
    assert.equal(f.location.line, 1);
    assert.equal(f.location.column, pod.indexOf('runAsUser') + 1);
  } finally {
    await fs.rm(dir, { recursive: true });
  }
});

test('an unreadable sub-folder is an error entry with its path, and the rest is scanned', async () => {
  const dir = await tempFiles({});
  await fs.mkdir(path.join(dir, 'repo', 'locked'), { recursive: true });
  await fs.mkdir(path.join(dir, 'repo', 'open'), { recursive: true });
  await fs.writeFile(path.join(dir, 'repo', 'locked', 'secret.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hidden, namespace: ns}\n');
  await fs.writeFile(path.join(dir, 'repo', 'open', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: seen, namespace: ns}\n');
  await fs.chmod(path.join(dir, 'repo', 'locked'), 0o000);
  // Root ignores permission bits, so as root the scan runs as the unprivileged `nobody` user, for
  // whom the folder really is unreadable (the same EACCES a CI runner meets).
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    await fs.chmod(dir, 0o755);
    await fs.chmod(path.join(dir, 'repo'), 0o755);
    await fs.chmod(path.join(dir, 'repo', 'open'), 0o755);
  }
  try {
    const r = await runCapped(['scan', 'repo', '--format', 'json'], dir, HEAP_MB, asRoot ? { uid: 65534, gid: 65534 } : {});
    assert.equal(r.signal, null);
    assert.equal(r.code, 1, r.stderr.slice(0, 500));
    const report = JSON.parse(r.stdout) as { errors: Array<{ file: string; line: number; message: string }>; summary: { resources: number } };
    assert.deepEqual(
      report.errors.map((e) => [e.file, e.message]),
      [['repo/locked', 'cannot read folder (EACCES); its files were not scanned: check its permissions']],
    );
    assert.equal(report.summary.resources, 1, 'the readable folder was still scanned');
  } finally {
    await fs.chmod(path.join(dir, 'repo', 'locked'), 0o755);
    await fs.rm(dir, { recursive: true });
  }
});
