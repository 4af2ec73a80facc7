/** `meshward generate agent` and `generate server` through the built CLI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, runCli } from '../../testing/kit.js';
import { createServingCertificate } from '../../webhook/generate-certs.js';
import { agentDocuments, defaultAgentOptions, serverDocuments, defaultServerOptions } from '../../relay/generate-relay.js';
/* eslint-disable @typescript-eslint/no-explicit-any */
const VERSION = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version;
async function tempDir() {
    return fs.mkdtemp(path.join(os.tmpdir(), 'meshward-gen-relay-'));
}
test('generate agent: writes the agent\'s objects (the CA in a ConfigMap), prints the bootstrap steps, and scans clean', async () => {
    const dir = await tempDir();
    try {
        const tls = await createServingCertificate(['relay.example.com'], 30);
        await fs.writeFile(path.join(dir, 'ca.crt'), tls.caPem);
        const args = ['generate', 'agent', '--cluster', 'prod-eu', '--server', 'https://relay.example.com:9443', '--server-ca-file', 'ca.crt', '--api-server-cidr', '10.0.0.1/32', '--server-cidr', '203.0.113.7/32', '-o', 'agent.yaml'];
        const r = await runCli(args, { cwd: dir });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, /meshward server register-cluster prod-eu .*\| kubectl -n meshward create secret generic meshward-agent-bootstrap --from-file=token=\/dev\/stdin/);
        const text = await fs.readFile(path.join(dir, 'agent.yaml'), 'utf8');
        const parsed = parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS());
        const expected = agentDocuments({
            ...defaultAgentOptions(VERSION),
            cluster: 'prod-eu',
            server: 'https://relay.example.com:9443',
            serverCaPem: tls.caPem,
            apiServerCidrs: ['10.0.0.1/32'],
            serverCidrs: ['203.0.113.7/32'],
        }).map((d) => d.object);
        assert.deepEqual(parsed, expected);
        assert.ok(!text.includes(tls.keyPem.split('\n')[1]), 'no key material');
        const scan = await runCli(['scan', 'agent.yaml', '-f', 'json', '--fail-on', 'medium'], { cwd: dir });
        assert.equal(scan.code, 0, scan.stdout + scan.stderr);
        // Without --server-ca-file: no ConfigMap, and the step to create it.
        const bare = await runCli(['generate', 'agent', '--cluster', 'prod-eu', '--server', 'https://relay.example.com', '-f', 'json'], { cwd: dir });
        assert.equal(bare.code, 0, bare.stderr);
        assert.ok(!JSON.parse(bare.stdout).items.some((o) => o.kind === 'ConfigMap'));
        assert.match(bare.stderr, /kubectl -n meshward create configmap meshward-agent-server-ca --from-file=ca\.crt=/);
    }
    finally {
        await fs.rm(dir, { recursive: true, force: true });
    }
});
test('generate agent: a hostile cluster name, server URL or CA file is refused, escaped, and nothing is written', async () => {
    const dir = await tempDir();
    try {
        for (const [flag, value] of [
            ['--cluster', 'a\n---\nkind: ClusterRoleBinding\u2028x'],
            ['--server', 'https://relay.example.com\n---\nkind: Secret'],
            ['--namespace', 'x\u001b[31m'],
        ]) {
            const args = ['generate', 'agent', '--cluster', 'prod-eu', '--server', 'https://relay.example.com', flag, value];
            const r = await runCli(args, { cwd: dir });
            assert.equal(r.code, 2, r.stderr);
            assert.equal(r.stdout, '');
            assert.ok(r.stderr.includes(flag), r.stderr);
            assert.ok(!/\n---|\u001b|\u2028/.test(r.stderr.trimEnd()), JSON.stringify(r.stderr));
        }
        // A private key given as the CA is refused without echoing it: a canary inside never shows.
        const canary = randomBytes(24).toString('base64').replace(/[^A-Za-z0-9]/g, 'A');
        await fs.writeFile(path.join(dir, 'key.pem'), `-----BEGIN PRIVATE KEY-----\n${canary}\n-----END PRIVATE KEY-----\n`);
        const key = await runCli(['generate', 'agent', '--cluster', 'prod-eu', '--server', 'https://relay.example.com', '--server-ca-file', 'key.pem'], { cwd: dir });
        assert.equal(key.code, 2);
        assert.match(key.stderr, /private key/);
        assert.ok(!key.stdout.includes(canary) && !key.stderr.includes(canary));
        const missing = await runCli(['generate', 'agent', '--server', 'https://relay.example.com'], { cwd: dir });
        assert.notEqual(missing.code, 0);
        assert.match(missing.stderr, /--cluster/);
    }
    finally {
        await fs.rm(dir, { recursive: true, force: true });
    }
});
test('generate server: SQLite by default; PostgreSQL replicas only with a database Secret, whose values never appear', async () => {
    const sqlite = await runCli(['generate', 'server', '-f', 'json']);
    assert.equal(sqlite.code, 0, sqlite.stderr);
    assert.deepEqual(JSON.parse(sqlite.stdout).items, serverDocuments(defaultServerOptions(VERSION)).map((d) => d.object));
    assert.match(sqlite.stderr, /create secret generic meshward-server-ca .*create secret generic meshward-server-tokens/s);
    const refused = await runCli(['generate', 'server', '--replicas', '2']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /needs PostgreSQL \(--database-secret NAME\)/);
    const pg = await runCli(['generate', 'server', '--replicas', '3', '--database-secret', 'relay-db', '--database-cidr', '10.20.0.0/16']);
    assert.equal(pg.code, 0, pg.stderr);
    const objs = parseAllDocuments(pg.stdout, { version: '1.1' }).map((d) => d.toJS());
    assert.deepEqual(objs.map((o) => o.kind), ['Namespace', 'Service', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget']);
    assert.ok(!pg.stdout.includes('postgres://'), 'the URL is a Secret reference only');
    const bad = await runCli(['generate', 'server', '--storage', '10Gi\nkind: Secret']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
});
