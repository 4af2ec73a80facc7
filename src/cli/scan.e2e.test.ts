import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../testing/kit.js';

const POD_1337 = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
  - name: app
    image: example/app:1
    securityContext:
      runAsUser: 1337
`;

async function tempDir(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-e2e-'));
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
  return dir;
}

test('scan: text output, file:line, summary, exit 1 on a high finding', async () => {
  const dir = await tempDir({ 'app/pod.yaml': POD_1337 });
  const r = await runCli(['scan', '.', '--only', 'BYP001'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /HIGH \(1\)/);
  assert.match(r.stdout, /Pod shop\/web/);
  assert.match(r.stdout, /BYP001 .*UID 1337/);
  assert.match(r.stdout, /app\/pod\.yaml:11/);
  assert.match(r.stdout, /1 finding \(0 critical, 1 high/);
  assert.doesNotMatch(r.stdout, /\u001b\[/, 'no colour when NO_COLOR is set / not a TTY');
});

test('scan: FORCE_COLOR colours the text; NO_COLOR wins over it', async () => {
  const dir = await tempDir({ 'pod.yaml': POD_1337 });
  const colored = await runCli(['scan', 'pod.yaml'], { cwd: dir, env: { NO_COLOR: '', FORCE_COLOR: '1' } });
  assert.match(colored.stdout, /\u001b\[/);
  const plain = await runCli(['scan', 'pod.yaml'], { cwd: dir, env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
  assert.doesNotMatch(plain.stdout, /\u001b\[/);
});

test('scan: JSON follows the output contract', async () => {
  const dir = await tempDir({ 'pod.yaml': POD_1337 });
  const r = await runCli(['scan', 'pod.yaml', '--format', 'json'], { cwd: dir });
  const j = JSON.parse(r.stdout);
  assert.equal(j.version, 1);
  assert.deepEqual(Object.keys(j), ['version', 'findings', 'errors', 'summary']);
  const f = j.findings[0];
  assert.deepEqual(Object.keys(f), ['ruleId', 'severity', 'title', 'message', 'resource', 'location', 'remediation', 'evidence', 'fingerprint']);
  assert.deepEqual(f.resource, { cluster: 'default', apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'web' });
  assert.deepEqual(f.location, { file: 'pod.yaml', line: 11, column: 7, path: 'spec.containers[0].securityContext.runAsUser' });
  assert.equal(j.summary.bySeverity.high, 1);
  assert.equal(j.summary.resources, 1);
  assert.equal(j.summary.files, 1);
  assert.equal(typeof j.summary.durationMs, 'number');
});

test('scan: stdin, --output, --fail-on and --namespace', async () => {
  const noNs = POD_1337.replace('  namespace: shop\n', '');
  const dir = await tempDir({});
  const r = await runCli(['scan', '-', '--format', 'json', '--namespace', 'tenant-z', '--output', 'out.json'], { cwd: dir, stdin: noNs });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  const j = JSON.parse(await fs.readFile(path.join(dir, 'out.json'), 'utf8'));
  assert.equal(j.findings[0].resource.namespace, 'tenant-z');
  assert.equal(j.findings[0].location.file, '<stdin>');
  assert.equal((await runCli(['scan', '-', '--fail-on', 'critical'], { cwd: dir, stdin: noNs })).code, 0);
  assert.equal((await runCli(['scan', '-', '--fail-on', 'none'], { cwd: dir, stdin: noNs })).code, 0);
  assert.equal((await runCli(['scan', '-', '--fail-on', 'low'], { cwd: dir, stdin: noNs })).code, 1);
});

test('scan: exit 0 when clean, 2 on usage errors, 1 on unreadable input', async () => {
  const dir = await tempDir({ 'ok.yaml': POD_1337.replace('1337', '1000'), 'bad.yaml': 'kind: [', '.meshward.yaml': 'rules: {BYP001: loud}\n' });
  assert.equal((await runCli(['scan', 'ok.yaml', '--config', '/dev/null', '--only', 'BYP001'], { cwd: dir })).code, 0);
  const badInput = await runCli(['scan', 'ok.yaml', 'bad.yaml', '--config', '/dev/null'], { cwd: dir });
  assert.equal(badInput.code, 1);
  assert.match(badInput.stdout, /ERRORS \(1\)\n  bad\.yaml:1  invalid YAML/);
  assert.equal((await runCli(['scan', 'ok.yaml', '--only', 'BYP001,NOPE999', '--config', '/dev/null'], { cwd: dir })).code, 2);
  const badConfig = await runCli(['scan', 'ok.yaml'], { cwd: dir });
  assert.equal(badConfig.code, 2);
  assert.match(badConfig.stderr, /\.meshward\.yaml:1: rules\.BYP001: /);
  assert.equal((await runCli(['scan'], { cwd: dir })).code, 2);
  assert.equal((await runCli(['scan', 'ok.yaml', '--format', 'xml'], { cwd: dir })).code, 2);
  assert.equal((await runCli(['scan', 'ok.yaml', '--jobs', 'zero', '--config', '/dev/null'], { cwd: dir })).code, 2);
  assert.equal((await runCli(['bogus'], { cwd: dir })).code, 2);
  const missing = await runCli(['scan', 'nope.yaml', '--config', '/dev/null'], { cwd: dir });
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /nope\.yaml  no such file or directory/);
});

test('scan: config file disables rules, overrides severity and ignores with reason and expiry', async () => {
  const dir = await tempDir({ 'pod.yaml': POD_1337, 'sub/.keep': '' });
  const write = (text: string) => fs.writeFile(path.join(dir, '.meshward.yaml'), text);

  await write('rules:\n  BYP001: "off"\n');
  let r = await runCli(['scan', '../pod.yaml', '-f', 'json', '--only', 'BYP001'], { cwd: path.join(dir, 'sub') });
  assert.equal(JSON.parse(r.stdout).findings.length, 0, 'config found upward from the working folder');

  await write('rules:\n  BYP001: low\n');
  r = await runCli(['scan', 'pod.yaml', '-f', 'json', '--only', 'BYP001'], { cwd: dir });
  assert.equal(r.code, 0);
  assert.equal(JSON.parse(r.stdout).findings[0].severity, 'low');

  await write('ignore:\n  - rule: BYP001\n    resource: "Pod/shop/*"\n    reason: vendor image, tracked in SEC-1\n    expires: "2999-01-01"\n');
  r = await runCli(['scan', 'pod.yaml', '-f', 'json', '--only', 'BYP001'], { cwd: dir });
  let j = JSON.parse(r.stdout);
  assert.equal(r.code, 0);
  assert.equal(j.findings.length, 0);
  assert.equal(j.summary.suppressed, 1);
  r = await runCli(['scan', 'pod.yaml', '-f', 'json', '--show-suppressed', '--only', 'BYP001'], { cwd: dir });
  assert.deepEqual(JSON.parse(r.stdout).findings[0].suppressed, { kind: 'config', reason: 'vendor image, tracked in SEC-1' });

  await write('ignore:\n  - rule: BYP001\n    reason: temporary\n    expires: "2020-01-01"\n');
  r = await runCli(['scan', 'pod.yaml', '-f', 'json', '--only', 'BYP001'], { cwd: dir });
  j = JSON.parse(r.stdout);
  assert.equal(r.code, 1, 'an expired ignore stops working');
  assert.equal(j.findings.length, 1);
  assert.match(j.summary.notes.join('\n'), /\.meshward\.yaml:2: the ignore for BYP001 expired on 2020-01-01/);

  // Ignore patterns match in time linear in the name: this one backtracks for minutes in a regex engine.
  await write(`ignore:\n  - rule: BYP001\n    resource: "Pod/shop/${'*a'.repeat(12)}*b"\n    reason: adversarial\n  - rule: BYP001\n    resource: "Pod/[s]hop/*"\n    reason: other dialect\n`);
  r = await runCli(['scan', 'pod.yaml', '-f', 'json', '--only', 'BYP001'], { cwd: dir });
  j = JSON.parse(r.stdout);
  assert.equal(j.findings.length, 1, 'neither pattern matches');
  assert.match(j.summary.notes.join('\n'), /\.meshward\.yaml:5: ignore resource "Pod\/\[s\]hop\/\*": the character "\[" is not glob syntax/);

  await write('ignore:\n  - rule: BYP001\n');
  r = await runCli(['scan', 'pod.yaml'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /ignore\.0\.reason/);
});

test('scan: the meshward.io/ignore annotation suppresses, unless the config forbids it', async () => {
  const annotated = POD_1337.replace('  namespace: shop\n', '  namespace: shop\n  annotations:\n    meshward.io/ignore: "EGR001, BYP001"\n');
  const dir = await tempDir({ 'pod.yaml': annotated });
  let r = await runCli(['scan', 'pod.yaml', '-f', 'json', '--config', '/dev/null'], { cwd: dir });
  assert.equal(JSON.parse(r.stdout).findings.filter((f: any) => f.ruleId === 'BYP001').length, 0);
  await fs.writeFile(path.join(dir, 'strict.yaml'), 'settings:\n  annotationSuppressions: false\n');
  r = await runCli(['scan', 'pod.yaml', '-f', 'json', '--config', 'strict.yaml'], { cwd: dir });
  assert.equal(JSON.parse(r.stdout).findings.filter((f: any) => f.ruleId === 'BYP001').length, 1);
});

test('scan: a baseline hides known findings so only new ones fail', async () => {
  const dir = await tempDir({ 'pod.yaml': POD_1337 });
  let r = await runCli(['scan', 'pod.yaml', '--write-baseline', 'baseline.json', '--config', '/dev/null', '--only', 'BYP001'], { cwd: dir });
  assert.equal(r.code, 0, 'writing a baseline accepts the findings it writes');
  assert.match(r.stderr, /wrote 1 fingerprint/);
  r = await runCli(['scan', 'pod.yaml', '--baseline', 'baseline.json', '--config', '/dev/null', '--only', 'BYP001'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout);
  // Moving the finding to another line keeps its fingerprint; a new finding still fails.
  await fs.writeFile(path.join(dir, 'pod.yaml'), '# moved\n\n' + POD_1337 + '---\n' + POD_1337.replace('name: web', 'name: api'));
  r = await runCli(['scan', 'pod.yaml', '--baseline', 'baseline.json', '-f', 'json', '--config', '/dev/null', '--only', 'BYP001'], { cwd: dir });
  assert.equal(r.code, 1);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(
    j.findings.map((f: any) => f.resource.name),
    ['api'],
  );
  assert.equal(j.summary.suppressed, 1);
  // An earlier JSON report works as a baseline too.
  await fs.writeFile(path.join(dir, 'report.json'), r.stdout);
  r = await runCli(['scan', 'pod.yaml', '--baseline', 'report.json', '-f', 'json', '--config', '/dev/null', '--only', 'BYP001'], { cwd: dir });
  assert.deepEqual(
    JSON.parse(r.stdout).findings.map((f: any) => f.resource.name),
    ['web'],
  );
  r = await runCli(['scan', 'pod.yaml', '--baseline', 'pod.yaml', '--config', '/dev/null'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not JSON; create one with --write-baseline/);
});

test('scan: --mesh-config accepts MeshConfig, Helm values, IstioOperator and the ConfigMap', async () => {
  const dir = await tempDir({
    'pod.yaml': POD_1337,
    'mesh.yaml': 'outboundTrafficPolicy: {mode: REGISTRY_ONLY}\nrootNamespace: root\n',
    'values.yaml': 'meshConfig:\n  rootNamespace: root\n',
    'iop.yaml': 'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig: {rootNamespace: root}\n',
    'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio}\ndata:\n  mesh: "rootNamespace: root"\n',
    'broken.yaml': 'a: [',
  });
  for (const f of ['mesh.yaml', 'values.yaml', 'iop.yaml', 'cm.yaml']) {
    const r = await runCli(['scan', 'pod.yaml', '--mesh-config', f, '-f', 'json', '--config', '/dev/null'], { cwd: dir });
    const j = JSON.parse(r.stdout);
    assert.equal(j.summary.meshConfig, 'file', f);
  }
  const none = JSON.parse((await runCli(['scan', 'pod.yaml', '-f', 'json', '--config', '/dev/null'], { cwd: dir })).stdout);
  assert.equal(none.summary.meshConfig, 'defaults');
  assert.match(none.summary.notes[0], /Istio's defaults were assumed/);
  const broken = await runCli(['scan', 'pod.yaml', '--mesh-config', 'broken.yaml'], { cwd: dir });
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /--mesh-config broken\.yaml:\d: invalid YAML/);
});

test('scan: hostile files become errors and the run goes on', async () => {
  const bomb = ['a0: &a0 [x,x,x,x,x,x,x,x,x,x]'];
  for (let i = 1; i < 9; i++) bomb.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(',')}]`);
  const dir = await tempDir({
    'pod.yaml': POD_1337,
    'bomb.yaml': bomb.join('\n'),
    'deep.yaml': 'x: ' + '['.repeat(50000) + ']'.repeat(50000),
    // A custom tag in what may be an object is an error (in another tool's file, with no kind or apiVersion, a note).
    'tag.yaml': 'kind: ConfigMap\na: !!js/function "function(){}"',
    'mkdocs.yml': 'site_name: x\nmarkdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n',
  });
  await fs.writeFile(path.join(dir, 'bin.yaml'), Buffer.from([0, 1, 2, 3]));
  const r = await runCli(['scan', '.', '-f', 'json', '--config', '/dev/null', '--only', 'BYP001'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.findings.length, 1);
  assert.deepEqual(
    j.errors.map((e: any) => e.file).sort(),
    ['bin.yaml', 'bomb.yaml', 'deep.yaml', 'tag.yaml'],
  );
});

