/**
 * The transport on its own: gzip answers (as kube-apiserver sends them to clients that ask, kubectl
 * among them) are decoded, and a gzip bomb is cut by the decompressed size. A plain-http loopback server
 * (allowed with --allow-insecure-kubeconfig) keeps the test free of certificates.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readClusters } from './read.js';
let server;
let port = 0;
let dir = '';
let bomb = false;
const acceptEncodings = [];
const pods = { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [1, 2, 3].map((i) => ({ metadata: { name: `p${i}`, namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'x' }] } })) };
before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meshward-client-'));
    server = http.createServer((req, res) => {
        const send = (body) => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify(body));
        };
        if (req.url === '/api/v1')
            return send({ kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'pods', kind: 'Pod', namespaced: true, verbs: ['list'] }] });
        if (req.url === '/apis')
            return send({ kind: 'APIGroupList', groups: [] });
        if (req.url?.startsWith('/api/v1/pods')) {
            acceptEncodings.push(String(req.headers['accept-encoding']));
            const text = bomb ? `{"items":[{"metadata":{"name":"${'0'.repeat(8 * 1024 * 1024)}"}}]}` : JSON.stringify(pods);
            res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
            res.end(zlib.gzipSync(text));
            return;
        }
        res.writeHead(404);
        res.end();
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    port = server.address().port;
});
after(() => {
    server?.close();
    if (dir)
        rmSync(dir, { recursive: true, force: true });
});
function opts() {
    const kc = join(dir, 'kc.yaml');
    writeFileSync(kc, `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: k, cluster: {server: "http://127.0.0.1:${port}"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n`);
    return {
        kubeconfig: kc, contexts: [], allContexts: false, inCluster: false, clusterNames: new Map(), allowExec: [],
        allowInsecureKubeconfig: true, concurrency: 1, requestTimeoutMs: 10_000, clusterTimeoutMs: 20_000, kinds: ['Pod'], env: {}, homedir: dir, cwd: dir,
    };
}
test('gzip answers are asked for and decoded', async () => {
    bomb = false;
    const got = [];
    const [s] = await readClusters(opts(), async (r) => {
        got.push(...r.resources.map((x) => `${x.namespace}/${x.name}`));
    });
    assert.equal(s.status, 'ok', JSON.stringify(s.errors));
    assert.deepEqual(got, ['ns/p1', 'ns/p2', 'ns/p3']);
    assert.ok(acceptEncodings.at(-1)?.includes('gzip'));
});
test('a gzip bomb is cut by its decompressed size', async () => {
    bomb = true;
    const [s] = await readClusters({ ...opts(), tuning: { maxResponseBytes: 1024 * 1024 } }, async () => { });
    assert.equal(s.status, 'error');
    assert.match(s.errors[0].message, /over the limit of 1048576 bytes/);
});
