import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync, readdirSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, CLI_PATH, type CliResult } from '../../testing/kit.js';

let dir = '';

const DANGEROUS = `apiVersion: v1
kind: Config
current-context: ok
clusters:
- name: ok
  cluster: {server: "https://ok.example:6443", certificate-authority-data: Q0E=}
- name: plain
  cluster: {server: "http://plain.example:8080"}
contexts:
- name: ok
  context: {cluster: ok, user: ok}
- name: plain
  context: {cluster: plain, user: ok}
users:
- name: ok
  user: {token: CANARY-CLI-TOKEN}
- name: plugin
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: ./login.sh, interactiveMode: Never}
- name: files
  user: {token-file: /var/run/secrets/kubernetes.io/serviceaccount/token}
`;

const CLEAN = `apiVersion: v1
kind: Config
current-context: east
clusters:
- name: east
  cluster: {server: "https://east.example:6443", certificate-authority-data: Q0E=}
contexts:
- name: east
  context: {cluster: east, user: east}
users:
- name: east
  user: {client-certificate-data: Q0VSVA==, client-key-data: S0VZ}
`;

const MEDIUM_ONLY = CLEAN.replace('certificate-authority-data: Q0E=', 'certificate-authority-data: Q0E=, proxy-url: "socks5://proxy.example:1080"');

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshward-kcf-cli-'));
  writeFileSync(join(dir, 'dangerous.yaml'), DANGEROUS);
  writeFileSync(join(dir, 'clean.yaml'), CLEAN);
  writeFileSync(join(dir, 'medium.yaml'), MEDIUM_ONLY);
  writeFileSync(join(dir, 'broken.yaml'), 'users:\n- name: a\n  user: {token: x\n');
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Like runCli, but kills the process after `ms` and reports that it hung. */
function runCliWithin(args: string[], ms: number, env: Record<string, string> = {}): Promise<CliResult & { hung: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, ms);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), hung });
    });
  });
}