test('rules and explain', async () => {
  const list = await runCli(['rules']);
  assert.equal(list.code, 0);
  assert.match(list.stdout, /^BYP001\s+high\s+sidecar-bypass\s+/m);
  const json = JSON.parse((await runCli(['rules', '--format', 'json'])).stdout);
  assert.ok(json.some((r: any) => r.id === 'BYP001' && r.severity === 'high'));
  const explain = await runCli(['explain', 'byp001']);
  assert.equal(explain.code, 0);
  assert.match(explain.stdout, /^# BYP001: /);
  assert.match(explain.stdout, /## How to fix it/);
  const missing = await runCli(['explain', 'NOPE999']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no rule "NOPE999"/);
});

test('scan: --advisories loads a database, a broken one is a usage error, and the report names the one used', async () => {
  const insecure = await runCli(['scan', 'examples/insecure', '-f', 'json', '--only', 'ADV001']);
  const j = JSON.parse(insecure.stdout);
  assert.ok(j.findings.length > 0);
  assert.match(j.summary.notes.join('\n'), /advisory database of \d{4}-\d{2}-\d{2} \(bundled/);
  const dir = await tempDir({ 'bad.json': '{"schemaVersion": 2}' });
  const bad = await runCli(['scan', path.join(process.cwd(), 'examples/insecure'), '--advisories', 'bad.json'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--advisories: .*bad\.json is not a valid advisory database/);
});

test('scan: --format sarif and junit through the CLI', async () => {
  const dir = await tempDir({ 'pod.yaml': POD_1337 });
  const sarif = JSON.parse((await runCli(['scan', 'pod.yaml', '-f', 'sarif', '--only', 'BYP001', '--config', '/dev/null'], { cwd: dir })).stdout);
  assert.equal(sarif.version, '2.1.0');
  assert.equal(sarif.runs[0].results[0].ruleId, 'BYP001');
  assert.equal(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, 'pod.yaml');
  assert.equal(sarif.runs[0].results[0].locations[0].physicalLocation.region.startLine, 11);
  const junit = (await runCli(['scan', 'pod.yaml', '-f', 'junit', '--only', 'BYP001', '--config', '/dev/null'], { cwd: dir })).stdout;
  assert.match(junit, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
  assert.match(junit, /<testsuite [^>]*name="BYP001[^"]*"[^>]*failures="1"/);
});
