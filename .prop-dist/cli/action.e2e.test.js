// Runs the composite GitHub Action in action.yml the way the runner would: each `run:` step in bash
// with its `env:` (inputs substituted), GITHUB_OUTPUT collected between steps; `uses:` steps are
// replaced by stand-ins that check what they were given. npm is a stand-in too (node_modules exists).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../testing/kit.js';
const action = parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8'));
/** `${{ inputs.x }}`, `${{ steps.id.outputs.y }}` and `${{ github.action_path }}`: all this action uses. */
function expand(s, ctx) {
    return s.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr) => String(value(expr, ctx)));
}
function value(expr, ctx) {
    let m;
    if ((m = /^inputs\.([\w-]+)$/.exec(expr)))
        return ctx.inputs[m[1]] ?? '';
    if ((m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr)))
        return ctx.steps[m[1]]?.outputs[m[2]] ?? '';
    if (expr === 'github.action_path')
        return ctx.actionPath;
    throw new Error(`expression the test does not know: ${expr}`);
}
/** `if:` conditions: `always()` and `a == 'b'` / `a != 'b'` terms joined by `&&`. */
function condition(expr, ctx, failed) {
    if (!expr)
        return !failed;
    let always = false;
    const ok = expr.split('&&').every((term) => {
        const t = term.trim();
        if (t === 'always()')
            return (always = true);
        const m = /^([\w.-]+)\s*(==|!=)\s*'([^']*)'$/.exec(t);
        if (!m)
            throw new Error(`condition the test does not know: ${t}`);
        return m[2] === '==' ? value(m[1], ctx) === m[3] : value(m[1], ctx) !== m[3];
    });
    return ok && (always || !failed);
}
async function runAction(workspace, given) {
    const inputs = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, given[k] ?? v.default ?? '']));
    const ctx = { inputs, steps: {}, actionPath: REPO_ROOT };
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-action-'));
    const fakeBin = path.join(tmp, 'bin');
    await fs.mkdir(fakeBin);
    await fs.writeFile(path.join(fakeBin, 'npm'), '#!/bin/sh\necho "npm $*" >> "$NPM_LOG"\n', { mode: 0o755 });
    const npmLog = path.join(tmp, 'npm.log');
    const uploads = [];
    const logs = [];
    let failed = false;
    let failedCode = 0;
    for (const step of action.runs.steps) {
        if (!condition(step.if, ctx, failed))
            continue;
        if (step.uses) {
            const withArgs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, expand(String(v), ctx)]));
            if (step.uses.startsWith('actions/setup-node@'))
                assert.match(withArgs['node-version'], /^\d+/);
            else if (step.uses.startsWith('github/codeql-action/upload-sarif@'))
                uploads.push(withArgs);
            else
                throw new Error(`no stand-in for ${step.uses}`);
            continue;
        }
        assert.equal(step.shell, 'bash', `${step.name}: composite run steps need a shell`);
        const output = path.join(tmp, `output-${step.id ?? 'x'}`);
        await fs.writeFile(output, '');
        const env = {
            PATH: `${fakeBin}:${process.env.PATH}`,
            HOME: process.env.HOME ?? tmp,
            NO_COLOR: '1',
            GITHUB_OUTPUT: output,
            GITHUB_WORKSPACE: workspace,
            NPM_LOG: npmLog,
        };
        for (const [k, v] of Object.entries(step.env ?? {}))
            env[k] = expand(String(v), ctx);
        const cwd = step['working-directory'] ? expand(step['working-directory'], ctx) : workspace;
        // As the runner does for shell: bash.
        const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], { cwd, env, encoding: 'utf8' });
        logs.push(`## ${step.name}\n${r.stdout}${r.stderr}`);
        if (step.id) {
            const outputs = {};
            for (const line of (await fs.readFile(output, 'utf8')).split('\n')) {
                const i = line.indexOf('=');
                if (i > 0)
                    outputs[line.slice(0, i)] = line.slice(i + 1);
            }
            ctx.steps[step.id] = { outputs };
        }
        if (r.status !== 0) {
            failed = true;
            failedCode = r.status ?? -1;
        }
    }
    const outputs = Object.fromEntries(Object.entries(action.outputs).map(([k, v]) => [k, expand(v.value, ctx)]));
    return { failed, failedCode, outputs, uploads, log: logs.join('\n'), npm: await fs.readFile(npmLog, 'utf8').catch(() => '') };
}
const POD_1337 = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers:\n  - name: app\n    image: example/app:1\n    securityContext:\n      runAsUser: 1337\n';
async function workspace(files) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-ws-'));
    await fs.mkdir(path.join(dir, '.git'));
    for (const [name, text] of Object.entries(files)) {
        await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
        await fs.writeFile(path.join(dir, name), text);
    }
    return dir;
}
test('action.yml is a composite action whose inputs reach the script only through env', () => {
    assert.equal(action.runs.using, 'composite');
    for (const step of action.runs.steps) {
        if (step.run)
            assert.doesNotMatch(step.run, /\$\{\{/, `${step.name}: no expression inside a script (script injection)`);
    }
    for (const name of ['paths', 'format', 'fail-on', 'config', 'args', 'upload-sarif'])
        assert.ok(action.inputs[name], name);
});
test('action: findings at or above fail-on fail the job after the SARIF upload', async () => {
    const ws = await workspace({ 'k8s/pod.yaml': POD_1337, 'k8s/charts/x/bad.yaml': 'kind: [' });
    const r = await runAction(ws, { paths: 'k8s', args: '--exclude **/charts/** --only BYP001,EGR001', output: 'reports/meshward.sarif' });
    assert.match(r.npm, /^npm ci /m, 'the install step ran in the action path');
    assert.equal(r.outputs['exit-code'], '1', r.log);
    assert.equal(r.outputs.report, 'reports/meshward.sarif');
    assert.deepEqual(r.uploads, [{ sarif_file: 'reports/meshward.sarif', category: 'meshward' }]);
    const sarif = JSON.parse(await fs.readFile(path.join(ws, 'reports/meshward.sarif'), 'utf8'));
    assert.equal(sarif.runs[0].results.find((x) => x.ruleId === 'BYP001').locations[0].physicalLocation.artifactLocation.uri, 'k8s/pod.yaml');
    assert.equal(sarif.runs[0].invocations[0].toolExecutionNotifications.filter((n) => n.descriptor.id === 'meshward/load-error').length, 0, '--exclude from args applied');
    assert.match(r.log, /HIGH \(1\)/, 'the log has the text form');
    assert.equal(r.failed, true);
    assert.equal(r.failedCode, 1);
});
test('action: fail-on, other formats without upload, and hostile inputs stay data', async () => {
    const ws = await workspace({ 'pod.yaml': POD_1337 });
    let r = await runAction(ws, { paths: 'pod.yaml', 'fail-on': 'CRITICAL', args: '--only BYP001' });
    assert.equal(r.outputs['exit-code'], '0', r.log);
    assert.equal(r.failed, false);
    assert.equal(r.uploads.length, 1);
    r = await runAction(ws, { paths: 'pod.yaml', format: 'gitlab', output: 'gl.json', args: '--only BYP001' });
    assert.equal(r.uploads.length, 0, 'no SARIF, no upload');
    assert.equal(JSON.parse(await fs.readFile(path.join(ws, 'gl.json'), 'utf8'))[0].check_name, 'BYP001');
    r = await runAction(ws, { paths: 'pod.yaml $(touch pwned)', args: '"; touch pwned2; #' });
    await assert.rejects(fs.stat(path.join(ws, 'pwned')));
    await assert.rejects(fs.stat(path.join(ws, 'pwned2')));
    assert.equal(r.failed, true);
    assert.match(r.log, /\$\(touch  no such file/, 'the words are paths meshward could not find, not shell');
    r = await runAction(ws, { paths: 'pod.yaml', args: '--fail-on loud' });
    assert.equal(r.failedCode, 2, 'a usage error fails the scan step itself');
    assert.equal(r.uploads.length, 0, 'no report, nothing to upload');
});
