/** Custom rules through the built CLI: the example rule set, reports, docs, suppressions, baselines, errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../testing/kit.js';

const EXAMPLES = path.join(REPO_ROOT, 'examples/custom-rules');
const RULES = path.join(EXAMPLES, 'rules.yaml');
const IDS = ['X-PAYMENTS-VS-TIMEOUT', 'X-GATEWAY-CREDENTIAL-OUTSIDE-INGRESS', 'X-DEPLOYMENT-OUTSIDE-MESH', 'X-PCI-WORKLOAD-NOT-STRICT', 'X-AUTHZ-SELECTS-NOTHING', 'X-VS-FOREIGN-HOST'];

async function tempDir(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-custom-'));
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
  return dir;
}

for (const id of IDS) {
  test(`example ${id}: fires on its bad fixture, not on its good one`, async () => {
    const run = async (kind: string) => {
      const r = await runCli(['scan', path.join(EXAMPLES, 'fixtures', `${id}.${kind}.yaml`), '--rules', RULES, '--format', 'json', '--fail-on', 'none']);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).findings.filter((f: { ruleId: string }) => f.ruleId === id);
    };
    const bad = await run('bad');
    assert.equal(bad.length, 1, `${id} should fire once on its bad fixture`);
    assert.ok(bad[0].location.line > 0);
    assert.ok(bad[0].location.file.endsWith(`${id}.bad.yaml`));
    assert.deepEqual(await run('good'), []);
  });
}

test('custom rules are in rules, explain and docs; ids and titles as in the file', async () => {
  const list = await runCli(['rules', '--rules', RULES, '--format', 'json']);
  assert.equal(list.code, 0, list.stderr);
  const rules = JSON.parse(list.stdout);
  for (const id of IDS) assert.ok(rules.some((r: { id: string; custom?: boolean }) => r.id === id && r.custom), id);
  // Every example condition is in the fast path's subset; built-in rules say nothing about it.
  for (const id of IDS) assert.ok(rules.some((r: { id: string; fastPath?: boolean }) => r.id === id && r.fastPath === true), `${id} on the fast path`);
  assert.equal(rules.find((r: { id: string }) => r.id === 'BYP001').fastPath, undefined);
  assert.ok(rules.some((r: { id: string }) => r.id === 'BYP001'));
  const explain = await runCli(['explain', 'x-payments-vs-timeout', '--rules', RULES]);
  assert.equal(explain.code, 0, explain.stderr);
  assert.match(explain.stdout, /# X-PAYMENTS-VS-TIMEOUT: A VirtualService in payments/);
  assert.match(explain.stdout, /## Why it matters/);
  assert.match(explain.stdout, /meshward\.io\/ignore: "X-PAYMENTS-VS-TIMEOUT"/);
  const missing = await runCli(['explain', 'X-NOPE']);
  assert.equal(missing.code, 2);
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-docs-'));
  const docs = await runCli(['docs', '--rules', RULES, '--out', out]);
  assert.equal(docs.code, 0, docs.stderr);
  assert.match(await fs.readFile(path.join(out, 'X-VS-FOREIGN-HOST.md'), 'utf8'), /## How to fix it/);
  assert.match(await fs.readFile(path.join(out, 'README.md'), 'utf8'), /\[X-AUTHZ-SELECTS-NOTHING\]\(X-AUTHZ-SELECTS-NOTHING\.md\)/);
});

test('SARIF lists custom rules with help; JUnit has a suite per custom rule', async () => {
  const fixture = path.join(EXAMPLES, 'fixtures/X-VS-FOREIGN-HOST.bad.yaml');
  const sarif = await runCli(['scan', fixture, '--rules', RULES, '--format', 'sarif', '--fail-on', 'none']);
  assert.equal(sarif.code, 0, sarif.stderr);
  const run = JSON.parse(sarif.stdout).runs[0];
  const desc = run.tool.driver.rules.find((r: { id: string }) => r.id === 'X-VS-FOREIGN-HOST');
  assert.ok(desc, 'rule descriptor');
  assert.match(desc.help.markdown, /## Why it matters/);
  assert.equal(desc.properties.severity, 'high');
  assert.equal(desc.helpUri, undefined, 'no link to a meshward page that does not exist');
  assert.ok(run.results.some((r: { ruleId: string }) => r.ruleId === 'X-VS-FOREIGN-HOST'));
  const junit = await runCli(['scan', fixture, '--rules', RULES, '--format', 'junit']);
  assert.match(junit.stdout, /<testsuite name="X-VS-FOREIGN-HOST: A VirtualService routes a host another namespace owns"[^>]*failures="1"/);
  assert.match(junit.stdout, /<testsuite name="X-PAYMENTS-VS-TIMEOUT: [^"]*"[^>]*failures="0"/);
});

test('.meshward.yaml rules: (relative to the config), severity overrides, ignore entries and baselines work on custom rules', async () => {
  const rules = await fs.readFile(RULES, 'utf8');
  const bad = await fs.readFile(path.join(EXAMPLES, 'fixtures/X-PAYMENTS-VS-TIMEOUT.bad.yaml'), 'utf8');
  const dir = await tempDir({
    'policy/rules.yaml': rules,
    'manifests/vs.yaml': bad,
    '.meshward.yaml': 'rules: [policy/rules.yaml]\n',
  });
  const plain = await runCli(['scan', 'manifests', '--format', 'json', '--only', 'X-PAYMENTS-VS-TIMEOUT'], { cwd: dir });
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(JSON.parse(plain.stdout).findings.length, 1);
  // A map of settings with ruleFiles: raise the severity, then ignore it.
  await fs.writeFile(path.join(dir, '.meshward.yaml'), 'ruleFiles: [policy]\nrules:\n  X-PAYMENTS-VS-TIMEOUT: critical\n');
  const raised = await runCli(['scan', 'manifests', '--format', 'json', '--only', 'X-PAYMENTS-VS-TIMEOUT'], { cwd: dir });
  assert.equal(raised.code, 1);
  assert.equal(JSON.parse(raised.stdout).findings[0].severity, 'critical');
  await fs.writeFile(path.join(dir, '.meshward.yaml'), 'ruleFiles: [policy]\nignore:\n  - rule: X-PAYMENTS-VS-TIMEOUT\n    resource: VirtualService/payments/*\n    reason: accepted until the retry work lands\n');
  const ignored = await runCli(['scan', 'manifests', '--format', 'json', '--only', 'X-PAYMENTS-VS-TIMEOUT'], { cwd: dir });
  assert.equal(JSON.parse(ignored.stdout).findings.length, 0, ignored.stdout);
  // Baseline: written, then the same finding is not reported again.
  await fs.writeFile(path.join(dir, '.meshward.yaml'), 'rules: [policy]\n');
  const write = await runCli(['scan', 'manifests', '--only', 'X-PAYMENTS-VS-TIMEOUT', '--write-baseline', 'base.json', '--fail-on', 'none'], { cwd: dir });
  assert.equal(write.code, 0, write.stderr);
  const again = await runCli(['scan', 'manifests', '--format', 'json', '--only', 'X-PAYMENTS-VS-TIMEOUT', '--baseline', 'base.json'], { cwd: dir });
  assert.equal(JSON.parse(again.stdout).findings.length, 0);
  // Unknown custom IDs in the config are warned about.
  await fs.writeFile(path.join(dir, '.meshward.yaml'), 'rules: [policy]\nignore:\n  - rule: X-TYPO\n    reason: a typo here\n');
  const typo = await runCli(['scan', 'manifests', '--only', 'X-PAYMENTS-VS-TIMEOUT', '--fail-on', 'none'], { cwd: dir });
  assert.match(typo.stderr, /names custom rule X-TYPO, which no rule file or plugin defines/);
});

test('a bad rule file is a usage error naming file, line and field; built-in-looking and duplicate IDs are refused', async () => {
  const dir = await tempDir({
    'vs.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n',
    'bad.yaml': 'rules:\n  - id: X-A\n    title: t\n    severity: sometimes\n',
    'dup.yaml': (await fs.readFile(RULES, 'utf8')) + (await fs.readFile(RULES, 'utf8')).split('rules:\n')[1],
    'builtin.yaml': (await fs.readFile(RULES, 'utf8')).replace('X-PAYMENTS-VS-TIMEOUT', 'X-BYP001'),
  });
  const bad = await runCli(['scan', 'vs.yaml', '--rules', 'bad.yaml'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bad\.yaml:4: rules\.0\.severity: a severity: one of critical/);
  const dup = await runCli(['scan', 'vs.yaml', '--rules', 'dup.yaml'], { cwd: dir });
  assert.equal(dup.code, 2);
  assert.match(dup.stderr, /rule X-PAYMENTS-VS-TIMEOUT is defined twice \(first at dup\.yaml:5\)/);
  const builtin = await runCli(['scan', 'vs.yaml', '--rules', 'builtin.yaml'], { cwd: dir });
  assert.equal(builtin.code, 2);
  assert.match(builtin.stderr, /X-BYP001 looks like the built-in rule BYP001/);
  const huge = path.join(dir, 'huge.yaml');
  await fs.writeFile(huge, `# ${'x'.repeat(1024 * 1024 + 10)}\n`);
  const big = await runCli(['scan', 'vs.yaml', '--rules', 'huge.yaml'], { cwd: dir });
  assert.equal(big.code, 2);
  assert.match(big.stderr, /huge\.yaml: cannot read rule file: is \d+ bytes, over the limit/);
  const none = await runCli(['scan', 'vs.yaml', '--rules', 'nothing.yaml'], { cwd: dir });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /nothing\.yaml: no such rule file or folder/);
});

/** The red-team rule of issue 10's Markdown class: HTML, a heading, a fence breaker, hostile references. */
const EVIL_RULE = (references: string) => `id: X-EVIL
title: "Evil <img src=x onerror=alert(1)>"
severity: high
match:
  kinds: [Service]
condition: "true"
message: evil
fix: fix it
docs:
  summary: "<script>alert(1)</script>\\n\\n# Fake H1"
  why: "[x](javascript:alert(3))"
  bad: "a: 1\\n\`\`\`\\n\\n<img src=x onerror=alert('fence')>\\n\\n\`\`\`yaml"
  references: ${references}
`;

