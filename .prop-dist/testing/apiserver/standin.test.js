/**
 * The stand-in's own behaviour beyond the shared contract: loading, several clusters, shared object
 * sets, client certificates, RBAC from the objects it holds, compaction, faults, kubeconfig output,
 * hostile objects. Driven through the real @kubernetes/client-node.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { ObjectSet, startStandIn } from './index.js';
import { statusOf } from './contract-target.js';
function client(si, cluster, opts = {}) {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(si.kubeconfig({ ...opts, clusters: [cluster] }));
    return kc;
}
const RBAC = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'team', labels: { app: 'a' } } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p2', namespace: 'other' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'open', namespace: 'team' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'closed', namespace: 'team' } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-reader', namespace: 'team' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['configmaps'], resourceNames: ['open'], verbs: ['get'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'reader', namespace: 'team' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'User', name: 'reader' }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'vs-lister' }, rules: [{ apiGroups: ['networking.istio.io'], resources: ['*'], verbs: ['list'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'auditors' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'vs-lister' }, subjects: [{ kind: 'Group', name: 'auditors' }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'dangling' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'does-not-exist' }, subjects: [{ kind: 'User', name: 'dangler' }] },
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'vs', namespace: 'team' }, spec: { hosts: ['a'] } },
];
describe('stand-in: loading and clusters', { timeout: 120_000 }, () => {
    let si;
    const shared = new ObjectSet([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shared-ns' } }]);
    before(async () => {
        si = await startStandIn({
            clusters: [
                { name: 'insecure', folders: ['examples/insecure'], crds: ['istio', 'gateway-api'] },
                { name: 'east', folders: ['examples/multicluster/east'] },
                { name: 'shared-a', objects: shared },
                { name: 'shared-b', objects: shared },
                {
                    name: 'hostile',
                    objects: [
                        JSON.parse('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"constructor","namespace":"prototype","labels":{"__proto__":"x","constructor":"y"}}}'),
                        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '__proto__', namespace: 'default' } },
                        { apiVersion: 'example.com/v1', kind: 'Unknown', metadata: { name: 'u' } },
                        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad Name' } },
                        { apiVersion: 'v1', kind: 'ConfigMap' },
                        'not an object',
                        null,
                    ],
                },
            ],
        });
    });
    after(() => si?.stop());
    it('serves each cluster on its own 127.0.0.1 port under one CA', () => {
        const urls = si.clusters.map((c) => c.url);
        assert.equal(new Set(urls).size, urls.length);
        for (const c of si.clusters) {
            assert.match(c.url, /^https:\/\/127\.0\.0\.1:\d+$/);
            assert.equal(c.caPem, si.caPem);
        }
    });
    it('loads a YAML folder through meshward\'s loader: the objects of the example, with Gateway API CRDs', async () => {
        const kc = client(si, 'insecure');
        const pods = await kc.makeApiClient(k8s.CoreV1Api).listPodForAllNamespaces();
        assert.deepEqual(pods.items.map((p) => p.metadata?.name).sort(), ['checkout-7d9f8c6b5-x2k4q', 'storefront-6c9d7b5f4-h7tqz', 'storefront-6c9d7b5f4-p2mwn']);
        const routes = await kc.makeApiClient(k8s.CustomObjectsApi).listClusterCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' });
        assert.ok(routes.items.length > 0);
        assert.deepEqual(si.cluster('insecure').notes, []);
    });
    it('serves a CRD kind at every served version, objects rewritten to the requested apiVersion', async () => {
        const co = client(si, 'insecure').makeApiClient(k8s.CustomObjectsApi);
        const v1 = (await co.listClusterCustomObject({ group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' }));
        const v1beta1 = (await co.listClusterCustomObject({ group: 'networking.istio.io', version: 'v1beta1', plural: 'virtualservices' }));
        assert.ok(v1.items.length > 0);
        assert.equal(v1.items.length, v1beta1.items.length);
        assert.ok(v1beta1.items.every((i) => i.apiVersion === 'networking.istio.io/v1beta1'));
    });
    it('a cluster without the Gateway API CRDs does not serve that group', async () => {
        const apis = await client(si, 'east').makeApiClient(k8s.ApisApi).getAPIVersions();
        assert.ok(apis.groups.some((g) => g.name === 'networking.istio.io'));
        assert.ok(!apis.groups.some((g) => g.name === 'gateway.networking.k8s.io'));
    });
    it('clusters given one ObjectSet share it by reference, writes included', async () => {
        await client(si, 'shared-a').makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: 'made-in-a' } } });
        const inB = await client(si, 'shared-b').makeApiClient(k8s.CoreV1Api).listNamespace();
        assert.deepEqual(inB.items.map((n) => n.metadata?.name).sort(), ['made-in-a', 'shared-ns']);
        assert.equal(si.cluster('shared-a').objects, si.cluster('shared-b').objects);
    });
    it('hostile objects: `__proto__` names and labels are plain data; unusable objects become notes', async () => {
        const kc = client(si, 'hostile');
        const core = kc.makeApiClient(k8s.CoreV1Api);
        const cm = await core.readNamespacedConfigMap({ name: 'constructor', namespace: 'prototype' });
        assert.equal(cm.metadata?.name, 'constructor');
        await assert.rejects(core.listConfigMapForAllNamespaces({ labelSelector: '__proto__=x' }), (e) => statusOf(e).code === 400);
        const sel = await core.listConfigMapForAllNamespaces({ labelSelector: 'constructor=y' });
        assert.equal(sel.items.length, 1);
        const none = await core.listConfigMapForAllNamespaces({ labelSelector: 'toString' });
        assert.equal(none.items.length, 0);
        const notes = si.cluster('hostile').notes;
        assert.equal(notes.length, 6, notes.join('\n'));
        assert.ok(notes.some((n) => n.includes('"__proto__"') && n.includes('RFC 1123')));
        assert.ok(notes.some((n) => n.includes('"Unknown"') && n.includes('CustomResourceDefinition')));
        assert.equal({}.x, undefined);
    });
    it('kubeconfig(): one context per cluster, inline data only, current context the first', () => {
        const cfg = parse(si.kubeconfig({ credential: 'cert', user: 'admin' }));
        assert.deepEqual(cfg.contexts.map((c) => c.name), si.clusters.map((c) => c.name));
        assert.equal(cfg['current-context'], 'insecure');
        const text = JSON.stringify(cfg);
        assert.doesNotMatch(text, /"(certificate-authority|client-certificate|client-key|tokenFile)"/);
        assert.ok(cfg.users.every((u) => u.user['client-certificate-data'] && u.user['client-key-data']));
        const tok = parse(si.kubeconfig({ clusters: ['east'] }));
        assert.equal(tok.users[0].user.token, si.token('east'));
        assert.throws(() => si.kubeconfig({ user: 'nobody' }), /has no user "nobody"/);
    });
});
describe('stand-in: authentication and RBAC from the objects it holds', { timeout: 120_000 }, () => {
    let si;
    before(async () => {
        si = await startStandIn({ clusters: [{ name: 'rbac', objects: RBAC, users: [{ name: 'reader' }, { name: 'dangler' }, { name: 'auditor', groups: ['auditors'] }] }] });
    });
    after(() => si?.stop());
    it('a client certificate authenticates as CN with O as groups', async () => {
        const cert = await si.issueClientCert('auditor-by-cert', ['auditors']);
        const kc = new k8s.KubeConfig();
        const c = si.clusters[0];
        kc.loadFromOptions({
            clusters: [{ name: 'c', server: c.url, caData: Buffer.from(c.caPem).toString('base64') }],
            users: [{ name: 'u', certData: Buffer.from(cert.certPem).toString('base64'), keyData: Buffer.from(cert.keyPem).toString('base64') }],
            contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
            currentContext: 'x',
        });
        const co = kc.makeApiClient(k8s.CustomObjectsApi);
        const vs = (await co.listClusterCustomObject({ group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' }));
        assert.equal(vs.items.length, 1);
        await assert.rejects(kc.makeApiClient(k8s.CoreV1Api).listPodForAllNamespaces(), (e) => {
            assert.equal(statusOf(e).body.message, 'pods is forbidden: User "auditor-by-cert" cannot list resource "pods" in API group "" at the cluster scope');
            return true;
        });
    });
    it('a Role bound in one namespace allows only there, only its verbs and resourceNames', async () => {
        const core = client(si, 'rbac', { user: 'reader' }).makeApiClient(k8s.CoreV1Api);
        const pods = await core.listNamespacedPod({ namespace: 'team' });
        assert.deepEqual(pods.items.map((p) => p.metadata?.name), ['p1']);
        await assert.rejects(core.listNamespacedPod({ namespace: 'other' }), (e) => statusOf(e).code === 403);
        await assert.rejects(core.deleteNamespacedPod({ name: 'p1', namespace: 'team' }), (e) => statusOf(e).code === 403);
        assert.equal((await core.readNamespacedConfigMap({ name: 'open', namespace: 'team' })).metadata?.name, 'open');
        await assert.rejects(core.readNamespacedConfigMap({ name: 'closed', namespace: 'team' }), (e) => {
            const s = statusOf(e);
            assert.equal(s.body.message, 'configmaps "closed" is forbidden: User "reader" cannot get resource "configmaps" in API group "" in the namespace "team"');
            return true;
        });
    });
    it('a binding to a missing ClusterRole is named in the RBAC reason, as the real server does', async () => {
        const core = client(si, 'rbac', { user: 'dangler' }).makeApiClient(k8s.CoreV1Api);
        await assert.rejects(core.listNamespace(), (e) => {
            assert.match(statusOf(e).body.message, /at the cluster scope: RBAC: \[clusterrole\.rbac\.authorization\.k8s\.io "does-not-exist" not found\]$/);
            return true;
        });
    });
    it('RBAC follows changes to the objects', async () => {
        const core = client(si, 'rbac', { user: 'reader' }).makeApiClient(k8s.CoreV1Api);
        await assert.rejects(core.listNamespacedPod({ namespace: 'other' }));
        si.cluster('rbac').objects.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'reader', namespace: 'other' }, roleRef: { kind: 'ClusterRole', name: 'view-pods' }, subjects: [{ kind: 'User', name: 'reader' }] }, null);
        si.cluster('rbac').objects.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'view-pods' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] }, null);
        assert.equal((await core.listNamespacedPod({ namespace: 'other' })).items.length, 1);
    });
    it('impersonation needs the impersonate verb', async () => {
        const kc = client(si, 'rbac', { user: 'reader' });
        kc.users = kc.users.map((u) => ({ ...u, impersonateUser: 'admin' }));
        await assert.rejects(kc.makeApiClient(k8s.CoreV1Api).listNamespace(), (e) => {
            assert.equal(statusOf(e).body.message, 'users "admin" is forbidden: User "reader" cannot impersonate resource "users" in API group "" at the cluster scope');
            return true;
        });
    });
    it('no credentials and a wrong token are both 401; a token from another stand-in is not accepted', async () => {
        const other = await startStandIn({ clusters: [{ name: 'other' }] });
        try {
            const c = si.clusters[0];
            const kc = new k8s.KubeConfig();
            kc.loadFromOptions({ clusters: [{ name: 'c', server: c.url, caData: Buffer.from(c.caPem).toString('base64') }], users: [{ name: 'u', token: other.token('other') }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
            await assert.rejects(kc.makeApiClient(k8s.CoreV1Api).listNamespace(), (e) => statusOf(e).code === 401);
            const status = await new Promise((resolve, reject) => {
                https.get(`${c.url}/api`, { ca: c.caPem }, (res) => {
                    res.resume();
                    resolve(res.statusCode ?? 0);
                }).on('error', reject);
            });
            assert.equal(status, 401);
        }
        finally {
            await other.stop();
        }
    });
    it('a certificate from another CA is not trusted', async () => {
        const other = await startStandIn({ clusters: [{ name: 'other' }] });
        try {
            const cert = await other.issueClientCert('admin', ['system:masters']);
            const c = si.clusters[0];
            const kc = new k8s.KubeConfig();
            kc.loadFromOptions({ clusters: [{ name: 'c', server: c.url, caData: Buffer.from(c.caPem).toString('base64') }], users: [{ name: 'u', certData: Buffer.from(cert.certPem).toString('base64'), keyData: Buffer.from(cert.keyPem).toString('base64') }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
            await assert.rejects(kc.makeApiClient(k8s.CoreV1Api).listNamespace(), (e) => statusOf(e).code === 401);
        }
        finally {
            await other.stop();
        }
    });
});
describe('stand-in: continue tokens, watch window, faults', { timeout: 120_000 }, () => {
    let si;
    let core;
    const pods = Array.from({ length: 9 }, (_, i) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, namespace: `ns-${i % 3}` } }));
    before(async () => {
        si = await startStandIn({ clusters: [{ name: 'f', objects: pods, retainEvents: 3 }] });
        core = client(si, 'f').makeApiClient(k8s.CoreV1Api);
    });
    after(() => si?.stop());
    it('a real continue token expires (410 Expired) once its resourceVersion is compacted', async () => {
        const first = await core.listPodForAllNamespaces({ limit: 4 });
        assert.equal(first.items.length, 4);
        const second = await core.listPodForAllNamespaces({ limit: 4, _continue: first.metadata._continue });
        assert.deepEqual(second.items.map((p) => p.metadata?.name), ['pod-4', 'pod-7', 'pod-2', 'pod-5']);
        // As etcd: compacting at a later revision makes reads at the token's revision impossible.
        si.cluster('f').objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bump' } }, null);
        si.cluster('f').objects.compact();
        await assert.rejects(core.listPodForAllNamespaces({ limit: 4, _continue: second.metadata._continue }), (e) => {
            const s = statusOf(e);
            assert.equal(s.code, 410);
            assert.equal(s.body.reason, 'Expired');
            return true;
        });
    });
    it('the retained event window bounds how far back a watch may start', () => {
        const set = si.cluster('f').objects;
        const start = set.rv;
        for (let i = 0; i < 5; i++)
            set.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `w-${i}` } }, null);
        assert.equal(set.eventsSince(start, '/configmaps'), null);
        assert.equal(set.eventsSince(set.rv - 2, '/configmaps')?.length, 2);
    });
    it('429 with Retry-After for the first N requests of a kind, then served', async () => {
        si.cluster('f').setFaults([{ kind: 'Pod', verb: 'list', status: 429, retryAfterSeconds: 7, times: 2 }]);
        for (let i = 0; i < 2; i++) {
            await assert.rejects(core.listPodForAllNamespaces(), (e) => {
                const s = statusOf(e);
                assert.equal(s.code, 429);
                assert.equal(s.body.reason, 'TooManyRequests');
                assert.equal(s.body.details.retryAfterSeconds, 7);
                assert.equal(e.headers['retry-after'], '7');
                return true;
            });
        }
        assert.equal((await core.listPodForAllNamespaces()).items.length, 9);
        assert.equal((await core.listNamespace()).items.length, 0, 'other kinds are not affected');
    });
    it('500 on every matching request until the faults change', async () => {
        si.cluster('f').setFaults([{ kind: 'pods', status: 500 }]);
        for (let i = 0; i < 3; i++)
            await assert.rejects(core.listPodForAllNamespaces(), (e) => statusOf(e).code === 500);
        si.cluster('f').setFaults([]);
        assert.equal((await core.listPodForAllNamespaces()).items.length, 9);
    });
    it('a list dropped mid-body fails in the client; a stalled one hangs until the client gives up', async () => {
        si.cluster('f').setFaults([{ kind: 'Pod', dropMidBody: true, times: 1 }]);
        await assert.rejects(core.listPodForAllNamespaces());
        si.cluster('f').setFaults([{ kind: 'Pod', stallMidBody: true, times: 1 }]);
        const ac = new AbortController();
        const kc = client(si, 'f');
        const stalled = kc.makeApiClient(k8s.CoreV1Api).listPodForAllNamespaces({}, { signal: ac.signal }).then(() => 'resolved', () => 'rejected');
        const winner = await Promise.race([stalled, new Promise((r) => setTimeout(() => r('still waiting'), 300))]);
        assert.equal(winner, 'still waiting');
        ac.abort();
        const requests = si.cluster('f').requests.filter((r) => r.resource === 'pods');
        assert.ok(requests.length >= 2);
        si.cluster('f').setFaults([]);
    });
    it('latency delays the answer (no timing assertion: the request is still served)', async () => {
        si.cluster('f').setFaults([{ latencyMs: 50 }]);
        assert.equal((await core.listPodForAllNamespaces()).items.length, 9);
        si.cluster('f').setFaults([]);
    });
    it('records every request: verb, resource, limit, continue, user, status', async () => {
        const before = si.cluster('f').requests.length;
        await core.listNamespacedPod({ namespace: 'ns-1', limit: 1 });
        const r = si.cluster('f').requests.slice(before).find((x) => x.verb === 'list');
        assert.deepEqual({ ...r }, { method: 'GET', path: '/api/v1/namespaces/ns-1/pods', query: 'limit=1', verb: 'list', resource: 'pods', namespace: 'ns-1', limit: 1, continued: false, user: 'admin', status: 200 });
    });
    it('a CRD created at run time is served at once; deleting it removes the kind', async () => {
        const kc = client(si, 'f');
        const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
        await ext.createCustomResourceDefinition({ body: { metadata: { name: 'widgets.example.com' }, spec: { group: 'example.com', names: { plural: 'widgets', kind: 'Widget', singular: 'widget' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] } } });
        const co = kc.makeApiClient(k8s.CustomObjectsApi);
        await co.createNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'default', plural: 'widgets', body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } } });
        assert.equal((await co.listClusterCustomObject({ group: 'example.com', version: 'v1', plural: 'widgets' })).items.length, 1);
        await ext.deleteCustomResourceDefinition({ name: 'widgets.example.com' });
        await assert.rejects(co.listClusterCustomObject({ group: 'example.com', version: 'v1', plural: 'widgets' }), (e) => statusOf(e).code === 404);
    });
});