test('text: findings with rule, line, field and fix; exit 1; the guarantee is stated', async () => {
  const r = await runCli(['kubeconfig', 'dangerous.yaml'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^CRITICAL \(2\)$/m);
  assert.match(r.stdout, /KCF001 {2}user "plugin": exec\.command runs "\.\/login\.sh"/);
  assert.match(r.stdout, /dangerous\.yaml:19 {2}users\[1\]\.user\.exec\.command/);
  assert.match(r.stdout, /istiod 1\.13\+ refuses this kubeconfig/);
  assert.ok(r.stdout.includes(`relative path that client-go resolves against the kubeconfig’s folder (${JSON.stringify(dir)})`), r.stdout);
  assert.match(r.stdout, /KCF003 [^\n]*\n[^\n]*dangerous\.yaml:21 {2}users\[2\]\.user\.token-file/);
  assert.match(r.stdout, /^HIGH \(1\)$/m);
  assert.match(r.stdout, /KCF006 [^\n]*\n[^\n]*dangerous\.yaml:8/);
  assert.match(r.stdout, /fix: /);
  assert.match(r.stdout, /nothing the kubeconfigs name was run, opened or fetched/);
  assert.match(r.stdout, /✖ 3 findings \(2 critical, 1 high, 0 medium, 0 low, 0 info\) in \d+ resources from 1 file/);
  assert.equal(r.stdout.includes('CANARY'), false);
});

test('a clean kubeconfig exits 0', async () => {
  const r = await runCli(['kubeconfig', 'clean.yaml'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /✔ 0 findings/);
});

test('json: the design.md contract, with Kubeconfig resources and field locations', async () => {
  const r = await runCli(['kubeconfig', '--format', 'json', 'dangerous.yaml', 'broken.yaml'], { cwd: dir });
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  assert.equal(report.version, 1);
  assert.equal(report.findings.length, 3);
  const f = report.findings[0];
  assert.deepEqual(Object.keys(f).sort(), ['evidence', 'fingerprint', 'location', 'message', 'remediation', 'resource', 'ruleId', 'severity', 'title']);
  assert.equal(f.ruleId, 'KCF001');
  assert.equal(f.title, 'Kubeconfig user runs an exec credential plugin');
  assert.deepEqual(f.resource, { cluster: '', apiVersion: 'v1', kind: 'Kubeconfig', namespace: '', name: 'dangerous.yaml' });
  assert.deepEqual(f.location, { file: 'dangerous.yaml', line: 19, column: 57, path: 'users[1].user.exec.command' });
  assert.match(f.fingerprint, /^[0-9a-f]{32}$/);
  assert.ok(f.evidence.some((e: { role: string }) => e.role === 'istiod'));
  assert.deepEqual(f.evidence[0], { role: 'subject', description: 'user "plugin"' });
  assert.equal(report.errors.length, 1);
  assert.equal(report.errors[0].file, 'broken.yaml');
  assert.equal(report.errors[0].line, 4);
  assert.match(report.errors[0].message, /invalid YAML/);
  assert.equal(report.summary.files, 1);
  assert.deepEqual(report.summary.bySeverity, { critical: 2, high: 1, medium: 0, low: 0, info: 0 });
  assert.equal(r.stdout.includes('CANARY'), false);
});

test('sarif: rules with help and security-severity, results with regions and fingerprints', async () => {
  const r = await runCli(['kubeconfig', '-f', 'sarif', 'dangerous.yaml'], { cwd: dir });
  assert.equal(r.code, 1);
  const log = JSON.parse(r.stdout);
  assert.equal(log.version, '2.1.0');
  const run = log.runs[0];
  assert.equal(run.tool.driver.name, 'meshward');
  assert.deepEqual(run.tool.driver.rules.map((x: { id: string }) => x.id), Array.from({ length: 12 }, (_, i) => `KCF${String(i + 1).padStart(3, '0')}`));
  assert.ok(run.tool.driver.rules.every((x: any) => x.help.text && x.properties['security-severity']));
  assert.equal(run.results.length, 3);
  const res = run.results[0];
  assert.equal(res.ruleId, 'KCF001');
  assert.equal(res.level, 'error');
  assert.equal(run.tool.driver.rules[res.ruleIndex].id, 'KCF001');
  assert.deepEqual(res.locations[0].physicalLocation.artifactLocation, { uri: 'dangerous.yaml', uriBaseId: '%SRCROOT%' });
  assert.equal(res.locations[0].physicalLocation.region.startLine, 19);
  assert.match(res.partialFingerprints['meshward/v1'], /^[0-9a-f]{32}$/);
});

test('--fail-on decides the exit code; --output writes the report to a file', async () => {
  assert.equal((await runCli(['kubeconfig', 'medium.yaml'], { cwd: dir })).code, 0);
  assert.equal((await runCli(['kubeconfig', '--fail-on', 'medium', 'medium.yaml'], { cwd: dir })).code, 1);
  assert.equal((await runCli(['kubeconfig', '--fail-on', 'none', 'dangerous.yaml'], { cwd: dir })).code, 0);
  const r = await runCli(['kubeconfig', '-o', 'out.json', '-f', 'json', 'dangerous.yaml'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')).findings.length, 3);
});

test('usage errors exit 2', async () => {
  const bad = await runCli(['kubeconfig', '--format', 'xml', 'clean.yaml'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /xml/);
  assert.equal((await runCli(['kubeconfig', '--fail-on', 'worst', 'clean.yaml'], { cwd: dir })).code, 2);
  assert.equal((await runCli(['kubeconfig', '--no-such-flag'], { cwd: dir })).code, 2);
});

test('unreadable inputs are errors (exit 1) and the others are still judged', async () => {
  mkdirSync(join(dir, 'a-folder'), { recursive: true });
  const r = await runCli(['kubeconfig', 'missing.yaml', 'a-folder', 'clean.yaml'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /missing\.yaml {2}no such file/);
  assert.match(r.stdout, /a-folder {2}is a folder/);
  assert.match(r.stdout, /0 findings .* in 3 resources from 1 file, 2 input errors/);
});

test('a FIFO given as the kubeconfig is refused without hanging', async () => {
  execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
  const r = await runCliWithin(['kubeconfig', 'pipe.yaml'], 15_000);
  assert.equal(r.hung, false, 'the command hung on the FIFO');
  assert.equal(r.code, 1);
  assert.match(r.stdout, /not a regular file/);
});

test('standard input', async () => {
  const r = await runCli(['kubeconfig', '-f', 'json', '-'], { cwd: dir, stdin: DANGEROUS });
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  assert.equal(report.findings[0].location.file, '<stdin>');
  assert.equal(report.findings.length, 3);
});

test('default inputs: the $KUBECONFIG entries, merged as kubectl merges them', async () => {
  writeFileSync(join(dir, 'first.yaml'), 'users:\n- name: ok\n  user:\n    exec: {command: /tmp/evil, interactiveMode: Never}\n');
  const env = { KUBECONFIG: ['first.yaml', 'does-not-exist.yaml', 'dangerous.yaml'].map((f) => join(dir, f)).join(':') };
  const r = await runCli(['kubeconfig', '-f', 'json'], { cwd: dir, env });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.summary.files, 2);
  assert.ok(report.summary.notes.some((n: string) => /does-not-exist\.yaml.*skipped, as kubectl does/.test(n)));
  const shadow = report.findings.find((f: any) => f.ruleId === 'KCF012');
  assert.ok(shadow, 'the shadowed user is reported');
  assert.equal(shadow.location.file, 'dangerous.yaml');
  assert.match(shadow.message, /"first\.yaml" defines user "ok" first/);
});

test('default inputs: ~/.kube/config when $KUBECONFIG is unset; exit 2 when there is none', async () => {
  const home = join(dir, 'home');
  mkdirSync(join(home, '.kube'), { recursive: true });
  writeFileSync(join(home, '.kube', 'config'), DANGEROUS);
  const r = await runCli(['kubeconfig'], { cwd: dir, env: { KUBECONFIG: '', HOME: home } });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /home\/\.kube\/config/);
  assert.match(r.stdout, /KCF001/);
  const empty = join(dir, 'empty-home');
  mkdirSync(empty, { recursive: true });
  const none = await runCli(['kubeconfig'], { cwd: dir, env: { KUBECONFIG: '', HOME: empty } });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no kubeconfig to check/);
});

/** A kubeconfig with one cluster `x` (its body given) and a context on user `a`, then the given `users` entries. */
function oneClusterKubeconfig(cluster: string, users: string): string {
  return `clusters:\n- name: x\n  cluster: ${cluster}\ncontexts:\n- name: x\n  context: {cluster: x, user: a}\nusers:\n${users}`;
}

test('canaries through the CLI: nothing named is run or opened, nothing hangs, no secret is printed', async () => {
  const c = join(dir, 'canary');
  mkdirSync(c, { recursive: true });
  writeFileSync(join(c, 'login.sh'), '#!/bin/sh\ntouch "$0.ran"\n');
  chmodSync(join(c, 'login.sh'), 0o755);
  execFileSync('mkfifo', [join(c, 'token.fifo'), join(c, 'key.fifo')]);
  writeFileSync(
    join(c, 'kubeconfig'),
    oneClusterKubeconfig(
      '{server: "https://x.example", certificate-authority: key.fifo}',
      `- name: a
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: ./login.sh, interactiveMode: Never}
- name: b
  user: {token-file: token.fifo, tokenFile: ${join(c, 'token.fifo')}, client-key: key.fifo, password: CANARY-CLI-PASSWORD}
- name: g
  user:
    auth-provider: {name: gcp, config: {cmd-path: ${join(c, 'login.sh')}, access-token: CANARY-CLI-ACCESS}}
`,
    ),
  );
  for (const format of ['text', 'json', 'sarif']) {
    const r = await runCliWithin(['kubeconfig', '-f', format, join(c, 'kubeconfig')], 15_000);
    assert.equal(r.hung, false, `${format}: hung`);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /KCF001/);
    assert.equal(/CANARY/.test(r.stdout + r.stderr), false, `${format} output leaks a canary`);
  }
  assert.deepEqual(readdirSync(c).filter((f) => f.endsWith('.ran')), []);
});

test('credentials in exec.args and cmd-args (header lines, URL passwords, scripts) are not printed in text or JSON', async () => {
  writeFileSync(
    join(dir, 'args.yaml'),
    oneClusterKubeconfig(
      '{server: "https://x.example"}',
      `- name: a
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: kubectl-oidc
      interactiveMode: Never
      args: [get-token, --header, "Authorization: Bearer CANARY-CLI-ARG1", -H, "X-Api-Key: CANARY-CLI-ARG2", "--oidc-issuer-url=https://x:CANARY-CLI-ARG3@idp", "https://u:CANARY-CLI-ARG4@h", -c, "curl -H 'Cookie: s=CANARY-CLI-ARG5' https://h; true"]
      env: [{name: T, value: CANARY-CLI-ENV}]
- name: g
  user:
    auth-provider: {name: gcp, config: {cmd-path: /usr/bin/gcloud, cmd-args: '-H "Authorization: Bearer CANARY-CLI-CMDARG" https://u:CANARY-CLI-CMDURL@h'}}
`,
    ),
  );
  for (const format of ['text', 'json']) {
    const r = await runCli(['kubeconfig', '-f', format, 'args.yaml'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /KCF001/);
    if (format === 'json') assert.ok(JSON.parse(r.stdout).findings.length > 0);
    assert.equal(/CANARY/.test(r.stdout + r.stderr), false, `${format} output leaks ${/CANARY[-A-Z0-9]*/.exec(r.stdout + r.stderr)?.[0]}`);
  }
});
