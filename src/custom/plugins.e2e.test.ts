/**
 * Plugins through the built CLI: the example package (examples/plugin-rules, compiled here with tsc
 * against the package's public types), loaded from the project's node_modules; and plugins that
 * throw, loop forever or allocate without bound, each contained while every other rule still runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../testing/kit.js';

const VS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: shop}
spec:
  hosts: [api]
  http:
    - retries: {attempts: 50}
      route: [{destination: {host: api}}]
    - retries: {attempts: 2}
      route: [{destination: {host: api}}]
`;

/** A project folder with meshward itself in node_modules (as `npm install meshward` would put it). */
async function project(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-plugin-'));
  await fs.mkdir(path.join(dir, 'node_modules'), { recursive: true });
  await fs.symlink(REPO_ROOT, path.join(dir, 'node_modules', 'meshward'), 'dir');
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
  return dir;
}

test('the example plugin package builds against the public API and its rule runs like a built-in one', async () => {
  const dir = await project({ 'vs.yaml': VS, '.meshward.yaml': 'plugins: [meshward-plugin-example]\n' });
  const pkg = path.join(dir, 'node_modules', 'meshward-plugin-example');
  await fs.cp(path.join(REPO_ROOT, 'examples/plugin-rules'), pkg, { recursive: true, filter: (src) => !src.includes(`${path.sep}dist`) && !src.includes('node_modules') });
  // Type-checked against dist/api.d.ts through the package's "exports": the API is typed.
  await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(pkg, 'tsconfig.json')]);
  const list = await runCli(['rules', '--format', 'json'], { cwd: dir });
  assert.equal(list.code, 0, list.stderr);
  assert.ok(JSON.parse(list.stdout).some((r: { id: string; custom?: boolean }) => r.id === 'X-EXAMPLE-RETRY-STORM' && r.custom));
  const explain = await runCli(['explain', 'X-EXAMPLE-RETRY-STORM'], { cwd: dir });
  assert.match(explain.stdout, /retry storm/);
  const scan = await runCli(['scan', 'vs.yaml', '--format', 'json', '--fail-on', 'none'], { cwd: dir });
  assert.equal(scan.code, 0, scan.stderr);
  const found = JSON.parse(scan.stdout).findings.filter((f: { ruleId: string }) => f.ruleId === 'X-EXAMPLE-RETRY-STORM');
  assert.equal(found.length, 1);
  assert.equal(found[0].message, 'VirtualService shop/api route 0 retries 50 times (at most 5)');
  assert.deepEqual(found[0].location, { file: 'vs.yaml', line: 7, column: 17, path: 'spec.http[0].retries.attempts' });
  const sarif = JSON.parse((await runCli(['scan', 'vs.yaml', '--format', 'sarif', '--fail-on', 'none'], { cwd: dir })).stdout);
  assert.ok(sarif.runs[0].tool.driver.rules.some((r: { id: string }) => r.id === 'X-EXAMPLE-RETRY-STORM'));
});

const HOSTILE = `
const meta = (id) => ({ id, title: id, severity: 'high', category: 'custom', reads: ['networking.istio.io/VirtualService'], docs: { summary: 's', why: 'w', fix: 'f' } });
export default [
  { meta: meta('X-THROWS'), check() { throw new Error('plugin bug'); } },
  { meta: meta('X-LOOPS'), check() { for (;;) {} } },
  { meta: meta('X-ALLOCATES'), check() { const hog = []; for (;;) hog.push(new Array(1e5).fill(Math.random())); } },
  { meta: meta('X-WORKS'), check({ model, report }) { for (const r of model.ofKind('networking.istio.io', 'VirtualService')) report({ resource: r, path: ['spec', 'hosts'], message: 'seen ' + r.name }); } },
];
`;

test('a plugin rule that throws, loops or allocates without bound fails alone; the others (plugin and built-in) still run', async () => {
  const dir = await project({ 'vs.yaml': VS, 'tools/hostile.js': HOSTILE, '.meshward.yaml': 'plugins: [./tools/hostile.js]\n' });
  const started = Date.now();
  const r = await runCli(['scan', 'vs.yaml', '--format', 'json'], { cwd: dir, env: { MESHWARD_CUSTOM_RULE_BUDGET_MS: '4000', MESHWARD_PLUGIN_HEAP_MB: '96' } });
  assert.equal(r.code, 2, 'a failed rule makes the run exit 2');
  assert.ok(Date.now() - started < 60_000);
  assert.match(r.stderr, /rule X-THROWS failed and was skipped: .*threw: Error: plugin bug/);
  assert.match(r.stderr, /rule X-LOOPS failed and was skipped: .*did not finish within its time budget of 4000 ms/);
  assert.match(r.stderr, /rule X-ALLOCATES failed and was skipped/);
  const findings = JSON.parse(r.stdout).findings;
  assert.ok(findings.some((f: { ruleId: string; message: string }) => f.ruleId === 'X-WORKS' && f.message === 'seen api'), 'the sound plugin rule ran after the stopped ones');
  assert.ok(findings.some((f: { ruleId: string }) => /^[A-Z]{3}\d{3}$/.test(f.ruleId)), 'built-in rules ran');
});

test('plugins load only from the project node_modules or a path the config names', async () => {
  const dir = await project({ 'vs.yaml': VS, '.meshward.yaml': 'plugins: [not-installed-plugin]\n' });
  const missing = await runCli(['scan', 'vs.yaml'], { cwd: dir });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /package not-installed-plugin is not installed in .*node_modules \(plugins are loaded only from the project's own node_modules\)/);
  await fs.writeFile(path.join(dir, '.meshward.yaml'), 'plugins: ["https://evil.example/x.js"]\n');
  const url = await runCli(['scan', 'vs.yaml'], { cwd: dir });
  assert.equal(url.code, 2);
  assert.match(url.stderr, /is neither a package name nor a path/);
  await fs.writeFile(path.join(dir, 'tools.js'), "export default [{ meta: { id: 'BYP001', title: 't', severity: 'high', category: 'custom', reads: [], docs: { summary: 's', why: 'w', fix: 'f' } }, check() {} }];\n");
  await fs.writeFile(path.join(dir, '.meshward.yaml'), 'plugins: [./tools.js]\n');
  const builtinId = await runCli(['scan', 'vs.yaml'], { cwd: dir });
  assert.equal(builtinId.code, 2);
  assert.match(builtinId.stderr, /plugin rule BYP001: its id must start with X-/);
  // References become links in the rule's pages and SARIF's helpUri: as in a rule file, http(s) only.
  await fs.writeFile(path.join(dir, 'tools.js'), "export default [{ meta: { id: 'X-LINKS', title: 't', severity: 'high', category: 'custom', reads: [], docs: { summary: 's', why: 'w', fix: 'f', references: ['https://ok.example/a', 'javascript:alert(1)'] } }, check() {} }];\n");
  const script = await runCli(['scan', 'vs.yaml'], { cwd: dir });
  assert.equal(script.code, 2);
  assert.match(script.stderr, /plugin rule X-LINKS: docs\.references: "javascript:alert\(1\)" uses the javascript: scheme/);
});