/** A page's text outside its code blocks (fences of three backticks or more). */
const outsideFences = (md: string) => md.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, '');

test("custom rules' texts are escaped in docs pages, the docs index, explain and SARIF; references must be http(s) links", async () => {
  const dir = await tempDir({
    'svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\nspec: {ports: [{port: 80}]}\n',
    'evil/rules.yaml': EVIL_RULE('["https://ok.example/a"]'),
    'script/rules.yaml': EVIL_RULE('["javascript:alert(1)"]'),
    'autolink/rules.yaml': EVIL_RULE('["https://ok.example/>[x](javascript:alert(2))"]'),
  });
  for (const [rules, problem] of [['script', /uses the javascript: scheme/], ['autolink', /holds ">", which ends or breaks a Markdown link/]] as const) {
    for (const args of [['docs', '--rules', rules, '-o', 'out'], ['scan', 'svc.yaml', '--rules', rules, '-f', 'sarif']]) {
      const r = await runCli(args, { cwd: dir });
      assert.equal(r.code, 2, `${rules} ${args[0]}`);
      assert.match(r.stderr, new RegExp(`${rules}/rules\\.yaml:13: docs\\.references\\.0: rule X-EVIL: reference .* ${problem.source}`));
    }
  }
  const docs = await runCli(['docs', '--rules', 'evil', '-o', 'out'], { cwd: dir });
  assert.equal(docs.code, 0, docs.stderr);
  const page = await fs.readFile(path.join(dir, 'out/X-EVIL.md'), 'utf8');
  const explain = await runCli(['explain', 'X-EVIL', '--rules', 'evil'], { cwd: dir });
  assert.equal(explain.stdout, page, 'explain prints the page');
  assert.ok(page.startsWith('# X-EVIL: Evil &lt;img src=x onerror=alert(1)&gt;\n'), page);
  assert.match(page, /^&lt;script&gt;alert\(1\)&lt;\/script&gt;\n\n\\# Fake H1$/m);
  assert.match(page, /^\[x\\\]\(javascript:alert\(3\)\)$/m);
  // The example's own fences are inside one longer than any of them.
  assert.ok(page.includes("````yaml\na: 1\n```\n\n<img src=x onerror=alert('fence')>\n\n```yaml\n````\n"), page);
  assert.doesNotMatch(outsideFences(page), /<|^#+ Fake/m, 'no HTML or heading outside code blocks');
  assert.match(page, /^- https:\/\/ok\.example\/a$/m);
  const index = await fs.readFile(path.join(dir, 'out/README.md'), 'utf8');
  assert.match(index, /^\| \[X-EVIL\]\(X-EVIL\.md\) \| high \| Evil &lt;img src=x onerror=alert\(1\)&gt; \|$/m);
  const sarif = await runCli(['scan', 'svc.yaml', '--rules', 'evil', '-f', 'sarif', '--fail-on', 'none'], { cwd: dir });
  assert.equal(sarif.code, 0, sarif.stderr);
  const desc = JSON.parse(sarif.stdout).runs[0].tool.driver.rules.find((r: { id: string }) => r.id === 'X-EVIL');
  assert.equal(desc.helpUri, 'https://ok.example/a');
  assert.doesNotMatch(outsideFences(desc.help.markdown), /<(?!https:\/\/ok\.example\/a>)|^#+ Fake/m, desc.help.markdown);
});
