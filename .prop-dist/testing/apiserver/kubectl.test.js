/**
 * A second, independent client: the real kubectl on PATH (scripts/test-setup.js installs Debian's
 * kubernetes-client when none is there) drives the stand-in. These tests fail, never skip, without
 * kubectl. kubectl gets its own kubeconfig, cache dir and HOME in a temp folder.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { startStandIn } from './index.js';
const VIEWER_RBAC = [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-lister', namespace: 'shop' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'viewer', namespace: 'shop' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-lister' }, subjects: [{ kind: 'User', name: 'viewer' }] },
];
describe('kubectl against the stand-in', { timeout: 240_000 }, () => {
    let si;
    let dir;
    const kubectl = (args, kubeconfig = 'admin.yaml') => new Promise((resolve) => {
        execFile('kubectl', ['--kubeconfig', path.join(dir, kubeconfig), '--cache-dir', path.join(dir, 'cache'), '--request-timeout', '60s', ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir }, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
    });
    before(async () => {
        const version = await new Promise((resolve) => execFile('kubectl', ['version', '--client'], (err, out) => resolve(err ? '' : out)));
        assert.ok(version.includes('Client Version'), 'kubectl is not on PATH: run `node scripts/test-setup.js` (as root it installs Debian\'s kubernetes-client)');
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshward-kubectl-'));
        si = await startStandIn({ clusters: [{ name: 'insecure', folders: ['examples/insecure'], objects: VIEWER_RBAC, crds: ['istio', 'gateway-api'], users: [{ name: 'viewer' }] }] });
        fs.writeFileSync(path.join(dir, 'admin.yaml'), si.kubeconfig(), { mode: 0o600 });
        fs.writeFileSync(path.join(dir, 'viewer.yaml'), si.kubeconfig({ user: 'viewer' }), { mode: 0o600 });
        fs.writeFileSync(path.join(dir, 'viewer-cert.yaml'), si.kubeconfig({ user: 'viewer', credential: 'cert' }), { mode: 0o600 });
    });
    after(async () => {
        await si?.stop();
        if (dir)
            fs.rmSync(dir, { recursive: true, force: true });
    });
    it('get pods -A prints every pod with its namespace', async () => {
        const r = await kubectl(['get', 'pods', '-A']);
        assert.equal(r.code, 0, r.stderr);
        const lines = r.stdout.trim().split('\n');
        assert.match(lines[0], /^NAMESPACE\s+NAME\s+/);
        const rows = lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join('/')).sort();
        assert.deepEqual(rows, ['shop/checkout-7d9f8c6b5-x2k4q', 'shop/storefront-6c9d7b5f4-h7tqz', 'shop/storefront-6c9d7b5f4-p2mwn']);
    });
    it('get of Istio kinds by short name (discovery of the CRDs)', async () => {
        const r = await kubectl(['get', 'vs', '-A', '-o', 'name']);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stdout.trim().split('\n').every((l) => l.startsWith('virtualservice.networking.istio.io/')), r.stdout);
    });
    it('get -o json --chunk-size=2 pages through the list (counted server-side)', async () => {
        const before = si.cluster('insecure').requests.length;
        const r = await kubectl(['get', 'pods', '-A', '-o', 'json', '--chunk-size=2']);
        assert.equal(r.code, 0, r.stderr);
        const list = JSON.parse(r.stdout);
        assert.equal(list.items.length, 3);
        const lists = si.cluster('insecure').requests.slice(before).filter((x) => x.verb === 'list' && x.resource === 'pods');
        assert.equal(lists.length, 2, JSON.stringify(lists));
        assert.ok(lists.every((x) => x.limit === 2));
        assert.deepEqual(lists.map((x) => x.continued), [false, true]);
    });
    it('get --watch shows an object created after it started', async () => {
        const child = spawn('kubectl', ['--kubeconfig', path.join(dir, 'admin.yaml'), '--cache-dir', path.join(dir, 'cache'), 'get', 'configmaps', '-n', 'shop', '--watch'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        const exited = new Promise((r) => child.on('exit', () => r()));
        try {
            child.stdout.setEncoding('utf8');
            const seen = new Promise((resolve, reject) => {
                child.stdout.on('data', (c) => {
                    out += c;
                    if (out.includes('made-while-watching'))
                        resolve();
                });
                child.on('exit', (code) => reject(new Error(`kubectl exited (${code}) before showing the new object; stdout: ${out}`)));
            });
            seen.catch(() => undefined);
            // Wait until kubectl's watch request has reached the server: then the create is a watch event.
            const cluster = si.cluster('insecure');
            await cluster.waitForRequest((x) => x.verb === 'watch' && x.resource === 'configmaps');
            cluster.objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'made-while-watching', namespace: 'shop' } }, null);
            await seen;
        }
        finally {
            child.kill('SIGTERM');
            await exited;
        }
        assert.match(out, /made-while-watching/);
    });
    it('auth can-i --as: admin impersonates the limited user', async () => {
        const yes = await kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'shop', '--as', 'viewer']);
        assert.equal(yes.stdout.trim(), 'yes');
        assert.equal(yes.code, 0);
        const no = await kubectl(['auth', 'can-i', 'list', 'pods', '-A', '--as', 'viewer']);
        assert.equal(no.stdout.trim(), 'no');
        assert.equal(no.code, 1);
    });
    it('with a limited token: can-i follows the Role, and a forbidden list shows the server\'s 403 wording', async () => {
        for (const cfg of ['viewer.yaml', 'viewer-cert.yaml']) {
            assert.equal((await kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'shop'], cfg)).stdout.trim(), 'yes', cfg);
            assert.equal((await kubectl(['auth', 'can-i', 'delete', 'pods', '-n', 'shop'], cfg)).stdout.trim(), 'no', cfg);
            const r = await kubectl(['get', 'pods', '-A'], cfg);
            assert.notEqual(r.code, 0);
            assert.match(r.stderr, /pods is forbidden: User "viewer" cannot list resource "pods" in API group "" at the cluster scope/);
            const ok = await kubectl(['get', 'pods', '-n', 'shop', '-o', 'name'], cfg);
            assert.equal(ok.code, 0, ok.stderr);
            assert.equal(ok.stdout.trim().split('\n').length, 3);
        }
    });
});
