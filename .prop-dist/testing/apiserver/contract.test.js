/**
 * API-behaviour contract: the same assertions run against the stand-in (in `npm test`) and, when
 * MESHWARD_CONTRACT_KUBECONFIG names a kubeconfig, against that real cluster instead. Each assertion
 * is one a real kube-apiserver (1.32+) satisfies; the stand-in is held to it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { openContractTarget, statusOf } from './contract-target.js';
let t;
let core;
const NOBODY = 'meshward-contract-nobody';
/** Configmaps of this run: cm-0..cm-6, tier a/b/none. */
const TIERS = ['a', 'b', 'a', undefined, 'b', 'a', undefined];
function names(list) {
    return list.items.map((i) => i.metadata?.name ?? '');
}
describe(`Kubernetes API contract (${process.env.MESHWARD_CONTRACT_KUBECONFIG ? 'real cluster' : 'stand-in'})`, { timeout: 180_000 }, () => {
    before(async () => {
        t = await openContractTarget();
        core = t.kc.makeApiClient(k8s.CoreV1Api);
        for (let i = 0; i < TIERS.length; i++) {
            const labels = { 'meshward.dev/run': t.run };
            if (TIERS[i])
                labels.tier = TIERS[i];
            await core.createNamespacedConfigMap({ namespace: t.namespace, body: { metadata: { name: `cm-${i}`, labels }, data: { k: String(i) } } });
        }
    });
    after(async () => {
        await t?.close();
    });
    describe('discovery', () => {
        it('/api names v1 and /api/v1 lists the core kinds with scope, verbs and short names', async () => {
            const api = (await t.raw('GET', '/api')).json();
            assert.equal(api.kind, 'APIVersions');
            assert.ok(api.versions.includes('v1'));
            const v1 = (await t.raw('GET', '/api/v1')).json();
            assert.equal(v1.kind, 'APIResourceList');
            assert.equal(v1.groupVersion, 'v1');
            const pods = v1.resources.find((r) => r.name === 'pods');
            assert.equal(pods.kind, 'Pod');
            assert.equal(pods.namespaced, true);
            assert.equal(pods.singularName, 'pod');
            assert.ok(pods.shortNames.includes('po'));
            for (const verb of ['get', 'list', 'watch', 'create', 'update', 'delete'])
                assert.ok(pods.verbs.includes(verb), verb);
            const ns = v1.resources.find((r) => r.name === 'namespaces');
            assert.equal(ns.namespaced, false);
            assert.equal(ns.kind, 'Namespace');
        });
        it('/apis lists groups with preferred versions, and group versions list their resources', async () => {
            const apis = (await t.raw('GET', '/apis')).json();
            assert.equal(apis.kind, 'APIGroupList');
            const apps = apis.groups.find((g) => g.name === 'apps');
            assert.deepEqual(apps.preferredVersion, { groupVersion: 'apps/v1', version: 'v1' });
            const rbac = apis.groups.find((g) => g.name === 'rbac.authorization.k8s.io');
            assert.ok(rbac.versions.some((v) => v.groupVersion === 'rbac.authorization.k8s.io/v1'));
            const group = (await t.raw('GET', '/apis/apps')).json();
            assert.equal(group.kind, 'APIGroup');
            assert.equal(group.name, 'apps');
            const appsV1 = (await t.raw('GET', '/apis/apps/v1')).json();
            const deploy = appsV1.resources.find((r) => r.name === 'deployments');
            assert.equal(deploy.kind, 'Deployment');
            assert.equal(deploy.namespaced, true);
            assert.ok(deploy.shortNames.includes('deploy'));
            const crb = (await t.raw('GET', '/apis/rbac.authorization.k8s.io/v1')).json().resources.find((r) => r.name === 'clusterrolebindings');
            assert.equal(crb.namespaced, false);
        });
        it('an installed Istio CRD is served under its group with its kind (skipped where Istio is not installed)', async (ctx) => {
            const apis = (await t.raw('GET', '/apis')).json();
            const istio = apis.groups.find((g) => g.name === 'networking.istio.io');
            if (!istio)
                return ctx.skip('networking.istio.io is not installed in this cluster');
            const v = istio.preferredVersion.version;
            const list = (await t.raw('GET', `/apis/networking.istio.io/${v}`)).json();
            const vs = list.resources.find((r) => r.name === 'virtualservices');
            assert.equal(vs.kind, 'VirtualService');
            assert.equal(vs.namespaced, true);
            assert.ok(vs.verbs.includes('list') && vs.verbs.includes('watch'));
        });
        it('an unknown group version is 404 NotFound', async () => {
            const r = await t.raw('GET', '/apis/no-such-group.meshward.dev/v1');
            assert.equal(r.status, 404);
        });
    });
    describe('list', () => {
        it('pages with limit/continue: every page within the limit, all items once, in name order', async () => {
            const seen = [];
            let cont;
            let pages = 0;
            do {
                const page = await core.listNamespacedConfigMap({ namespace: t.namespace, limit: 2, _continue: cont, labelSelector: `meshward.dev/run=${t.run}` });
                assert.ok(page.items.length <= 2);
                assert.match(page.metadata?.resourceVersion ?? '', /^\d+$/);
                seen.push(...names(page));
                cont = page.metadata?._continue || undefined;
                pages++;
                assert.ok(pages < 20, 'pagination does not end');
            } while (cont);
            assert.deepEqual(seen, TIERS.map((_, i) => `cm-${i}`));
            assert.ok(pages >= 4, `7 items in pages of 2 need 4 pages, got ${pages}`);
        });
        it('a page without selectors says how many items remain', async () => {
            const page = await core.listNamespacedConfigMap({ namespace: t.namespace, limit: 2 });
            assert.ok(page.metadata?._continue);
            assert.equal(typeof page.metadata?.remainingItemCount, 'number');
            const rest = await core.listNamespacedConfigMap({ namespace: t.namespace });
            assert.equal(page.metadata.remainingItemCount, rest.items.length - 2);
        });
        it('a continue token for a compacted resourceVersion is 410 Gone, reason Expired', async () => {
            const token = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 1, start: 'cm-0\u0000' })).toString('base64url');
            const r = await t.raw('GET', `/api/v1/namespaces/${t.namespace}/configmaps?limit=2&continue=${token}`);
            assert.equal(r.status, 410);
            const s = r.json();
            assert.equal(s.kind, 'Status');
            assert.equal(s.reason, 'Expired');
            assert.equal(s.code, 410);
            assert.match(s.message, /continue parameter is too old/);
        });
        it('a continue token that does not decode is 400 BadRequest', async () => {
            const r = await t.raw('GET', `/api/v1/namespaces/${t.namespace}/configmaps?limit=2&continue=not-a-token!!`);
            assert.equal(r.status, 400);
            assert.equal(r.json().reason, 'BadRequest');
        });
        const selectorCases = [
            ['tier=a', [0, 2, 5]],
            ['tier==b', [1, 4]],
            ['tier!=a', [1, 3, 4, 6]],
            ['tier in (a,b)', [0, 1, 2, 4, 5]],
            ['tier notin (a)', [1, 3, 4, 6]],
            ['tier', [0, 1, 2, 4, 5]],
            ['!tier', [3, 6]],
        ];
        for (const [selector, expected] of selectorCases) {
            it(`labelSelector ${selector}`, async () => {
                const list = await core.listNamespacedConfigMap({ namespace: t.namespace, labelSelector: `meshward.dev/run=${t.run},${selector}` });
                assert.deepEqual(names(list), expected.map((i) => `cm-${i}`));
            });
        }
        it('fieldSelector metadata.name and metadata.namespace', async () => {
            const one = await core.listNamespacedConfigMap({ namespace: t.namespace, fieldSelector: 'metadata.name=cm-3' });
            assert.deepEqual(names(one), ['cm-3']);
            const all = await core.listConfigMapForAllNamespaces({ fieldSelector: `metadata.namespace=${t.namespace}`, labelSelector: `meshward.dev/run=${t.run}` });
            assert.equal(all.items.length, TIERS.length);
            const none = await core.listNamespacedConfigMap({ namespace: t.namespace, fieldSelector: `metadata.namespace!=${t.namespace}` });
            assert.equal(none.items.length, 0);
        });
        it('an unsupported field label is 400 BadRequest naming it', async () => {
            const r = await t.raw('GET', `/api/v1/namespaces/${t.namespace}/configmaps?fieldSelector=data.k%3D1`);
            assert.equal(r.status, 400);
            assert.match(r.json().message, /field label not supported: data\.k/);
        });
        it('lists carry a resourceVersion that grows with writes', async () => {
            const before = Number((await core.listNamespacedConfigMap({ namespace: t.namespace })).metadata?.resourceVersion);
            await core.createNamespacedConfigMap({ namespace: t.namespace, body: { metadata: { name: 'rv-probe' } } });
            const after = Number((await core.listNamespacedConfigMap({ namespace: t.namespace })).metadata?.resourceVersion);
            assert.ok(after > before, `${after} > ${before}`);
            await core.deleteNamespacedConfigMap({ name: 'rv-probe', namespace: t.namespace });
        });
    });
    describe('authentication and authorization', () => {
        it('an unknown bearer token is 401 with an Unauthorized Status', async () => {
            const bogus = new k8s.KubeConfig();
            const cluster = t.kc.getCurrentCluster();
            bogus.loadFromOptions({ clusters: [cluster], users: [{ name: 'bogus', token: 'meshward-contract-bogus-token' }], contexts: [{ name: 'bogus', cluster: cluster.name, user: 'bogus' }], currentContext: 'bogus' });
            const r = await t.raw('GET', '/api/v1/namespaces', { kc: bogus });
            assert.equal(r.status, 401);
            const s = r.json();
            assert.equal(s.kind, 'Status');
            assert.equal(s.reason, 'Unauthorized');
            assert.equal(s.message, 'Unauthorized');
        });
        it('403 bodies are worded as the real server words them (cluster scope, namespace, named object, API group)', async () => {
            const as = { 'Impersonate-User': NOBODY };
            const cases = [
                ['/api/v1/pods', `pods is forbidden: User "${NOBODY}" cannot list resource "pods" in API group "" at the cluster scope`, { kind: 'pods' }],
                [`/api/v1/namespaces/${t.namespace}/configmaps`, `configmaps is forbidden: User "${NOBODY}" cannot list resource "configmaps" in API group "" in the namespace "${t.namespace}"`, { kind: 'configmaps' }],
                [`/api/v1/namespaces/${t.namespace}/configmaps/cm-1`, `configmaps "cm-1" is forbidden: User "${NOBODY}" cannot get resource "configmaps" in API group "" in the namespace "${t.namespace}"`, { name: 'cm-1', kind: 'configmaps' }],
                ['/apis/apps/v1/deployments', `deployments.apps is forbidden: User "${NOBODY}" cannot list resource "deployments" in API group "apps" at the cluster scope`, { group: 'apps', kind: 'deployments' }],
            ];
            for (const [path, message, details] of cases) {
                const r = await t.raw('GET', path, { headers: as });
                assert.equal(r.status, 403, path);
                const s = r.json();
                assert.equal(s.kind, 'Status');
                assert.equal(s.status, 'Failure');
                assert.equal(s.reason, 'Forbidden');
                assert.equal(s.code, 403);
                assert.equal(s.message, message);
                assert.deepEqual(s.details, details);
            }
        });
        it('through client-node a 403 is an ApiException carrying the Status', async () => {
            const kc = new k8s.KubeConfig();
            kc.loadFromString(t.kc.exportConfig());
            kc.users = kc.users.map((u) => ({ ...u, impersonateUser: NOBODY }));
            const api = kc.makeApiClient(k8s.CoreV1Api);
            await assert.rejects(api.listPodForAllNamespaces(), (e) => {
                const s = statusOf(e);
                assert.equal(s.code, 403);
                assert.equal(s.body.reason, 'Forbidden');
                return true;
            });
        });
        it('SelfSubjectAccessReview answers for the caller', async () => {
            const review = async (headers) => (await t.raw('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { headers, body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'list', resource: 'pods', namespace: t.namespace } } } })).json();
            const admin = await review({});
            assert.equal(admin.kind, 'SelfSubjectAccessReview');
            assert.equal(admin.status.allowed, true);
            const nobody = await review({ 'Impersonate-User': NOBODY });
            assert.equal(nobody.status.allowed, false);
        });
    });
    describe('objects', () => {
        it('get of a missing object is 404 worded with the resource and name', async () => {
            await assert.rejects(core.readNamespacedConfigMap({ name: 'no-such-cm', namespace: t.namespace }), (e) => {
                const s = statusOf(e);
                assert.equal(s.code, 404);
                assert.equal(s.body.reason, 'NotFound');
                assert.equal(s.body.message, 'configmaps "no-such-cm" not found');
                return true;
            });
        });
        it('create twice is 409 AlreadyExists; update with a stale resourceVersion is 409 Conflict', async () => {
            await assert.rejects(core.createNamespacedConfigMap({ namespace: t.namespace, body: { metadata: { name: 'cm-0' } } }), (e) => {
                const s = statusOf(e);
                assert.equal(s.code, 409);
                assert.equal(s.body.reason, 'AlreadyExists');
                assert.equal(s.body.message, 'configmaps "cm-0" already exists');
                return true;
            });
            const cur = await core.readNamespacedConfigMap({ name: 'cm-0', namespace: t.namespace });
            const stale = cur.metadata.resourceVersion;
            await core.replaceNamespacedConfigMap({ name: 'cm-0', namespace: t.namespace, body: { ...cur, data: { k: 'changed' } } });
            await assert.rejects(core.replaceNamespacedConfigMap({ name: 'cm-0', namespace: t.namespace, body: { ...cur, metadata: { ...cur.metadata, resourceVersion: stale }, data: { k: 'again' } } }), (e) => {
                const s = statusOf(e);
                assert.equal(s.code, 409);
                assert.equal(s.body.reason, 'Conflict');
                assert.match(s.body.message, /^Operation cannot be fulfilled on configmaps "cm-0": the object has been modified/);
                return true;
            });
        });
    });
    describe('watch', () => {
        it('streams ADDED, MODIFIED and DELETED through client-node, after the initial-events bookmark', async () => {
            const watch = new k8s.Watch(t.kc);
            const events = [];
            let sawInitialEnd = null;
            const initialEnd = new Promise((r) => (sawInitialEnd = r));
            let done = null;
            const deleted = new Promise((r) => (done = r));
            const ctl = await watch.watch(`/api/v1/namespaces/${t.namespace}/configmaps`, { allowWatchBookmarks: true, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', labelSelector: `meshward.dev/watch=${t.run}` }, (phase, obj) => {
                events.push([phase, obj]);
                if (phase === 'BOOKMARK' && obj?.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true')
                    sawInitialEnd?.();
                if (phase === 'DELETED')
                    done?.();
            }, () => done?.());
            try {
                await initialEnd;
                const labels = { 'meshward.dev/watch': t.run };
                await core.createNamespacedConfigMap({ namespace: t.namespace, body: { metadata: { name: 'watched', labels } } });
                const cur = await core.readNamespacedConfigMap({ name: 'watched', namespace: t.namespace });
                await core.replaceNamespacedConfigMap({ name: 'watched', namespace: t.namespace, body: { ...cur, data: { x: '1' } } });
                await core.deleteNamespacedConfigMap({ name: 'watched', namespace: t.namespace });
                await deleted;
            }
            finally {
                ctl.abort();
            }
            const changes = events.filter(([p]) => p !== 'BOOKMARK').map(([p, o]) => `${p} ${o.metadata.name}`);
            assert.deepEqual(changes, ['ADDED watched', 'MODIFIED watched', 'DELETED watched']);
            const rvs = events.filter(([p]) => p !== 'BOOKMARK').map(([, o]) => Number(o.metadata.resourceVersion));
            assert.ok(rvs[0] < rvs[1] && rvs[1] < rvs[2], `resourceVersions grow: ${rvs.join(', ')}`);
        });
        it('sendInitialEvents replays what exists, then a BOOKMARK marks the end', async () => {
            const q = `allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&labelSelector=meshward.dev%2Frun%3D${t.run},tier%3Db`;
            const { lines } = await t.watchLines(`/api/v1/namespaces/${t.namespace}/configmaps?watch=1&${q}`, (ls) => ls.some((l) => l.type === 'BOOKMARK'));
            const added = lines.filter((l) => l.type === 'ADDED').map((l) => l.object.metadata.name).sort();
            assert.deepEqual(added, ['cm-1', 'cm-4']);
            const bm = lines.find((l) => l.type === 'BOOKMARK');
            assert.equal(bm.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
            assert.match(bm.object.metadata.resourceVersion, /^\d+$/);
        });
        it('a watch from a resourceVersion older than the retained window gets an ERROR event: 410 Expired', async () => {
            const { lines, status } = await t.watchLines(`/api/v1/namespaces/${t.namespace}/configmaps?watch=1&resourceVersion=1`, (ls) => ls.some((l) => l.type === 'ERROR'));
            assert.equal(status, 200);
            const err = lines.find((l) => l.type === 'ERROR');
            assert.ok(err, 'an ERROR event');
            assert.equal(err.object.kind, 'Status');
            assert.equal(err.object.code, 410);
            assert.equal(err.object.reason, 'Expired');
            assert.match(err.object.message, /too old resource version/);
        });
        it('timeoutSeconds ends the stream from the server side', async () => {
            const list = await core.listNamespacedConfigMap({ namespace: t.namespace });
            const { endedByServer } = await t.watchLines(`/api/v1/namespaces/${t.namespace}/configmaps?watch=1&timeoutSeconds=1&resourceVersion=${list.metadata.resourceVersion}`, () => false);
            assert.equal(endedByServer, true);
        });
    });
});
