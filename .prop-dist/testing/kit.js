/**
 * Helpers for rule tests and end-to-end CLI tests. Rule tests scan inline YAML through the real
 * loader, model and engine, so a rule is tested the way it runs.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { scanFiles } from '../engine/scan.js';
export async function scanYaml(text, opts = {}) {
    const { rule, ...rest } = opts;
    return scanFiles([{ file: 'test.yaml', text, format: 'yaml' }], { ...rest, rules: rule ? [rule] : rest.rules });
}
/** Findings of one rule for inline YAML. */
export async function findingsFor(rule, text, opts = {}) {
    const res = await scanYaml(text, { ...opts, rule });
    if (res.errors.length)
        throw new Error(`fixture did not load: ${JSON.stringify(res.errors)}`);
    if (res.failures.length)
        throw new Error(`rule failed: ${res.failures[0].message}`);
    return res.findings.filter((f) => f.ruleId === rule.meta.id);
}
/** Path of the compiled CLI entry point, for spawning it as a user would. */
export const CLI_PATH = fileURLToPath(new URL('../cli/bin.js', import.meta.url));
/**
 * Repository root: two levels above the compiled `dist/testing` when that holds meshward's
 * package.json, else the working directory (tests compiled to a scratch --outDir run from the repo).
 */
export const REPO_ROOT = findRepoRoot();
function findRepoRoot() {
    const candidate = fileURLToPath(new URL('../../', import.meta.url));
    try {
        const named = JSON.parse(readFileSync(path.join(candidate, 'package.json'), 'utf8')).name === 'meshward';
        if (named && existsSync(path.join(candidate, 'src')) && existsSync(path.join(candidate, 'examples')))
            return candidate;
    }
    catch {
        /* not a checkout: fall through */
    }
    return process.cwd();
}
/** Runs the built CLI in a child process. */
export function runCli(args, opts = {}) {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [CLI_PATH, ...args], {
            cwd: opts.cwd ?? REPO_ROOT,
            env: { ...process.env, NO_COLOR: '1', ...opts.env },
            stdio: ['pipe', 'pipe', 'pipe'],
        });
        const out = [];
        const err = [];
        child.stdout.on('data', (d) => out.push(d));
        child.stderr.on('data', (d) => err.push(d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
        child.stdin.on('error', () => { });
        child.stdin.end(opts.stdin ?? '');
    });
}
