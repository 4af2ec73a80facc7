import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { CLI_PATH, REPO_ROOT, runCli } from '../../testing/kit.js';
import { AGENT_PATHS } from '../../relay/protocol.js';
import { openStore } from '../../store/index.js';
import { startIdentityServer } from '../../server/identity-test-server.js';
import { openAgentIdentity } from '../../relay/enroll.js';
import { FileCredentialStore } from '../../relay/credentials.js';
/** Every byte of the SQLite store (database, WAL, shared memory), to look for canaries. */
function storeBytes(dir) {
    return fs
        .readdirSync(dir)
        .filter((f) => f.startsWith('meshward.db'))
        .map((f) => fs.readFileSync(path.join(dir, f)).toString('latin1'))
        .join('\n');
}
function whoami(url, ca, c) {
    return new Promise((resolve, reject) => {
        const req = https.request(new URL('/test/whoami', url), { ca, key: c.keyPem, cert: c.certificatePem, agent: false }, (res) => {
            const chunks = [];
            res.on('data', (x) => chunks.push(x));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }));
        });
        req.on('error', reject);
        req.end();
    });
}
test('meshward server register-cluster prints only the token; an agent enrolls with it; revoke-cluster cuts it off at once', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-admin-'));
    try {
        const reg = await runCli(['server', 'register-cluster', 'east', '--data', data, '--ttl', '10m']);
        assert.equal(reg.code, 0, reg.stderr);
        assert.match(reg.stdout, /^mwb_[A-Za-z0-9_-]{43}\n$/, 'stdout is the token and nothing else');
        const token = reg.stdout.trim();
        assert.ok(!reg.stderr.includes(token), 'stderr never repeats the token');
        assert.match(reg.stderr, /cluster east: bootstrap token issued, usable once until \d{4}-/);
        assert.ok(!storeBytes(data).includes(token), 'the store holds no token');
        assert.ok(!storeBytes(data).includes(token.slice(4, 24)), 'nor part of one');
        // The server side on the same data folder: its CA is generated there, its store is the same SQLite.
        const store = await openStore({ engine: 'sqlite', dataDir: data });
        const s = await startIdentityServer(store, { dataDir: data });
        try {
            const credFile = path.join(data, 'agent', 'east.json');
            const id = await openAgentIdentity({ server: s.url, serverCaPem: s.identity.caCertificate(), cluster: 'east', bootstrapToken: token, store: new FileCredentialStore(credFile), agentVersion: 'e2e' });
            assert.deepEqual((await whoami(s.url, s.identity.caCertificate(), id.current())).body, { cluster: 'east' });
            assert.ok(!s.logs.join('\n').includes(token), 'the server logs never hold the token');
            assert.ok(!fs.readFileSync(credFile, 'utf8').includes(token));
            const revoke = await runCli(['server', 'revoke-cluster', 'east', '--data', data]);
            assert.equal(revoke.code, 0, revoke.stderr);
            assert.equal(revoke.stdout, '');
            const after = await whoami(s.url, s.identity.caCertificate(), id.current());
            assert.equal(after.status, 403);
            assert.equal(after.body.code, 'revoked');
            const again = await runCli(['server', 'register-cluster', 'east', '--data', data]);
            assert.equal(again.code, 1);
            assert.equal(again.stdout, '', 'no token for a revoked cluster');
            assert.match(again.stderr, /revoked .* register the cluster under a new name/);
        }
        finally {
            await s.close();
            await store.close();
        }
    }
    finally {
        fs.rmSync(data, { recursive: true, force: true });
    }
});
test('meshward server register-cluster / revoke-cluster: bad names, durations and stores are usage errors that say what to do', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-admin-'));
    try {
        const cases = [
            [['server', 'register-cluster', 'East', '--data', data], /not a DNS label/],
            [['server', 'register-cluster', 'x\u001b[31m', '--data', data], /not a DNS label/],
            [['server', 'register-cluster', 'east', '--data', data, '--ttl', '2d'], /--ttl takes a duration/],
            [['server', 'register-cluster', 'east', '--data', data, '--ttl', '25h'], /at most 24h/],
            [['server', 'register-cluster', 'east'], /--data DIR .* --database postgres/],
            [['server', 'register-cluster', 'east', '--data', data, '--database', 'postgres://x'], /not both/],
            [['server', 'register-cluster', 'east', '--database', 'mysql://u:CANARYPW@h/db'], /postgres:\/\//],
        ];
        for (const [args, want] of cases) {
            const r = await runCli(args, { env: { MESHWARD_DATABASE_URL: '' } });
            assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
            assert.equal(r.stdout, '');
            assert.match(r.stderr, want, args.join(' '));
            assert.ok(!r.stderr.includes('\u001b'), 'escaped for the terminal');
            assert.ok(!r.stderr.includes('CANARYPW'), 'a database password is never echoed');
        }
        const missing = await runCli(['server', 'revoke-cluster', 'ghost', '--data', data]);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /cluster ghost is not registered/);
    }
    finally {
        fs.rmSync(data, { recursive: true, force: true });
    }
});
test('against a running `meshward server`: register while it runs, the agent enrolls, reads its cursor; revoke cuts it off; the token is never logged', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-admin-live-'));
    const child = spawn(process.execPath, [CLI_PATH, 'server', '--data', data, '--host', '127.0.0.1', '--agent-port', '0', '--api-port', '0'], {
        cwd: REPO_ROOT,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    try {
        // Synchronised on the server's own "listening" log line, not on a sleep.
        const agentUrl = await new Promise((resolve, reject) => {
            child.stdout.on('data', (d) => {
                out += d;
                const m = /"agentUrl":"(https:\/\/127\.0\.0\.1:\d+)"/.exec(out);
                if (m)
                    resolve(m[1]);
            });
            void exited.then((code) => reject(new Error(`server exited ${code}: ${err}`)));
        });
        const reg = await runCli(['server', 'register-cluster', 'live', '--data', data]);
        assert.equal(reg.code, 0, reg.stderr);
        const token = reg.stdout.trim();
        const ca = fs.readFileSync(path.join(data, 'identity', 'ca.crt'), 'utf8');
        const id = await openAgentIdentity({ server: new URL(agentUrl), serverCaPem: ca, cluster: 'live', bootstrapToken: token, store: new FileCredentialStore(path.join(data, 'agent.json')), agentVersion: 'e2e' });
        const cursor = (c) => getJson(new URL(AGENT_PATHS.cursor, agentUrl), ca, c);
        const before = await cursor(id.current());
        assert.equal(before.status, 200, JSON.stringify(before.body));
        assert.equal(before.body.cluster, 'live');
        const revoke = await runCli(['server', 'revoke-cluster', 'live', '--data', data]);
        assert.equal(revoke.code, 0, revoke.stderr);
        const after = await cursor(id.current());
        assert.equal(after.status, 403);
        assert.equal(after.body.code, 'revoked');
        assert.match(out, /"event":"enrolled","cluster":"live"/);
        assert.ok(!(out + err).includes(token) && !(out + err).includes(token.slice(4, 24)), 'the token is in no log');
    }
    finally {
        child.kill('SIGTERM');
        await exited;
        fs.rmSync(data, { recursive: true, force: true });
    }
});
function getJson(url, ca, c) {
    return new Promise((resolve, reject) => {
        const req = https.request(url, { ca, key: c.keyPem, cert: c.certificatePem, agent: false }, (res) => {
            const chunks = [];
            res.on('data', (x) => chunks.push(x));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }));
        });
        req.on('error', reject);
        req.end();
    });
}
