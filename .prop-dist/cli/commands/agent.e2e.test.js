// `meshward agent` end to end: the built CLI (bin/meshward.js) watching the stand-in API server and
// pushing to a test agent listener over mutual TLS; JSON logs on stderr with no canary in them; SIGTERM
// stops it with 0; a refused kubeconfig and a revoked cluster stop it non-zero with a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { REPO_ROOT, runCli } from '../../testing/kit.js';
import { startStandIn } from '../../testing/apiserver/index.js';
import { createRelayPki, TestIdentityService } from '../../testing/relay-pki.js';
import { MemoryIngestStore } from '../../testing/relay-store.js';
import { startTestAgentListener } from '../../testing/relay-server.js';
const BIN = path.join(REPO_ROOT, 'bin', 'meshward.js');
async function setup(cluster, objects) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'meshward-agent-e2e-'));
    const standIn = await startStandIn({ clusters: [{ name: cluster, objects }] });
    await fs.writeFile(path.join(dir, 'kubeconfig.yaml'), standIn.kubeconfig({ clusters: [cluster] }), { mode: 0o600 });
    const pki = await createRelayPki();
    const identity = new TestIdentityService(pki);
    await identity.registerCluster(cluster);
    const store = new MemoryIngestStore();
    const listener = await startTestAgentListener({ store, identity });
    const creds = await pki.issueClient(cluster);
    await fs.writeFile(path.join(dir, 'server-ca.pem'), pki.caPem);
    await fs.writeFile(path.join(dir, 'agent.crt'), creds.certificatePem);
    await fs.writeFile(path.join(dir, 'agent.key'), creds.keyPem, { mode: 0o600 });
    const args = ['agent', '--server', listener.url.origin, '--cluster', cluster, '--server-ca', 'server-ca.pem', '--cert', 'agent.crt', '--key', 'agent.key', '--kubeconfig', 'kubeconfig.yaml'];
    return {
        dir,
        standIn,
        identity,
        store,
        listener,
        args,
        async stop() {
            await listener.close();
            await standIn.stop();
            await fs.rm(dir, { recursive: true, force: true });
        },
    };
}
test('meshward agent: pushes a snapshot then a delta, logs JSON on stderr without values, exits 0 on SIGTERM', async (t) => {
    const canary = `CANARY${randomBytes(12).toString('hex')}`;
    const objects = [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
        { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'shop', name: 'web' }, spec: { ports: [{ port: 80 }] } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'shop', name: 'app' }, data: { secret: canary } },
        { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'shop', name: 'web-1' }, spec: { containers: [{ name: 'web', image: 'web', env: [{ name: 'TOKEN', value: canary }] }] } },
    ];
    const s = await setup('east', objects);
    t.after(() => s.stop());
    const child = spawn(process.execPath, [BIN, ...s.args], { cwd: s.dir, env: { ...process.env, NO_COLOR: '1', HOME: s.dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
    // Synchronised on what the agent logs and the listener stores, never on time.
    const logged = (event) => new Promise((resolve, reject) => {
        const check = () => {
            if (stderr.split('\n').some((l) => l.includes(`"event":"${event}"`))) {
                child.stderr.off('data', on);
                resolve();
            }
        };
        const on = () => setImmediate(check);
        child.stderr.on('data', on);
        child.once('close', () => reject(new Error(`agent exited before logging ${event}: ${stderr}`)));
        check();
    });
    try {
        await logged('snapshot-stored');
        assert.ok(s.store.snapshotOf('east').has('Service|shop|web'));
        const storedBefore = s.listener.stored.length;
        s.standIn.cluster('east').objects.create({ apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'shop', name: 'api' } }, null);
        await s.listener.waitStored((b) => b.type === 'delta' && b.changes > 0);
        assert.ok(s.store.snapshotOf('east').has('Service|shop|api'));
        assert.ok(s.listener.stored.length > storedBefore);
        assert.ok(s.listener.stored.some((b) => b.type === 'delta'));
    }
    finally {
        child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    assert.equal(stdout, '', 'logs go to stderr');
    const lines = stderr.trim().split('\n');
    for (const l of lines)
        assert.doesNotThrow(() => JSON.parse(l), `not a JSON line: ${l}`);
    assert.ok(lines.some((l) => JSON.parse(l).event === 'stopped'));
    assert.ok(!stderr.includes(canary), 'no value in the logs');
    assert.ok(!JSON.stringify([...s.store.snapshotOf('east').values()]).includes(canary), 'no value in the store');
});
test('meshward agent --health-port: /healthz while it runs, /readyz 503 until the snapshot is acknowledged then 200; closed at exit', async (t) => {
    const s = await setup('south', [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }]);
    t.after(() => s.stop());
    const child = spawn(process.execPath, [BIN, ...s.args, '--health-port', '0'], { cwd: s.dir, env: { ...process.env, NO_COLOR: '1', HOME: s.dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
    const events = [];
    const waiters = [];
    child.stderr.on('data', (d) => {
        stderr += d;
        const lines = stderr.split('\n');
        for (const l of lines.slice(events.length, -1))
            events.push(JSON.parse(l));
        for (const w of [...waiters]) {
            const hit = events.find((e) => e.event === w.event);
            if (hit) {
                waiters.splice(waiters.indexOf(w), 1);
                w.resolve(hit);
            }
        }
    });
    const logged = (event) => new Promise((resolve, reject) => {
        const hit = events.find((e) => e.event === event);
        if (hit)
            return resolve(hit);
        waiters.push({ event, resolve });
        child.once('close', () => reject(new Error(`agent exited before logging ${event}: ${stderr}`)));
    });
    let base = '';
    try {
        const listening = await logged('health-listening');
        assert.equal(listening.address, '127.0.0.1', 'outside a cluster the probes stay on loopback');
        base = `http://127.0.0.1:${listening.port}`;
        assert.equal((await fetch(`${base}/healthz`)).status, 200);
        await logged('snapshot-stored');
        const ready = await fetch(`${base}/readyz`);
        const body = (await ready.json());
        assert.equal(ready.status, 200, JSON.stringify(body));
        assert.deepEqual(body.checks, { enrolled: true, synced: true, acked: true });
    }
    finally {
        child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    await assert.rejects(fetch(`${base}/healthz`), 'the probe port is closed once the agent stopped');
});
test('meshward agent: --health-address without --health-port is refused (outside a cluster the probes are off by default)', async () => {
    const r = await runCli(['agent', '--server', 'https://x:1', '--cluster', 'a', '--server-ca', 'x', '--health-address', '127.0.0.1']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--health-address needs the probes on/);
});
test('meshward agent: a kubeconfig the gate refuses stops it before it connects anywhere (exit 2, names the field)', async (t) => {
    const s = await setup('west', []);
    t.after(() => s.stop());
    const kc = (await fs.readFile(path.join(s.dir, 'kubeconfig.yaml'), 'utf8')).replace(/certificate-authority-data: .*/, 'insecure-skip-tls-verify: true');
    await fs.writeFile(path.join(s.dir, 'kubeconfig.yaml'), kc, { mode: 0o600 });
    const r = await runCli(s.args, { cwd: s.dir, env: { HOME: s.dir } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /insecure-skip-tls-verify/);
    assert.match(r.stderr, /--allow-insecure-kubeconfig/);
    assert.equal(s.listener.stored.length, 0);
    assert.equal(s.standIn.cluster('west').requests.length, 0, 'nothing reached the API server');
});
test('meshward agent: a revoked cluster stops it with exit 1 and says what to do', async (t) => {
    const s = await setup('north', [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }]);
    t.after(() => s.stop());
    await s.identity.revokeCluster('north');
    const r = await runCli(s.args, { cwd: s.dir, env: { HOME: s.dir } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /revoked/);
    assert.match(r.stderr, /register-cluster north/);
});
test('meshward agent: usage errors name the flag', async () => {
    const cases = [
        [['agent'], /--server/],
        [['agent', '--server', 'http://x:1', '--cluster', 'a', '--server-ca', 'x'], /https/],
        [['agent', '--server', 'https://x:1', '--cluster', 'Not_A_Name', '--server-ca', 'x'], /--cluster/],
        [['agent', '--server', 'https://x:1', '--cluster', 'a'], /--server-ca/],
        [['agent', '--server', 'https://x:1', '--cluster', 'a', '--server-ca', 'x', '--cert', 'c'], /--cert and --key/],
        [['agent', '--server', 'https://x:1', '--cluster', 'a', '--server-ca', 'x', '--health-port', '70000'], /--health-port: "70000" is not a port/],
        [['agent', '--server', 'https://x:1', '--cluster', 'a', '--server-ca', 'x', '--health-port', '1', '--health-address', 'pod.example'], /--health-address: "pod.example" is not an IP/],
    ];
    for (const [args, re] of cases) {
        const r = await runCli(args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, re);
    }
});
