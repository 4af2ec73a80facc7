/**
 * readClusters end to end against the stand-in API server, through the real @kubernetes/client-node:
 * listing every kind, pagination, 410 relist, 403 partial, 429/500 retries, timeouts, stalled and
 * dropped bodies, one cluster failing while others succeed, CRDs not installed, bounded concurrency,
 * and the role `meshward rbac` prints (a scan with exactly that role meets no 403).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandIn } from '../testing/apiserver/index.js';
import { REPO_ROOT } from '../testing/kit.js';
import { allRules } from '../rules/index.js';
import { readClusters } from './read.js';
import { rbacDocuments, readRole } from './rbac.js';
import { SECRET_SELECTORS } from './secrets.js';
import { liveReadOptions } from '../testing/live.js';
const KINDS = [...new Set(allRules.flatMap((r) => r.meta.reads))];
const SECRET_CANARY = `canary-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
let dir = '';
let standIn;
/** Objects beyond the example: Secrets with canary values, one selected by label, one that no rule reads. */
const EXTRA = [
    {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'istio-remote-secret-east', namespace: 'istio-system', labels: { 'istio/multiCluster': 'true' } },
        stringData: { east: `apiVersion: v1\nkind: Config\nclusters: [{name: east, cluster: {server: "https://east.example:6443"}}]\nusers: [{name: east, user: {token: ${SECRET_CANARY}}}]\ncontexts: [{name: east, context: {cluster: east, user: east}}]\ncurrent-context: east\n` },
    },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-db-password', namespace: 'default' }, stringData: { password: SECRET_CANARY } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-settings', namespace: 'default' }, data: { key: SECRET_CANARY } },
];
before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meshward-read-'));
    const insecure = join(REPO_ROOT, 'examples', 'insecure');
    standIn = await startStandIn({
        clusters: [
            { name: 'alpha', folders: [insecure], objects: EXTRA, crds: ['istio', 'gateway-api'] },
            { name: 'bare', objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }], crds: [] },
            { name: 'faulty', folders: [insecure] },
        ],
    });
});
after(async () => {
    await standIn?.stop();
    if (dir)
        rmSync(dir, { recursive: true, force: true });
});
function kubeconfigFile(text) {
    const p = join(dir, `kc-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(p, text);
    return p;
}
function options(kubeconfig, over = {}) {
    return liveReadOptions(kubeconfig, dir, { kinds: KINDS, ...over });
}
async function readAll(opts) {
    const reads = [];
    const summaries = await readClusters(opts, async (r) => {
        reads.push(r);
    });
    const text = JSON.stringify({ summaries, reads });
    assert.ok(!text.includes(SECRET_CANARY), 'no Secret or off-list ConfigMap value reaches a summary or a resource');
    return { summaries, reads };
}
function only(reads, name) {
    const r = reads.find((x) => x.summary.name === name);
    assert.ok(r, `cluster ${name} was consumed`);
    return r;
}
test('one cluster, every kind the rules read: sanitized resources with the cluster name, dense ids, no source', async () => {
    const kc = kubeconfigFile(standIn.kubeconfig({ clusters: ['alpha'] }));
    const { summaries, reads } = await readAll(options(kc));
    assert.equal(summaries.length, 1);
    const s = summaries[0];
    assert.equal(s.status, 'ok', JSON.stringify(s.errors));
    assert.equal(s.name, 'alpha');
    assert.equal(s.context, 'alpha');
    assert.equal(s.server, standIn.cluster('alpha').url);
    const r = only(reads, 'alpha');
    assert.equal(s.resources, r.resources.length);
    assert.ok(r.resources.length > 50);
    r.resources.forEach((res, i) => {
        assert.equal(res.id, i, 'ids dense in the cluster');
        assert.equal(res.cluster, 'alpha');
        assert.equal(res.source, null);
        assert.equal(res.obj.kind, res.kind);
        assert.equal(res.obj.apiVersion, res.apiVersion);
    });
    const kinds = new Set(r.resources.map((x) => `${x.group}/${x.kind}`));
    for (const k of ['/Pod', 'apps/Deployment', 'networking.istio.io/VirtualService', 'security.istio.io/AuthorizationPolicy', 'networking.istio.io/EnvoyFilter'].filter((k) => k !== 'networking.istio.io/EnvoyFilter' || r.resources.some((x) => x.kind === 'EnvoyFilter'))) {
        assert.ok(kinds.has(k), `lists ${k}`);
    }
    // Secrets: only the selected one, reduced to facts.
    const secrets = r.resources.filter((x) => x.kind === 'Secret');
    assert.deepEqual(secrets.map((x) => x.name), ['istio-remote-secret-east']);
    assert.ok(secrets[0].secretFacts, 'the Secret carries derived facts');
    const requests = standIn.cluster('alpha').requests;
    // One list per selector and no other (the record holds no query string, so count them).
    assert.equal(requests.filter((q) => q.resource === 'secrets' && q.verb === 'list').length, SECRET_SELECTORS.length, 'Secrets are listed only through the selectors');
    assert.ok(requests.every((q) => q.method === 'GET'), 'read-only');
    assert.ok(requests.filter((q) => q.verb === 'list').every((q) => q.namespace === ''), 'lists are cluster-wide');
});
test('the cluster-wide lists match what the server holds (nothing lost or doubled)', async () => {
    const kc = kubeconfigFile(standIn.kubeconfig({ clusters: ['alpha'] }));
    // Rules name some kinds both ways (`Deployment`, `apps/Deployment`): one resource, listed once.
    const { reads } = await readAll(options(kc, { kinds: ['Pod', 'Deployment', 'apps/Deployment', 'networking.istio.io/VirtualService'] }));
    const r = only(reads, 'alpha');
    const objects = standIn.cluster('alpha').objects;
    for (const [group, plural, kind] of [['', 'pods', 'Pod'], ['apps', 'deployments', 'Deployment'], ['networking.istio.io', 'virtualservices', 'VirtualService']]) {
        const res = objects.resource(group, plural);
        assert.equal(r.resources.filter((x) => x.kind === kind).length, objects.count(res), kind);
    }
});
test('pagination: limit and continue, the same objects as one big page', async () => {
    const kc = kubeconfigFile(standIn.kubeconfig({ clusters: ['alpha'] }));
    const big = only((await readAll(options(kc, { kinds: ['apps/Deployment', 'Namespace'] }))).reads, 'alpha').resources.map((x) => `${x.kind}/${x.namespace}/${x.name}`);
    const handle = standIn.cluster('alpha');
    const from = handle.requests.length;
    const small = only((await readAll(options(kc, { kinds: ['apps/Deployment', 'Namespace'], tuning: { pageLimit: 2 } }))).reads, 'alpha').resources.map((x) => `${x.kind}/${x.namespace}/${x.name}`);
    assert.deepEqual(small, big);
    const lists = handle.requests.slice(from).filter((q) => q.verb === 'list' && q.resource === 'deployments.apps');
    assert.ok(lists.length >= Math.ceil(big.filter((x) => x.startsWith('Deployment/')).length / 2), 'one request per page');
    assert.ok(lists.every((q) => q.limit === 2));
    assert.ok(lists.some((q) => q.continued), 'continue tokens were followed');
});
test('410 on an expired continue token: the kind is listed again from scratch, once', async () => {
    const kc = kubeconfigFile(standIn.kubeconfig({ clusters: ['alpha'] }));
    const handle = standIn.cluster('alpha');
    let compacted = false;
    const from = handle.requests.length;
    const { summaries, reads } = await readAll(options(kc, {
        kinds: ['apps/Deployment'],
        tuning: { pageLimit: 3 },
        // After the first page arrives, the server forgets its snapshot: the next continue gets 410.
        onProgress: (e) => {
            if (!compacted && e.phase === 'listing' && e.detail?.startsWith('Deployment')) {
                compacted = true;
                // A write moves the resourceVersion on; compacting then forgets the list's snapshot.
                handle.objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bump-resource-version', namespace: 'default' } }, null);
                handle.objects.compact();
            }
        },
    }));
    assert.ok(compacted);
    assert.equal(summaries[0].status, 'ok', JSON.stringify(summaries[0].errors));
    const statuses = handle.requests.slice(from).filter((q) => q.resource === 'deployments.apps').map((q) => q.status);
    assert.ok(statuses.includes(410), 'the server said 410');
    const names = only(reads, 'alpha').resources.map((x) => `${x.namespace}/${x.name}`);
    assert.equal(new Set(names).size, names.length, 'no object twice after the relist');
    assert.equal(names.length, handle.objects.count(handle.objects.resource('apps', 'deployments')));
});
test('403 on one kind: the cluster is partial, the error names the kind, a note names the rules weakened', async () => {
    const role = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'almost-everything' },
        rules: [
            { apiGroups: ['*'], resources: ['*'], verbs: ['list', 'watch'] },
        ],
    };
    // RBAC only adds: grant everything but pods by naming the other resources.
    const handle = standIn.cluster('alpha');
    const resources = handle.objects.apiResources().filter((r) => r.name !== 'pods' && !r.name.includes('/'));
    const byGroup = new Map();
    for (const r of resources)
        byGroup.set(r.group, [...(byGroup.get(r.group) ?? []), r.name]);
    role.rules = [...byGroup].map(([g, rs]) => ({ apiGroups: [g], resources: rs, verbs: ['list', 'watch'] }));
    const binding = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'almost-everything' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'almost-everything' },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'no-pods' }],
    };
    const local = await startStandIn({ clusters: [{ name: 'limited', folders: [join(REPO_ROOT, 'examples', 'insecure')], objects: [role, binding], users: [{ name: 'no-pods' }] }] });
    try {
        const kc = kubeconfigFile(local.kubeconfig({ user: 'no-pods' }));
        const { summaries, reads } = await readAll(options(kc));
        const s = summaries[0];
        assert.equal(s.status, 'partial');
        assert.deepEqual(s.errors.map((e) => [e.kind, e.status]), [['Pod', 403]]);
        assert.match(s.errors[0].message, /403 Forbidden/);
        assert.match(s.errors[0].message, /cannot list resource \\?"pods\\?"/, "the server's reason is kept");
        const note = s.notes.find((n) => n.startsWith('Pod not listed'));
        assert.ok(note, 'a note for the forbidden kind');
        assert.match(note, /rules weakened: .*BYP001/);
        assert.ok(only(reads, 'limited').resources.length > 0, 'the rest was read');
        assert.ok(!only(reads, 'limited').resources.some((r) => r.kind === 'Pod'));
    }
    finally {
        await local.stop();
    }
});
test('429 with Retry-After and 500s are retried with backoff; retries are bounded', async () => {
    const kc = kubeconfigFile(standIn.kubeconfig({ clusters: ['faulty'] }));
    const handle = standIn.cluster('faulty');
    const waits = [];
    const sleep = async (ms) => {
        waits.push(ms);
    };
    handle.setFaults([
        { kind: 'pods', verb: 'list', status: 429, retryAfterSeconds: 3, times: 2 },
        { kind: 'services', verb: 'list', status: 500, times: 2 },
    ]);
    let res = await readAll(options(kc, { kinds: ['Pod', 'Service'], sleep }));
    assert.equal(res.summaries[0].status, 'ok', JSON.stringify(res.summaries[0].errors));
    assert.equal(waits.filter((w) => w === 3000).length, 2, 'Retry-After honoured');
    assert.equal(waits.filter((w) => w !== 3000).length, 2, 'backoff for the 500s');
    waits.length = 0;
    handle.setFaults([{ kind: 'pods', verb: 'list', status: 500 }, { kind: 'services', verb: 'list', status: 429, retryAfterSeconds: 100000 }]);
    res = await readAll(options(kc, { kinds: ['Pod', 'Service', 'Namespace'], sleep, tuning: { maxRetries: 3 } }));
    const s = res.summaries[0];
    assert.equal(s.status, 'partial');
    assert.deepEqual(s.errors.map((e) => [e.kind, e.status]).sort(), [['Pod', 500], ['Service', 429]]);
    assert.match(s.errors.find((e) => e.kind === 'Pod').message, /after 4 attempts/);
    assert.ok(waits.every((w) => w <= 10_000), 'a huge Retry-After is cut to the bound');
    handle.setFaults([]);
});
test('a slow answer hits the request timeout; a stalled or dropped body is an error for that kind, not a hang', async () => {
    const kc = kubeconfigFile(standIn.kubeconfig({ clusters: ['faulty'] }));
    const handle = standIn.cluster('faulty');
    const noWait = async () => { };
    handle.setFaults([
        { kind: 'pods', verb: 'list', latencyMs: 6_000 },
        { kind: 'services', verb: 'list', stallMidBody: true },
        { kind: 'configmaps', verb: 'list', dropMidBody: true },
    ]);
    try {
        const { summaries, reads } = await readAll(options(kc, { kinds: ['Pod', 'Service', 'ConfigMap', 'Namespace'], requestTimeoutMs: 1500, sleep: noWait }));
        const s = summaries[0];
        assert.equal(s.status, 'partial');
        const byKind = new Map(s.errors.map((e) => [e.kind, e.message]));
        assert.match(byKind.get('Pod') ?? '', /request timeout|stalled/);
        assert.match(byKind.get('Service') ?? '', /stalled|request timeout/);
        assert.match(byKind.get('ConfigMap') ?? '', /dropped mid-response/);
        assert.ok(only(reads, 'faulty').resources.some((r) => r.kind === 'Namespace'), 'the other kinds were read');
    }
    finally {
        handle.setFaults([]);
    }
});
test('a dropped body is retried and then succeeds', async () => {
    const kc = kubeconfigFile(standIn.kubeconfig({ clusters: ['faulty'] }));
    const handle = standIn.cluster('faulty');
    handle.setFaults([{ kind: 'configmaps', verb: 'list', dropMidBody: true, times: 1 }]);
    try {
        const { summaries } = await readAll(options(kc, { kinds: ['ConfigMap'], sleep: async () => { } }));
        assert.equal(summaries[0].status, 'ok', JSON.stringify(summaries[0].errors));
    }
    finally {
        handle.setFaults([]);
    }
});
test('the cluster timeout cuts a cluster that takes too long; what was listed is kept', async () => {
    const kc = kubeconfigFile(standIn.kubeconfig({ clusters: ['faulty'] }));
    const handle = standIn.cluster('faulty');
    handle.setFaults([{ kind: 'pods', verb: 'list', latencyMs: 6_000 }]);
    try {
        const { summaries } = await readAll(options(kc, { kinds: ['Namespace', 'Pod'], clusterTimeoutMs: 2500, requestTimeoutMs: 20_000, tuning: { kindConcurrency: 1 } }));
        const s = summaries[0];
        assert.equal(s.status, 'partial');
        assert.deepEqual(s.errors.map((e) => e.kind), ['Pod']);
        assert.match(s.errors[0].message, /cluster timeout/);
        assert.ok(s.resources > 0);
    }
    finally {
        handle.setFaults([]);
    }
});
test('one cluster failing does not stop the others; a CRD not installed is a note, not an error', async () => {
    const kc = kubeconfigFile(standIn.kubeconfig());
    const handle = standIn.cluster('faulty');
    handle.setFaults([{ status: 500 }]);
    try {
        const { summaries } = await readAll(options(kc, { allContexts: true, sleep: async () => { } }));
        assert.deepEqual(summaries.map((s) => s.name), ['alpha', 'bare', 'faulty'], 'selection order');
        assert.equal(summaries[0].status, 'ok');
        assert.equal(summaries[1].status, 'ok', JSON.stringify(summaries[1].errors));
        assert.ok(summaries[1].notes.some((n) => /networking\.istio\.io\/VirtualService.*not served/.test(n)), 'missing Istio CRDs noted');
        assert.equal(summaries[2].status, 'error');
        assert.equal(summaries[2].errors[0].kind, 'discovery');
        assert.equal(summaries[2].errors[0].status, 500);
    }
    finally {
        handle.setFaults([]);
    }
});
test('bounds: too many objects, too large a response', async () => {
    const kc = kubeconfigFile(standIn.kubeconfig({ clusters: ['alpha'] }));
    let s = (await readAll(options(kc, { kinds: ['apps/Deployment'], tuning: { maxObjectsPerCluster: 5, pageLimit: 2 } }))).summaries[0];
    assert.equal(s.status, 'error');
    assert.match(s.errors[0].message, /more than 5 objects/);
    s = (await readAll(options(kc, { kinds: ['apps/Deployment', 'Namespace'], tuning: { maxResponseBytes: 4096 } }))).summaries[0];
    assert.ok(s.errors.some((e) => e.kind === 'apps/Deployment' && /over the limit of 4096 bytes/.test(e.message)), JSON.stringify(s.errors));
});
test('client-certificate credentials work too', async () => {
    const kc = kubeconfigFile(standIn.kubeconfig({ clusters: ['alpha'], credential: 'cert' }));
    const { summaries } = await readAll(options(kc, { kinds: ['Namespace'] }));
    assert.equal(summaries[0].status, 'ok', JSON.stringify(summaries[0].errors));
    assert.ok(summaries[0].resources > 0);
});
test('a wrong token is a 401 connection error naming what to do', async () => {
    const text = standIn.kubeconfig({ clusters: ['alpha'] }).replace(/token: .*/, 'token: wrong-token');
    const { summaries } = await readAll(options(kubeconfigFile(text), { kinds: ['Namespace'] }));
    assert.equal(summaries[0].status, 'error');
    assert.equal(summaries[0].errors[0].status, 401);
});
test('30 clusters with concurrency 2: never more than 2 read and not yet consumed at once', async () => {
    const many = await startStandIn({
        clusters: Array.from({ length: 30 }, (_, i) => ({ name: `c${i}`, objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${i}` } }], crds: [] })),
    });
    try {
        const kc = kubeconfigFile(many.kubeconfig());
        let inFlight = 0;
        let peak = 0;
        let consumed = 0;
        const summaries = await readClusters(options(kc, {
            allContexts: true,
            concurrency: 2,
            kinds: ['Namespace'],
            onProgress: (e) => {
                if (e.phase === 'connecting') {
                    inFlight++;
                    peak = Math.max(peak, inFlight);
                }
            },
        }), async (r) => {
            assert.equal(r.summary.status, 'ok');
            // Consumers are slow in real life (analysis): yield so others could start if the bound leaked.
            await new Promise((res) => setImmediate(res));
            consumed++;
            inFlight--;
        });
        assert.equal(summaries.length, 30);
        assert.equal(consumed, 30);
        assert.equal(peak, 2, 'exactly the concurrency, never more');
    }
    finally {
        await many.stop();
    }
});
test('meshward rbac: a scan with exactly the printed role meets no 403; without the binding it does', async () => {
    const docs = rbacDocuments(readRole(allRules), { role: 'meshward-reader', binding: 'meshward-reader', serviceAccount: 'meshward-reader', namespace: 'meshward' });
    const sa = 'system:serviceaccount:meshward:meshward-reader';
    const users = [{ name: sa, groups: ['system:serviceaccounts', 'system:serviceaccounts:meshward', 'system:authenticated'] }];
    const objects = docs.map((d) => d.object);
    const bound = await startStandIn({ clusters: [{ name: 'bound', folders: [join(REPO_ROOT, 'examples', 'insecure')], objects, users, crds: ['istio', 'gateway-api'] }] });
    const unbound = await startStandIn({ clusters: [{ name: 'unbound', folders: [join(REPO_ROOT, 'examples', 'insecure')], objects: objects.filter((o) => o.kind !== 'ClusterRoleBinding'), users }] });
    try {
        const { summaries } = await readAll(options(kubeconfigFile(bound.kubeconfig({ user: sa })), { kinds: KINDS }));
        assert.equal(summaries[0].status, 'ok', JSON.stringify(summaries[0].errors));
        assert.ok(!bound.cluster('bound').requests.some((q) => q.status === 403), 'no request was forbidden');
        assert.ok(summaries[0].resources > 50);
        const control = await readAll(options(kubeconfigFile(unbound.kubeconfig({ user: sa })), { kinds: KINDS }));
        assert.notEqual(control.summaries[0].status, 'ok', 'the same scan without the binding is refused: the test can fail');
    }
    finally {
        await bound.stop();
        await unbound.stop();
    }
});
