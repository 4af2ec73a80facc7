// `meshward demo` end to end, as a user runs it: the built CLI prints the API URL and a token; the API
// then shows every example cluster analysed (findings for all but `secure`, the hardened example, which
// has none); SIGINT stops the agents, the server and the stand-in, leaves no process behind and removes
// its folder. And outside a source checkout (the files `npm pack` ships) it refuses, saying what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs, existsSync, readdirSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../testing/kit.js';
const BIN = path.join(REPO_ROOT, 'bin', 'meshward.js');
const CLUSTERS = ['insecure', 'secure', 'east', 'west', 'north'];
/** Processes whose working directory is inside `dir` (the demo's agents run there). */
function processesIn(dir) {
    const out = [];
    for (const p of readdirSync('/proc')) {
        if (!/^\d+$/.test(p))
            continue;
        try {
            if (readlinkSync(`/proc/${p}/cwd`).startsWith(dir))
                out.push(Number(p));
        }
        catch {
            /* gone, or not ours */
        }
    }
    return out;
}
test('meshward demo: prints the API URL and token; every example cluster is analysed through the relay; SIGINT stops everything', { timeout: 240_000 }, async () => {
    const child = spawn(process.execPath, [BIN, 'demo', '--api-port', '0'], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
    let folder = '';
    try {
        const printed = await new Promise((resolve, reject) => {
            child.stdout.on('data', (d) => {
                stdout += d;
                const api = /^ {2}API +(http:\/\/127\.0\.0\.1:\d+)/m.exec(stdout)?.[1];
                const token = /^ {2}token +(mwd_[A-Za-z0-9_-]+)/m.exec(stdout)?.[1];
                const dir = /^ {2}folder +(\S+)/m.exec(stdout)?.[1];
                if (api && token && dir && stdout.includes('Ctrl-C stops everything'))
                    resolve({ api, token, folder: dir });
            });
            child.once('close', (code) => reject(new Error(`demo exited (${code}) before printing its API URL: ${stderr}`)));
        });
        folder = printed.folder;
        const get = async (p) => {
            const r = await fetch(`${printed.api}${p}`, { headers: { authorization: `Bearer ${printed.token}` } });
            assert.equal(r.status, 200, `${p}: ${r.status}`);
            return r.json();
        };
        // The agents enroll, sync and push; the server analyses: poll the API until every cluster is analysed.
        const deadline = Date.now() + 180_000;
        let rows = [];
        for (;;) {
            rows = (await get('/api/clusters')).items.filter((c) => CLUSTERS.includes(c.name));
            if (rows.length === CLUSTERS.length && rows.every((c) => c.status === 'ok' && c.lastAnalysisAt))
                break;
            assert.ok(Date.now() < deadline, `clusters not all analysed in time: ${JSON.stringify(rows.map((c) => [c.name, c.status, c.lastAnalysisAt]))}`);
            await new Promise((r) => setTimeout(r, 250));
        }
        const total = (c) => Object.values(c.openFindings).reduce((a, b) => a + b, 0);
        for (const name of CLUSTERS) {
            const row = rows.find((c) => c.name === name);
            const findings = (await get(`/api/findings?cluster=${name}&limit=500`)).items;
            if (name === 'secure') {
                assert.deepEqual(findings.filter((f) => ['critical', 'high', 'medium'].includes(f.severity)), [], 'the hardened example has nothing at medium or above');
            }
            else {
                assert.ok(findings.length > 0 && total(row) > 0, `${name} has findings`);
            }
        }
        // The insecure example's headline findings arrive through the relay as `scan` finds them.
        const insecure = (await get('/api/findings?cluster=insecure&severity=critical&limit=500')).items;
        assert.ok(insecure.length >= 5, `critical findings of insecure: ${insecure.length}`);
    }
    finally {
        child.kill('SIGINT');
    }
    assert.equal(await exited, 0, stderr);
    assert.match(stdout, /stopping the agents, the server and the stand-in/);
    assert.equal(stderr, '', 'nothing on stderr: no agent stopped early, no runtime warning (Fastify deprecations, missing schemas)');
    assert.ok(folder.startsWith(os.tmpdir()), folder);
    assert.equal(existsSync(folder), false, 'the demo folder is removed');
    assert.deepEqual(processesIn(folder), [], 'no agent left running');
});
test('meshward demo outside a source checkout (the files npm pack ships) refuses and says how to run it', { timeout: 120_000 }, async (t) => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const files = JSON.parse(r.stdout)[0].files.map((f) => f.path);
    const pkg = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-pkg-'));
    t.after(() => fs.rm(pkg, { recursive: true, force: true }));
    for (const f of files.filter((x) => x.startsWith('bin/') || x.startsWith('dist/') || x === 'package.json')) {
        await fs.mkdir(path.dirname(path.join(pkg, f)), { recursive: true });
        await fs.copyFile(path.join(REPO_ROOT, f), path.join(pkg, f));
    }
    // The dependencies as an install would have them.
    await fs.symlink(path.join(REPO_ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
    const demo = spawnSync(process.execPath, [path.join(pkg, 'bin', 'meshward.js'), 'demo', '--api-port', '0'], { cwd: pkg, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
    assert.equal(demo.status, 2, demo.stderr);
    assert.match(demo.stderr, /meshward demo runs from a source checkout/);
    assert.match(demo.stderr, /npm ci && npm run build && node bin\/meshward\.js demo/);
    assert.equal(demo.stdout, '', 'nothing started, nothing printed');
});
