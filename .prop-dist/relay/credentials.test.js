import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startStandIn } from '../testing/apiserver/index.js';
import { CredentialStoreError, FileCredentialStore, SecretCredentialStore } from './credentials.js';
/** Canary credentials: random text in PEM clothing, so any leak is recognisable. */
function canary() {
    const r = () => randomBytes(48).toString('base64');
    return {
        keyPem: `-----BEGIN PRIVATE KEY-----\n${r()}\n-----END PRIVATE KEY-----\n`,
        certificatePem: `-----BEGIN CERTIFICATE-----\n${r()}\n-----END CERTIFICATE-----\n`,
        caCertificatePem: `-----BEGIN CERTIFICATE-----\n${r()}\n-----END CERTIFICATE-----\n`,
        notAfter: new Date(Date.now() + 3600_000),
    };
}
const secretLine = (c) => c.keyPem.split('\n')[1];
describe('FileCredentialStore', () => {
    let dir;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-creds-'));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    test('nothing stored: null; save then load round-trips; mode 0600; replaced atomically, no temporary file left', async () => {
        const file = path.join(dir, 'sub', 'agent.json');
        const store = new FileCredentialStore(file);
        assert.equal(await store.load(), null);
        const a = canary();
        await store.save(a);
        assert.equal(fs.statSync(file).mode & 0o777, 0o600);
        assert.deepEqual(await store.load(), a);
        const b = canary();
        await store.save(b);
        assert.deepEqual(await store.load(), b);
        assert.deepEqual(fs.readdirSync(path.dirname(file)), ['agent.json']);
        assert.equal(store.describe(), file);
    });
    test('a file others can read is refused (as ssh does), with the chmod to run', async () => {
        const file = path.join(dir, 'open.json');
        const store = new FileCredentialStore(file);
        await store.save(canary());
        fs.chmodSync(file, 0o644);
        await assert.rejects(store.load(), /readable by others .*chmod 600/);
    });
    test('garbage, wrong shapes and huge files are refused without quoting them', async () => {
        const file = path.join(dir, 'bad.json');
        const store = new FileCredentialStore(file);
        const c = canary();
        const cases = [
            `not json ${secretLine(c)}`,
            JSON.stringify({ format: 'something-else', keyPem: c.keyPem }),
            JSON.stringify({ format: 'meshward-agent-credentials/v1', keyPem: secretLine(c), certificatePem: c.certificatePem, caCertificatePem: c.caCertificatePem, notAfter: 'x' }),
            JSON.stringify({ format: 'meshward-agent-credentials/v1', keyPem: c.keyPem, certificatePem: c.certificatePem, caCertificatePem: c.caCertificatePem, notAfter: 'yesterday' }),
            JSON.stringify({ format: 'meshward-agent-credentials/v1', __proto__: { keyPem: c.keyPem } }),
            'x'.repeat(300 * 1024),
        ];
        for (const text of cases) {
            fs.writeFileSync(file, text, { mode: 0o600 });
            const e = await store.load().catch((x) => x);
            assert.ok(e instanceof CredentialStoreError, text.slice(0, 40));
            assert.ok(!e.message.includes(secretLine(c)), 'no key material in the message');
            assert.match(e.message, /bad\.json/);
        }
    });
});
describe('SecretCredentialStore against the API stand-in', () => {
    let standIn;
    before(async () => {
        standIn = await startStandIn({
            clusters: [{ name: 'east', objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'meshward' } }] }],
            users: [{ name: 'nobody', groups: [] }],
        });
    });
    after(() => standIn.stop());
    const spec = (user = 'admin') => {
        const c = standIn.clusters[0];
        return { server: c.url, caData: Buffer.from(c.caPem).toString('base64'), skipTLSVerify: false, token: standIn.token('east', user), impersonate: {} };
    };
    test('nothing stored: null; save creates the Secret, save again updates it; load returns what was saved', async () => {
        const store = new SecretCredentialStore({ spec: spec(), namespace: 'meshward' });
        assert.equal(store.describe(), 'Secret meshward/meshward-agent-credentials');
        assert.equal(await store.load(), null);
        const a = canary();
        await store.save(a);
        assert.deepEqual(await store.load(), a);
        const b = canary();
        await store.save(b);
        assert.deepEqual(await store.load(), b);
        const h = standIn.cluster('east');
        const verbs = h.requests.filter((r) => r.resource === 'secrets').map((r) => `${r.verb}:${r.status}`);
        assert.deepEqual(verbs, ['get:404', 'update:404', 'create:201', 'get:200', 'update:200', 'get:200']);
    });
    test('no rights: the error says what to grant, and never holds key material', async () => {
        const store = new SecretCredentialStore({ spec: spec('nobody'), namespace: 'meshward', name: 'agent-creds' });
        const c = canary();
        const e1 = await store.load().catch((x) => x);
        assert.ok(e1 instanceof CredentialStoreError, String(e1));
        assert.match(e1.message, /Secret meshward\/agent-creds: cannot read .* grant get and update/);
        const e2 = await store.save(c).catch((x) => x);
        assert.ok(e2 instanceof CredentialStoreError);
        assert.ok(!e2.message.includes(secretLine(c)));
    });
    test('names are checked before any request', () => {
        assert.throws(() => new SecretCredentialStore({ spec: spec(), namespace: '../x' }), CredentialStoreError);
        assert.throws(() => new SecretCredentialStore({ spec: spec(), namespace: 'ok', name: '__proto__' }), CredentialStoreError);
    });
});
