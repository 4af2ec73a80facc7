// End-to-end tests of the built CLI in CI settings (issue 9, "CI fit"): Helm pipelines, several
// reports per run, compact text, excludes, empty input, broken pipes, config validation, JUnit and
// GitLab reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AjvModule from 'ajv';
import { CLI_PATH, REPO_ROOT, runCli } from '../testing/kit.js';
const Ajv = AjvModule.default ?? AjvModule;
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
const HELM = path.join(REPO_ROOT, 'test', 'fixtures', 'helm');
const RENDERED = readFileSync(path.join(HELM, 'rendered.yaml'), 'utf8');
const RENDERED_LINE = RENDERED.split('\n').indexOf('            runAsUser: 1337') + 1;
async function tempDir(files) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-ci-'));
    for (const [name, text] of Object.entries(files)) {
        await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
        await fs.writeFile(path.join(dir, name), text);
    }
    return dir;
}
/** A repository: a `.git` folder at the top, the chart fixture under deploy/shop. */
async function helmRepo() {
    const repo = await tempDir({ '.git/HEAD': 'ref: refs/heads/main\n' });
    await fs.cp(path.join(HELM, 'shop'), path.join(repo, 'deploy', 'shop'), { recursive: true });
    return repo;
}
/** GitHub code scanning's own checks on an upload: every result has one physical, repository-relative location. */
function assertGithubAccepts(sarif) {
    assert.equal(sarif.version, '2.1.0');
    for (const r of sarif.runs[0].results) {
        assert.equal(r.locations.length, 1, r.ruleId);
        const phys = r.locations[0].physicalLocation;
        assert.ok(phys, `${r.ruleId} has a physical location`);
        assert.equal(phys.artifactLocation.uriBaseId, '%SRCROOT%');
        assert.doesNotMatch(phys.artifactLocation.uri, /^(\/|\.\.|<|file:)/);
        assert.ok(Number.isInteger(phys.region.startLine) && phys.region.startLine >= 1);
    }
}
test('helm template | meshward scan -: SARIF results on the template files, relative to the repository root', async () => {
    const repo = await helmRepo();
    const cwd = path.join(repo, 'deploy');
    const r = await runCli(['scan', '-', '-f', 'sarif', '--fail-on', 'high'], { cwd, stdin: RENDERED });
    assert.equal(r.code, 1, r.stderr);
    const sarif = JSON.parse(r.stdout);
    assertGithubAccepts(sarif);
    const byp = sarif.runs[0].results.find((x) => x.ruleId === 'BYP001');
    assert.ok(byp, 'the finding in the rendered Deployment is a result');
    assert.equal(byp.locations[0].physicalLocation.artifactLocation.uri, 'deploy/shop/templates/deployment.yaml');
    assert.equal(byp.locations[0].physicalLocation.region.startLine, 1, 'rendered lines are not template lines: line 1 of the template');
    assert.equal(byp.properties.renderedFile, '<stdin>');
    assert.equal(byp.properties.renderedLine, RENDERED_LINE);
    assert.equal(sarif.runs[0].originalUriBaseIds['%SRCROOT%'].uri, `${new URL(`file://${repo}`).href}/`);
    // Mesh-default findings have no file: pinned on the chart's Chart.yaml, marked, not dropped.
    const defaults = sarif.runs[0].results.filter((x) => x.ruleId === 'EGR001');
    assert.equal(defaults.length, 1);
    assert.equal(defaults[0].locations[0].physicalLocation.artifactLocation.uri, 'deploy/shop/Chart.yaml');
    assert.equal(defaults[0].properties.locationFallback, true);
    const unlocated = sarif.runs[0].invocations[0].toolExecutionNotifications.filter((n) => n.descriptor.id === 'meshward/unlocated-finding');
    assert.equal(unlocated.length, 0);
});
test('helm: --chart-dir, --sarif-base, --mesh-config as the fallback, and the text form names the rendered line', async () => {
    const repo = await helmRepo();
    await fs.writeFile(path.join(repo, 'mesh.yaml'), 'outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n');
    const work = path.join(repo, 'ci', 'work');
    await fs.mkdir(work, { recursive: true });
    // helm template ../../deploy/shop: the comments say shop/templates/..., the chart lives elsewhere.
    let r = await runCli(['scan', '-', '-f', 'sarif', '--chart-dir', '../../deploy/shop', '--mesh-config', '../../mesh.yaml', '--fail-on', 'none'], {
        cwd: work,
        stdin: RENDERED,
    });
    assert.equal(r.code, 0, r.stderr);
    let sarif = JSON.parse(r.stdout);
    assertGithubAccepts(sarif);
    const uris = sarif.runs[0].results.map((x) => x.locations[0].physicalLocation.artifactLocation.uri);
    assert.ok(uris.includes('deploy/shop/templates/deployment.yaml'), uris.join());
    const hjk = sarif.runs[0].results.find((x) => x.ruleId === 'HJK012');
    assert.equal(hjk?.locations[0].physicalLocation.artifactLocation.uri, 'mesh.yaml');
    r = await runCli(['scan', '-', '-f', 'sarif', '--chart-dir', '../../deploy/shop', '--sarif-base', '../..', '--fail-on', 'none'], { cwd: work, stdin: RENDERED });
    sarif = JSON.parse(r.stdout);
    assert.ok(sarif.runs[0].results.some((x) => x.locations[0].physicalLocation.artifactLocation.uri === 'deploy/shop/templates/deployment.yaml'));
    r = await runCli(['scan', '-', '--chart-dir', '../../deploy/shop', '--only', 'BYP001'], { cwd: work, stdin: RENDERED });
    assert.match(r.stdout, new RegExp(`\\.\\./\\.\\./deploy/shop/templates/deployment\\.yaml \\(rendered <stdin>:${RENDERED_LINE}\\)`));
    assert.match(r.stdout, /mapped to Helm templates/);
});
test('several reports in one run: each --output takes the --format before it; --report FORMAT:FILE; folders are created', async () => {
    const dir = await tempDir({ 'pod.yaml': POD_1337 });
    let r = await runCli(['scan', 'pod.yaml', '--only', 'BYP001', '--format', 'sarif', '--output', 'out/new/x.sarif', '--format', 'text', '-f', 'junit', '-o', 'out/j.xml'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /HIGH \(1\)/, 'the --format without --output is the text on standard output');
    assert.equal(JSON.parse(await fs.readFile(path.join(dir, 'out/new/x.sarif'), 'utf8')).runs[0].results[0].ruleId, 'BYP001');
    assert.match(await fs.readFile(path.join(dir, 'out/j.xml'), 'utf8'), /<testsuites /);
    assert.equal(r.stderr, '', 'a report on standard output: no summary line');
    r = await runCli(['scan', 'pod.yaml', '--only', 'BYP001', '--report', 'json:r/a.json', '--report', 'gitlab:r/gl.json'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '', 'only files were asked for');
    assert.match(r.stderr, /^meshward: 1 finding \(1 high\) in 1 resource; reports written to r\/a\.json, r\/gl\.json\n$/);
    assert.equal(JSON.parse(await fs.readFile(path.join(dir, 'r/a.json'), 'utf8')).findings.length, 1);
    // The classic single pair works in either order.
    r = await runCli(['scan', 'pod.yaml', '--only', 'BYP001', '-o', 'single.json', '-f', 'json'], { cwd: dir });
    assert.equal(JSON.parse(await fs.readFile(path.join(dir, 'single.json'), 'utf8')).version, 1);
    assert.match(r.stderr, /report written to single\.json/);
    for (const bad of [
        ['-f', 'json', '-f', 'text'],
        ['-o', 'a.json', '-o', 'b.json', '-f', 'json'],
        ['--report', 'sarif'],
        ['--report', 'xml:x.xml'],
        ['-f', 'json', '-o', 'same.json', '--report', 'sarif:same.json'],
    ]) {
        const u = await runCli(['scan', 'pod.yaml', ...bad], { cwd: dir });
        assert.equal(u.code, 2, `${bad.join(' ')}: ${u.stderr}`);
        assert.match(u.stderr, /^meshward: /);
    }
    const blocked = await tempDir({ 'pod.yaml': POD_1337, 'file': 'x' });
    r = await runCli(['scan', 'pod.yaml', '-f', 'json', '-o', 'file/x.json'], { cwd: blocked });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--output file\/x\.json: cannot create its folder/);
});
test('compact text: one line per finding as istioctl analyze prints them; untrusted text is escaped', async () => {
    const hostile = POD_1337.replace('name: web', 'name: "web\\e[2J\\u202Eevil"');
    const dir = await tempDir({ 'pod.yaml': hostile, 'bad\u001b[31m.yaml': 'kind: [' });
    const r = await runCli(['scan', '.', '--format', 'compact', '--only', 'BYP001'], { cwd: dir });
    assert.equal(r.code, 1);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[0], /^HIGH \[BYP001\] \(Pod shop\/web\\u001b\[2J\\u202eevil pod\.yaml:11\) container "app" of Pod shop\//);
    assert.match(lines[1], /^ERROR \[load\] \(bad\\u001b\[31m\.yaml:1\) invalid YAML/);
    assert.doesNotMatch(r.stdout, /[\u001b\u202e]/);
    const long = await runCli(['scan', '.', '--only', 'BYP001', '--show-suppressed'], { cwd: dir });
    assert.doesNotMatch(long.stdout + long.stderr, /[\u001b\u202e]/, 'the long form escapes names, files and errors too');
    assert.match(long.stdout, /Pod shop\/web\\u001b\[2J/);
});
test('text: wrapped to the terminal width ($COLUMNS when not a TTY); --show-suppressed lists suppressed findings, marked', async () => {
    const dir = await tempDir({
        'pod.yaml': POD_1337,
        '.meshward.yaml': 'ignore:\n  - rule: BYP001\n    resource: "Pod/shop/web"\n    reason: vendor image, tracked in SEC-1\n',
        '.git/HEAD': '',
    });
    const wide = await runCli(['scan', 'pod.yaml', '--only', 'BYP001,EGR001', '--fail-on', 'none'], { cwd: dir });
    assert.ok(wide.stdout.split('\n').some((l) => l.length > 60), 'unwrapped, some lines are long');
    const narrow = await runCli(['scan', 'pod.yaml', '--only', 'BYP001,EGR001', '--fail-on', 'none'], { cwd: dir, env: { COLUMNS: '60' } });
    const tooLong = narrow.stdout.split('\n').filter((l) => l.length > 60 && !l.includes('finding') && !l.includes('meshward explain'));
    assert.deepEqual(tooLong, [], 'every line fits 60 columns except the fixed summary lines');
    assert.match(narrow.stdout, /EGR001/);
    const hidden = await runCli(['scan', 'pod.yaml', '--only', 'BYP001'], { cwd: dir });
    assert.equal(hidden.code, 0);
    assert.doesNotMatch(hidden.stdout, /BYP001 /);
    const shown = await runCli(['scan', 'pod.yaml', '--only', 'BYP001', '--show-suppressed'], { cwd: dir });
    assert.equal(shown.code, 0, 'suppressed findings are shown, not counted');
    assert.match(shown.stdout, /HIGH, SUPPRESSED \(1\)/);
    assert.match(shown.stdout, /suppressed \(config\): vendor image, tracked in SEC-1/);
    assert.match(shown.stdout, /0 findings .* 1 suppressed/);
    const compact = await runCli(['scan', 'pod.yaml', '--only', 'BYP001', '--show-suppressed', '-f', 'compact'], { cwd: dir });
    assert.match(compact.stdout, /^HIGH \[BYP001\] \(suppressed\) \(Pod shop\/web pod\.yaml:11\)/);
});
test('--exclude skips folders relative to the scan root; unrendered Helm templates get a hint', async () => {
    const dir = await tempDir({ 'app/pod.yaml': POD_1337, 'app/charts/sub/bad.yaml': 'kind: [', 'app/vendor/x.yaml': 'kind: [' });
    let r = await runCli(['scan', 'app', '-f', 'json', '--only', 'BYP001'], { cwd: dir });
    assert.equal(JSON.parse(r.stdout).errors.length, 2);
    r = await runCli(['scan', 'app', '-f', 'json', '--only', 'BYP001', '--exclude', '**/charts/**', '--exclude', 'vendor'], { cwd: dir });
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.errors, []);
    assert.equal(j.findings.length, 1);
    const repo = await helmRepo();
    r = await runCli(['scan', 'deploy'], { cwd: repo });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /deploy\/shop\/templates: these look like Helm templates: render them with `helm template` and pipe to `meshward scan -`/);
    assert.match(r.stdout, /note: deploy\/shop\/templates: these look like Helm templates/);
    r = await runCli(['scan', 'deploy', '--exclude', '**/templates/**'], { cwd: repo });
    assert.equal(r.code, 2, 'only Chart.yaml and values.yaml are left: no resources');
    assert.doesNotMatch(r.stderr, /look like Helm templates/);
});
test('empty input is an error unless --allow-empty: a failed helm template upstream is not a green build', async () => {
    const dir = await tempDir({ 'empty/.keep.yaml': '# nothing\n' });
    let r = await runCli(['scan', '-'], { cwd: dir, stdin: '' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no resources found in standard input/);
    r = await runCli(['scan', 'empty', '-f', 'sarif', '-o', 'x.sarif'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no resources found in empty/);
    r = await runCli(['scan', '-', '--allow-empty'], { cwd: dir, stdin: '' });
    assert.equal(r.code, 0, r.stderr);
});
test('meshward scan | head -1: a closed pipe ends the run quietly', async () => {
    // Enough findings to overflow the pipe buffer, so writes happen after the reader has gone.
    const many = Array.from({ length: 1500 }, (_, i) => POD_1337.replace('name: web', `name: web-${i}`)).join('---\n');
    const dir = await tempDir({ 'pods.yaml': many });
    const result = await new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [CLI_PATH, 'scan', 'pods.yaml', '--only', 'BYP001', '--config', '/dev/null'], {
            cwd: dir,
            env: { ...process.env, NO_COLOR: '1' },
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        let first = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.stdout.once('data', (d) => {
            first = String(d).split('\n')[0];
            child.stdout.destroy(); // what `head -1` does after its line
        });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr, first }));
    });
    assert.equal(result.first, 'HIGH (1500)');
    assert.equal(result.stderr, '', 'no EPIPE stack trace');
    assert.equal(result.code, 1, 'the exit code is still the run\'s');
});
test('--write-baseline accepts the findings: exit 0 unless input errors', async () => {
    const dir = await tempDir({ 'pod.yaml': POD_1337, 'bad.yaml': 'kind: [' });
    let r = await runCli(['scan', 'pod.yaml', '--write-baseline', 'base/line.json', '--config', '/dev/null'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(JSON.parse(await fs.readFile(path.join(dir, 'base/line.json'), 'utf8')).findings.length > 0);
    r = await runCli(['scan', 'pod.yaml', 'bad.yaml', '--write-baseline', 'b2.json', '--config', '/dev/null'], { cwd: dir });
    assert.equal(r.code, 1, 'unreadable input still fails');
});
test('config: unknown rule IDs warned with the nearest one, severities and dates checked, failOn honoured', async () => {
    const dir = await tempDir({ 'pod.yaml': POD_1337, '.git/HEAD': '' });
    const write = (text) => fs.writeFile(path.join(dir, '.meshward.yaml'), text);
    const scan = (...extra) => runCli(['scan', 'pod.yaml', '--only', 'BYP001', ...extra], { cwd: dir });
    await write('rules:\n  BYP01O: "off"\nignore:\n  - rule: EGR0001\n    reason: typo in the id\n');
    let r = await scan();
    assert.equal(r.code, 2, 'EGR0001 is no rule ID at all');
    await write('rules:\n  BYP002: low\n  ZZZ999: "off"\nignore:\n  - rule: EGR011\n    reason: no such rule here\n');
    r = await scan();
    assert.match(r.stderr, /warning: \.meshward\.yaml:3: rules names rule ZZZ999, which does not exist \(/);
    assert.match(r.stderr, /warning: \.meshward\.yaml:5: ignore names rule EGR011, which does not exist; did you mean EGR001\?/);
    assert.doesNotMatch(r.stderr, /BYP002/, 'BYP002 exists');
    await write('rules:\n  BYP001: loud\n');
    r = await scan();
    assert.equal(r.code, 2);
    assert.match(r.stderr, /rules\.BYP001: "off" or a severity: one of critical, high, medium, low, info/);
    await write('ignore:\n  - rule: BYP001\n    reason: waiting for the vendor\n    expires: "2027-02-30"\n');
    r = await scan();
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\.meshward\.yaml:4: ignore\.0\.expires: a date that exists in the calendar/);
    await write('failOn: critical\n');
    assert.equal((await scan()).code, 0, 'failOn in the file: a high finding passes');
    assert.equal((await scan('--fail-on', 'HIGH')).code, 1, 'the command line wins, in any case');
    await write('failOn: LOW\n');
    assert.equal((await scan()).code, 1);
    await write('failOn: none\n');
    assert.equal((await scan()).code, 0);
    assert.equal((await scan('--fail-on', 'bogus')).code, 2);
});
test('config: extraSystemNamespaces extends the built-in list, systemNamespaces replaces it; the search stops at the repository root', async () => {
    const ns = (name) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
    const outer = await tempDir({ '.meshward.yaml': 'rules: {BYP001: loud}\n', 'repo/.git': 'gitdir: /elsewhere\n', 'repo/ns.yaml': `${ns('monitoring')}---\n${ns('kube-system')}` });
    const repo = path.join(outer, 'repo');
    const names = async () => {
        const r = await runCli(['scan', 'ns.yaml', '-f', 'json', '--only', 'BYP008'], { cwd: repo });
        assert.notEqual(r.code, 2, `the broken config above the repository root is not read: ${r.stderr}`);
        return JSON.parse(r.stdout).findings.map((f) => f.resource.name).sort();
    };
    assert.deepEqual(await names(), ['monitoring']);
    await fs.writeFile(path.join(repo, '.meshward.yaml'), 'settings:\n  extraSystemNamespaces: [monitoring]\n');
    assert.deepEqual(await names(), []);
    await fs.writeFile(path.join(repo, '.meshward.yaml'), 'settings:\n  systemNamespaces: [monitoring]\n');
    assert.deepEqual(await names(), ['kube-system']);
});
test('usage errors: --mesh-config that is no mesh config, --only "", blast-radius without clusters', async () => {
    const dir = await tempDir({ 'pod.yaml': POD_1337, 'values.yaml': 'replicaCount: 2\nimage: {tag: x}\n', 'nomesh-cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n' });
    let r = await runCli(['scan', 'pod.yaml', '--mesh-config', 'pod.yaml'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--mesh-config pod\.yaml: this is a Pod, not a mesh config; give a MeshConfig/);
    r = await runCli(['scan', 'pod.yaml', '--mesh-config', 'values.yaml'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no MeshConfig field at the top level \(found replicaCount, image\)/);
    r = await runCli(['scan', 'pod.yaml', '--mesh-config', 'nomesh-cm.yaml'], { cwd: dir });
    assert.match(r.stderr, /this ConfigMap has no data\.mesh/);
    r = await runCli(['scan', 'pod.yaml', '--only', ''], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--only needs at least one rule ID/);
    r = await runCli(['scan', 'pod.yaml', '--only', 'BYP01'], { cwd: dir });
    assert.match(r.stderr, /did you mean BYP001\?/);
    r = await runCli(['blast-radius'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /blast-radius needs at least one --cluster NAME=PATH/);
    // Every command's --output creates missing folders.
    r = await runCli(['blast-radius', '--cluster', 'east=pod.yaml', '-f', 'json', '-o', 'graphs/east/br.json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(JSON.parse(await fs.readFile(path.join(dir, 'graphs/east/br.json'), 'utf8')));
});
test('JUnit honours --fail-on and carries file attributes; GitLab Code Quality validates against its schema', async () => {
    const repo = await tempDir({ '.git/HEAD': '', 'k8s/pod.yaml': POD_1337, 'k8s/sub/.keep': '' });
    const cwd = path.join(repo, 'k8s', 'sub');
    let r = await runCli(['scan', '../pod.yaml', '-f', 'junit', '--fail-on', 'critical'], { cwd });
    assert.equal(r.code, 0);
    const byp = /<testcase classname="Pod\/shop\/web" name="BYP001 [^"]*" file="k8s\/pod\.yaml">\n\s*<system-out>Below --fail-on critical/.exec(r.stdout);
    assert.ok(byp, r.stdout.slice(0, 3000));
    assert.match(r.stdout, /<testsuites name="meshward" tests="\d+" failures="0"/);
    r = await runCli(['scan', '../pod.yaml', '-f', 'junit', '--fail-on', 'high'], { cwd });
    assert.match(r.stdout, /file="k8s\/pod\.yaml">\n\s*<failure message="[^"]*" type="high">/);
    assert.match(r.stdout, /failures="1"/, 'the low mesh-default findings do not fail');
    r = await runCli(['scan', '../pod.yaml', '-f', 'gitlab', '--fail-on', 'none'], { cwd });
    const issues = JSON.parse(r.stdout);
    const schema = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'test/fixtures/gitlab-codequality-schema.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true }).compile(schema);
    assert.ok(validate(issues), JSON.stringify(validate.errors));
    const b = issues.find((i) => i.check_name === 'BYP001');
    assert.deepEqual(b.location, { path: 'k8s/pod.yaml', lines: { begin: 11 } });
    assert.equal(b.severity, 'critical');
    assert.equal(new Set(issues.map((i) => i.fingerprint)).size, issues.length, 'fingerprints are unique');
    // Mesh defaults are pinned on the first input file (no mesh config, no config file here).
    assert.ok(issues.some((i) => i.check_name === 'EGR001' && i.location.path === 'k8s/pod.yaml' && /no source position/.test(i.description)));
    // A config file outside the repository (/dev/null) is passed over for the next candidate.
    r = await runCli(['scan', '../pod.yaml', '-f', 'gitlab', '--fail-on', 'none', '--config', '/dev/null'], { cwd });
    assert.ok(JSON.parse(r.stdout).some((i) => i.check_name === 'EGR001' && i.location.path === 'k8s/pod.yaml'));
    // The schema has teeth: a report with an absolute path fails it.
    assert.equal(validate([{ ...b, location: { path: '/abs/pod.yaml', lines: { begin: 1 } } }]), false);
    assert.equal(validate([{ ...b, severity: 'high' }]), false);
});
