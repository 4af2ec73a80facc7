/**
 * openClusterCache against the stand-in API server, through the real @kubernetes/client-node: first
 * sync, changes reaching the cache and its subscribers, bookmarks, watch timeouts resumed without a
 * relist, 410 Gone relists with the right diff, dropped and stalled streams, 403 on one kind, CRDs not
 * installed, the gate refusing a context, hostile events, Secret and env canaries, and close() leaving
 * nothing behind. No sleep synchronises anything: every wait polls a condition under a deadline.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandIn, type StandIn, type ObjectSet } from '../testing/apiserver/index.js';
import { GATEWAY_API_CRDS, crdObject } from '../testing/apiserver/kinds.js';
import { openClusterCache, type CacheExtras } from './informer.js';
import type { CacheChange, ClusterCache, OpenCacheOptions } from './cache-types.js';
import type { Resource } from '../model/resource.js';
import { until } from '../testing/until.js';

const CANARY = `canary-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
const ENV_CANARY = `envcanary-${Math.random().toString(36).slice(2)}`;
const KINDS = ['Namespace', 'Service', 'Secret', 'ConfigMap', 'Deployment', 'apps/Deployment', 'networking.istio.io/VirtualService', 'gateway.networking.k8s.io/HTTPRoute'];

function baseObjects(): unknown[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'cart', namespace: 'shop' }, spec: { ports: [{ port: 80 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'pay', namespace: 'shop' }, spec: { ports: [{ port: 80 }] } },
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'cart', namespace: 'shop' }, spec: { hosts: ['cart'] } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'cart', namespace: 'shop' },
      spec: { template: { spec: { containers: [{ name: 'c', image: 'i', env: [{ name: 'DB_PASSWORD', value: ENV_CANARY }] }] } } },
    },
    // Selected by the remote-secret label: reduced to facts, its value never kept.
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'istio-remote-secret-east', namespace: 'istio-system', labels: { 'istio/multiCluster': 'true' } },
      stringData: { east: `apiVersion: v1\nkind: Config\nclusters: [{name: east, cluster: {server: "https://east.example:6443"}}]\nusers: [{name: east, user: {token: ${CANARY}}}]\ncontexts: [{name: east, context: {cluster: east, user: east}}]\ncurrent-context: east\n` },
    },
    // No selector matches it: never watched at all.
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-db', namespace: 'shop' }, stringData: { password: CANARY } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-settings', namespace: 'shop' }, data: { key: CANARY } },
  ];
}

let dir = '';
let standIn: StandIn;
const notesSeen: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meshward-informer-'));
  const clusters = ['main', 'gone', 'drops', 'stall', 'hostile', 'timeouts', 'late'].map((name) => ({ name, objects: baseObjects(), bookmarkIntervalMs: 200 }));
  standIn = await startStandIn({
    clusters: [
      ...clusters,
      {
        name: 'locked',
        objects: [
          ...baseObjects(),
          // `reader` may list and watch everything but Services.
          { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'most' }, rules: [{ apiGroups: ['', 'apps', 'networking.istio.io'], resources: ['namespaces', 'secrets', 'configmaps', 'deployments', 'virtualservices'], verbs: ['list', 'watch'] }] },
          { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'most' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'most' }, subjects: [{ kind: 'User', name: 'reader' }] },
        ],
        users: [{ name: 'reader' }],
        bookmarkIntervalMs: 200,
      },
    ],
  });
});

after(async () => {
  await standIn?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  const all = notesSeen.join('\n');
  assert.ok(!all.includes(CANARY) && !all.includes(ENV_CANARY), 'no canary reaches a note');
});

function kubeconfigFile(text: string): string {
  const p = join(dir, `kc-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(p, text);
  return p;
}

function options(cluster: string, over: Partial<OpenCacheOptions & CacheExtras> = {}): OpenCacheOptions & CacheExtras {
  return {
    kubeconfig: kubeconfigFile(standIn.kubeconfig({ clusters: [cluster] })),
    inCluster: false,
    clusterNames: new Map(),
    allowExec: [],
    allowInsecureKubeconfig: false,
    requestTimeoutMs: 15_000,
    kinds: KINDS,
    env: {},
    homedir: dir,
    cwd: dir,
    onNote: (n) => notesSeen.push(n),
    ...over,
    tuning: { retryBaseMs: 20, maxBackoffMs: 200, ...over.tuning },
  };
}

/** Polls `cond` until it holds, failing with `what` at the deadline. */
async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  await until(what, cond, { timeoutMs: ms, everyMs: 5 });
}

function resourceOf(objects: ObjectSet, group: string, kind: string) {
  const r = objects.resourceForKind(group, kind);
  assert.ok(r, `${group}/${kind} is served`);
  return r;
}

function names(cache: ClusterCache, kind: string): string[] {
  return [...cache.ofKind(kind)].map((r) => `${r.namespace}/${r.name}`).sort();
}

function assertNoCanary(value: unknown, where: string): void {
  const text = JSON.stringify(value);
  assert.ok(!text.includes(CANARY), `no Secret or ConfigMap canary in ${where}`);
  assert.ok(!text.includes(ENV_CANARY), `no env canary in ${where}`);
}

test('first sync: every served kind listed, sanitized, indexed by kind, namespace and name', { timeout: 60_000 }, async () => {
  const cache = await openClusterCache(options('main'));
  try {
    await cache.whenSynced();
    const st = cache.status();
    assert.equal(st.cluster, 'main');
    assert.equal(st.synced, true);
    assert.ok(st.syncedAt !== null && st.syncedAt <= Date.now());
    assert.deepEqual(names(cache, 'Service'), ['shop/cart', 'shop/pay']);
    assert.deepEqual(names(cache, 'networking.istio.io/VirtualService'), ['shop/cart']);
    // `Deployment` and `apps/Deployment` are one resource, watched once, found under both names.
    assert.deepEqual(names(cache, 'Deployment'), ['shop/cart']);
    assert.deepEqual(names(cache, 'apps/Deployment'), ['shop/cart']);
    assert.equal(cache.get('Service', 'shop', 'cart')?.kind, 'Service');
    assert.equal(cache.get('Service', 'shop', 'nope'), undefined);
    assert.equal(cache.get('Namespace', '', 'shop')?.namespace, '');
    // Only the selected Secret, reduced to facts.
    assert.deepEqual(names(cache, 'Secret'), ['istio-system/istio-remote-secret-east']);
    const secret = cache.get('Secret', 'istio-system', 'istio-remote-secret-east')!;
    assert.ok(secret.secretFacts, 'the Secret carries derived facts');
    const dep = cache.get('apps/Deployment', 'shop', 'cart')!;
    assert.equal(dep.cluster, 'main');
    assertNoCanary([...cache.resources()], 'the cache');
    // Status per kind as asked; the CRD that is not installed is not served, not an error.
    const byKind = new Map(st.kinds.map((k) => [k.kind, k]));
    assert.equal(byKind.get('gateway.networking.k8s.io/HTTPRoute')?.served, false);
    assert.equal(byKind.get('gateway.networking.k8s.io/HTTPRoute')?.lastError, null);
    for (const k of KINDS.filter((k) => !k.startsWith('gateway.'))) {
      assert.equal(byKind.get(k)?.synced, true, `${k} synced`);
      assert.ok(byKind.get(k)?.resourceVersion, `${k} has a resourceVersion`);
      assert.equal(byKind.get(k)?.lastError, null);
    }
    assert.equal(byKind.get('Service')?.objects, 2);
    assert.equal(st.size, [...cache.resources()].length);
    assert.ok(notesSeen.some((n) => n.includes('gateway.networking.k8s.io/HTTPRoute') && n.includes('skipped')), 'a note says the CRD is not installed');
    // Ids are unique (models key maps by them).
    const ids = [...cache.resources()].map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
  } finally {
    await cache.close();
  }
});

test('the cache holds exactly what a live scan of the same cluster reads', { timeout: 60_000 }, async () => {
  const { readClusters } = await import('./read.js');
  const { liveReadOptions } = await import('../testing/live.js');
  const kubeconfig = kubeconfigFile(standIn.kubeconfig({ clusters: ['main'] }));
  let scanned: Resource[] = [];
  await readClusters(liveReadOptions(kubeconfig, dir, { kinds: KINDS }), async (r) => {
    scanned = r.resources;
  });
  const cache = await openClusterCache(options('main', { kubeconfig }));
  try {
    await cache.whenSynced();
    const comparable = (rs: Iterable<Resource>) => [...rs].map((r) => JSON.stringify({ ...r, id: 0 })).sort();
    assert.ok(scanned.length > 5);
    assert.deepEqual(comparable(cache.resources()), comparable(scanned));
  } finally {
    await cache.close();
  }
});

test('create, update and delete in the cluster reach the cache and its subscribers within a second', { timeout: 60_000 }, async () => {
  const cache = await openClusterCache(options('main'));
  const objects = standIn.cluster('main').objects;
  const services = resourceOf(objects, '', 'Service');
  const changes: CacheChange[] = [];
  const seenVersions: number[] = [];
  try {
    await cache.whenSynced();
    const unsubscribe = cache.subscribe((c) => {
      changes.push(c);
      seenVersions.push(cache.version);
    });
    const v0 = cache.version;

    let t = Date.now();
    objects.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'new', namespace: 'shop' }, spec: { ports: [{ port: 81 }] } }, null);
    await waitFor(() => cache.get('Service', 'shop', 'new') !== undefined, 'the created Service', 1000);
    assert.ok(Date.now() - t < 1000);
    assert.equal(changes.at(-1)?.type, 'ADDED');
    assert.equal(changes.at(-1)?.resource.name, 'new');
    assert.equal(changes.at(-1)?.previous, undefined);

    t = Date.now();
    objects.update(services, 'shop', 'new', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'new', namespace: 'shop', labels: { v: '2' } }, spec: { ports: [{ port: 82 }] } });
    await waitFor(() => cache.get('Service', 'shop', 'new')?.labels.v === '2', 'the updated Service', 1000);
    const mod = changes.at(-1)!;
    assert.equal(mod.type, 'MODIFIED');
    assert.equal(mod.previous?.labels.v, undefined);
    assert.equal(mod.resource.id, mod.previous?.id, 'an object keeps its id across changes');

    objects.delete(services, 'shop', 'new');
    await waitFor(() => cache.get('Service', 'shop', 'new') === undefined, 'the deleted Service', 1000);
    assert.equal(changes.at(-1)?.type, 'DELETED');
    assert.equal(changes.at(-1)?.resource.name, 'new');
    assert.equal(changes.at(-1)?.previous?.labels.v, '2');

    // The version counts applied changes, and a subscriber sees it already bumped.
    assert.equal(cache.version, v0 + 3);
    assert.deepEqual(seenVersions, [v0 + 1, v0 + 2, v0 + 3]);
    assert.ok(cache.status().lastEventAt !== null);

    // An env value off the allowlist and a selected Secret's data never reach a subscriber.
    const deployments = resourceOf(objects, 'apps', 'Deployment');
    objects.update(deployments, 'shop', 'cart', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'cart', namespace: 'shop', labels: { rev: '2' } },
      spec: { template: { spec: { containers: [{ name: 'c', image: 'i', env: [{ name: 'API_KEY', value: ENV_CANARY }] }] } } },
    });
    objects.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cacerts', namespace: 'istio-system' }, stringData: { 'ca-key.pem': CANARY } }, null);
    await waitFor(() => cache.get('Secret', 'istio-system', 'cacerts') !== undefined && cache.get('Deployment', 'shop', 'cart')?.labels.rev === '2', 'the Secret and Deployment changes', 1000);
    assertNoCanary(changes, 'subscriber changes');

    // Unsubscribed: no more calls; a throwing subscriber does not stop the others.
    unsubscribe();
    const n = changes.length;
    const after: CacheChange[] = [];
    cache.subscribe(() => {
      throw new Error('subscriber bug');
    });
    cache.subscribe((c) => after.push(c));
    objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'later' } }, null);
    await waitFor(() => after.length === 1, 'the second subscriber is called despite the first throwing', 1000);
    assert.equal(changes.length, n);
  } finally {
    await cache.close();
  }
});

/** The requests for one resource with one verb, served so far. */
function requestsOf(cluster: string, resource: string, verb: string) {
  return standIn.cluster(cluster).requests.filter((r) => r.resource === resource && r.verb === verb);
}

function param(query: string, name: string): string | null {
  return new URLSearchParams(query).get(name);
}

test('Secrets only through the selectors; one held by two selectors stays until neither selects it', { timeout: 60_000 }, async () => {
  const h = standIn.cluster('main');
  const secrets = resourceOf(h.objects, '', 'Secret');
  const cache = await openClusterCache(options('main', { kinds: ['Secret'] }));
  const changes: CacheChange[] = [];
  try {
    await cache.whenSynced();
    // One watch per selector, each with its selector, none unselected.
    const watches = () => requestsOf('main', 'secrets', 'watch').filter((r) => r.status === 0);
    await waitFor(() => watches().length >= 7, 'a watch per Secret selector', 5000);
    for (const r of requestsOf('main', 'secrets', 'watch').concat(requestsOf('main', 'secrets', 'list'))) {
      assert.ok(param(r.query, 'labelSelector') || param(r.query, 'fieldSelector'), `Secret request with a selector: ${r.query}`);
    }
    cache.subscribe((c) => changes.push(c));
    // Selected by name (cacerts) and by label (istio/multiCluster=true) at once.
    h.objects.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cacerts', namespace: 'mesh', labels: { 'istio/multiCluster': 'true' } }, stringData: { 'ca-key.pem': CANARY } }, null);
    await waitFor(() => cache.get('Secret', 'mesh', 'cacerts') !== undefined, 'the doubly selected Secret', 1000);
    // Unlabelled: the label watch lets it go, the name watch still holds it.
    h.objects.update(secrets, 'mesh', 'cacerts', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cacerts', namespace: 'mesh', labels: { other: 'x' } }, stringData: { 'ca-key.pem': CANARY } });
    await waitFor(() => cache.get('Secret', 'mesh', 'cacerts')?.labels.other === 'x', 'the unlabelled Secret, still cached', 1000);
    h.objects.delete(secrets, 'mesh', 'cacerts');
    await waitFor(() => cache.get('Secret', 'mesh', 'cacerts') === undefined, 'the deleted Secret gone', 1000);
    assert.deepEqual(changes.map((c) => c.type), ['ADDED', 'MODIFIED', 'DELETED']);
    // A Secret no selector matches never arrives.
    h.objects.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'plain', namespace: 'mesh' }, stringData: { p: CANARY } }, null);
    h.objects.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'istio-ca-secret', namespace: 'mesh' }, stringData: { 'ca-key.pem': CANARY } }, null);
    await waitFor(() => cache.get('Secret', 'mesh', 'istio-ca-secret') !== undefined, 'a later selected Secret', 1000);
    assert.equal(cache.get('Secret', 'mesh', 'plain'), undefined);
    assertNoCanary(changes, 'subscriber changes');
    assertNoCanary([...cache.resources()], 'the cache');
  } finally {
    await cache.close();
  }
});

test('bookmarks advance the resourceVersion without changing the cache', { timeout: 60_000 }, async () => {
  const cache = await openClusterCache(options('main', { kinds: ['Service'] }));
  const objects = standIn.cluster('main').objects;
  try {
    await cache.whenSynced();
    const rv0 = Number(cache.status().kinds[0]!.resourceVersion);
    const v0 = cache.version;
    // A change to another kind moves the cluster's resourceVersion; only a bookmark can tell the Service watch.
    objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `moved-${Date.now()}`, namespace: 'shop' } }, null);
    const target = objects.rv;
    assert.ok(target > rv0);
    await waitFor(() => Number(cache.status().kinds[0]!.resourceVersion) >= target, 'a bookmark carrying the new resourceVersion', 5000);
    assert.equal(cache.version, v0, 'a bookmark is not a change');
    const watches = requestsOf('main', 'services', 'watch');
    assert.ok(watches.length >= 1);
    for (const w of watches) assert.equal(param(w.query, 'allowWatchBookmarks'), 'true');
  } finally {
    await cache.close();
  }
});

test('a watch ended by timeoutSeconds resumes from the last resourceVersion, without a relist', { timeout: 60_000 }, async () => {
  const h = standIn.cluster('timeouts');
  const cache = await openClusterCache(options('timeouts', { kinds: ['Service'], tuning: { watchTimeoutSeconds: 1 } }));
  try {
    await cache.whenSynced();
    // Two watches ended by the server's timeout (status 200, stream closed), then a third one open.
    await waitFor(() => requestsOf('timeouts', 'services', 'watch').length >= 3, 'three watches', 10_000);
    const watches = requestsOf('timeouts', 'services', 'watch');
    assert.equal(requestsOf('timeouts', 'services', 'list').length, 1, 'no relist');
    for (const w of watches) {
      const t = Number(param(w.query, 'timeoutSeconds'));
      assert.ok(t >= 1 && t < 2, `timeoutSeconds ${t} in [1, 2)`);
      assert.ok(param(w.query, 'resourceVersion'), 'every watch starts from a resourceVersion');
    }
    // Each resumed watch starts at or after the previous one's (bookmarks moved it along).
    const rvs = watches.map((w) => Number(param(w.query, 'resourceVersion')));
    for (let i = 1; i < rvs.length; i++) assert.ok(rvs[i]! >= rvs[i - 1]!);
    // And still sees changes.
    h.objects.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'after-timeouts', namespace: 'shop' } }, null);
    await waitFor(() => cache.get('Service', 'shop', 'after-timeouts') !== undefined, 'a Service created after the timeouts', 3000);
    assert.equal(cache.status().kinds[0]!.relists, 0);
  } finally {
    await cache.close();
  }
});

test('410 Gone after an outage: relist, and the diff tells subscribers what changed meanwhile', { timeout: 60_000 }, async () => {
  const h = standIn.cluster('gone');
  const services = resourceOf(h.objects, '', 'Service');
  const cache = await openClusterCache(options('gone', { kinds: ['Service'] }));
  const changes: CacheChange[] = [];
  try {
    await cache.whenSynced();
    cache.subscribe((c) => changes.push(c));
    // The watch goes down and stays down (every new watch fails) while the cluster changes and compacts.
    await h.waitForRequest((r) => r.resource === 'services' && r.verb === 'watch');
    h.setFaults([{ kind: 'services', verb: 'watch', status: 500 }]);
    assert.ok(h.dropWatches() >= 1, 'a watch was open');
    await h.waitForRequest((r) => r.resource === 'services' && r.verb === 'watch' && r.status === 500);
    h.objects.delete(services, 'shop', 'pay');
    h.objects.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'late', namespace: 'shop' } }, null);
    h.objects.update(services, 'shop', 'cart', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'cart', namespace: 'shop', labels: { moved: 'yes' } } });
    h.objects.compact();
    assert.equal(changes.length, 0, 'nothing seen while the watch is down');
    h.setFaults([]);
    await waitFor(() => cache.status().kinds[0]!.relists === 1 && changes.length === 3, 'the relist and its three changes', 5000);
    const summary = changes.map((c) => `${c.type} ${c.resource.name}`).sort();
    assert.deepEqual(summary, ['ADDED late', 'DELETED pay', 'MODIFIED cart']);
    const del = changes.find((c) => c.type === 'DELETED')!;
    assert.equal(del.previous?.name, 'pay');
    assert.equal(changes.find((c) => c.type === 'MODIFIED')!.resource.labels.moved, 'yes');
    assert.deepEqual(names(cache, 'Service'), ['shop/cart', 'shop/late']);
    assert.equal(requestsOf('gone', 'services', 'list').length, 2);
    assert.ok(notesSeen.some((n) => n.includes('410')), 'a note says why it relisted');
    // Watching again after the relist.
    h.objects.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'after-relist', namespace: 'shop' } }, null);
    await waitFor(() => cache.get('Service', 'shop', 'after-relist') !== undefined, 'a change after the relist', 3000);
  } finally {
    h.setFaults([]);
    await cache.close();
  }
});

test('a dropped watch resumes from its resourceVersion, without a relist and without losing a change', { timeout: 60_000 }, async () => {
  const h = standIn.cluster('drops');
  const cache = await openClusterCache(options('drops', { kinds: ['Service'] }));
  try {
    await cache.whenSynced();
    // The next two watches are cut right after they start; the current one is cut now.
    await h.waitForRequest((r) => r.resource === 'services' && r.verb === 'watch');
    h.setFaults([{ kind: 'services', verb: 'watch', dropMidBody: true, times: 2 }]);
    assert.equal(h.dropWatches(), 1, 'the open watch is cut');
    h.objects.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'during-drops', namespace: 'shop' } }, null);
    await waitFor(() => cache.get('Service', 'shop', 'during-drops') !== undefined, 'the change made while the watch was dropped', 5000);
    // The first watch, two cut ones (each replays what it owes, then is cut), then one that stays.
    await waitFor(() => requestsOf('drops', 'services', 'watch').length >= 4, 'a watch after the two cut ones', 5000);
    h.objects.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'after-drops', namespace: 'shop' } }, null);
    await waitFor(() => cache.get('Service', 'shop', 'after-drops') !== undefined, 'a change after the drops', 3000);
    assert.ok(notesSeen.some((n) => n.includes('dropped') && n.includes('resuming the watch')), 'a note says the watch dropped and resumes');
    assert.equal(requestsOf('drops', 'services', 'list').length, 1, 'resumed, never relisted');
    assert.equal(cache.status().kinds[0]!.relists, 0);
  } finally {
    h.setFaults([]);
    await cache.close();
  }
});

test('a stalled watch (no byte, not even a bookmark) is dropped at the bound and resumed', { timeout: 60_000 }, async () => {
  const h = standIn.cluster('stall');
  h.setFaults([{ kind: 'services', verb: 'watch', stallMidBody: true, times: 1 }]);
  const cache = await openClusterCache(options('stall', { kinds: ['Service'], tuning: { watchStallMs: 1500 } }));
  try {
    await cache.whenSynced();
    // The first watch is open and silent from here on.
    await h.waitForRequest((r) => r.resource === 'services' && r.verb === 'watch');
    const started = Date.now();
    h.objects.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'behind-stall', namespace: 'shop' } }, null);
    await waitFor(() => cache.get('Service', 'shop', 'behind-stall') !== undefined, 'the change behind the stalled watch', 10_000);
    assert.ok(Date.now() - started >= 1000, 'the change came after the stall bound, through a new watch');
    assert.ok(notesSeen.some((n) => n.includes('stalled')), 'a note says the watch stalled');
    assert.equal(requestsOf('stall', 'services', 'list').length, 1, 'resumed, never relisted');
    assert.ok(requestsOf('stall', 'services', 'watch').length >= 2);
  } finally {
    h.setFaults([]);
    await cache.close();
  }
});

test('403 on one kind: its lastError, retried; the cache is synced without it and completes once allowed', { timeout: 60_000 }, async () => {
  const h = standIn.cluster('locked');
  const kubeconfig = kubeconfigFile(standIn.kubeconfig({ clusters: ['locked'], user: 'reader' }));
  const cache = await openClusterCache(options('locked', { kubeconfig, kinds: ['Namespace', 'Service', 'ConfigMap'] }));
  try {
    await cache.whenSynced();
    const st = cache.status();
    assert.equal(st.synced, true, 'a forbidden kind does not block the sync');
    const svc = st.kinds.find((k) => k.kind === 'Service')!;
    assert.equal(svc.served, true);
    assert.equal(svc.synced, false);
    assert.equal(svc.lastError?.status, 403);
    assert.match(svc.lastError!.message, /forbidden/i);
    assert.equal(st.kinds.find((k) => k.kind === 'ConfigMap')!.synced, true);
    // Retried with backoff.
    await waitFor(() => requestsOf('locked', 'services', 'list').length >= 3, 'retries of the forbidden list', 5000);
    // Granted: the kind completes.
    h.objects.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'svc' }, rules: [{ apiGroups: [''], resources: ['services'], verbs: ['list', 'watch'] }] }, null);
    h.objects.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'svc' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'svc' }, subjects: [{ kind: 'User', name: 'reader' }] }, null);
    await waitFor(() => cache.status().kinds.find((k) => k.kind === 'Service')!.synced, 'Services synced once allowed', 5000);
    const after = cache.status().kinds.find((k) => k.kind === 'Service')!;
    assert.equal(after.lastError, null);
    assert.equal(after.objects, 2);
  } finally {
    await cache.close();
  }
});

test('429 and 5xx on watches: lastError, backoff (Retry-After honoured), then watching again', { timeout: 60_000 }, async () => {
  const h = standIn.cluster('drops');
  const cache = await openClusterCache(options('drops', { kinds: ['Service'] }));
  try {
    await cache.whenSynced();
    await h.waitForRequest((r) => r.resource === 'services' && r.verb === 'watch' && r.status === 0);
    h.setFaults([
      // Retry-After of a second keeps the 429 in the status long enough to be seen before the 503 replaces it.
      { kind: 'services', verb: 'watch', status: 429, retryAfterSeconds: 1, times: 2 },
      { kind: 'services', verb: 'watch', status: 503, times: 1 },
    ]);
    const before = requestsOf('drops', 'services', 'watch').length;
    h.dropWatches();
    await waitFor(() => cache.status().kinds[0]!.lastError?.status === 429, 'the 429 in the kind status', 5000);
    h.objects.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'after-throttle', namespace: 'shop' } }, null);
    await waitFor(() => cache.get('Service', 'shop', 'after-throttle') !== undefined, 'the change after the throttling', 5000);
    assert.ok(requestsOf('drops', 'services', 'watch').length >= before + 4, 'two 429s, one 503, then a watch that serves');
    await waitFor(() => cache.status().kinds[0]!.lastError === null, 'lastError cleared by the next success', 5000);
    assert.equal(cache.status().kinds[0]!.relists, 0);
  } finally {
    h.setFaults([]);
    await cache.close();
  }
});

test('an API server that cannot be reached: retried, visible in status, and close() still ends it', { timeout: 60_000 }, async () => {
  const net = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as import('node:net').AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const text = standIn.kubeconfig({ clusters: ['main'] }).replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${port}`);
  assert.ok(text.includes(`:${port}`));
  const cache = await openClusterCache(options('main', { kubeconfig: kubeconfigFile(text), kinds: ['Service'] }));
  const synced = cache.whenSynced();
  await waitFor(() => cache.status().kinds[0]!.lastError?.kind === 'connection', 'the connection error in status', 10_000);
  const st = cache.status();
  assert.equal(st.synced, false);
  assert.match(st.kinds[0]!.lastError!.message, /cannot reach the API server/);
  await cache.close();
  await assert.rejects(synced, /closed before its first sync/);
});

test("--in-cluster: the pod's service account, the kubeconfig and context ignored", { timeout: 60_000 }, async () => {
  const url = new URL(standIn.cluster('main').url);
  const token = join(dir, 'sa-token');
  const ca = join(dir, 'sa-ca.crt');
  writeFileSync(token, standIn.token('main'));
  writeFileSync(ca, standIn.caPem);
  const cache = await openClusterCache(
    options('main', {
      inCluster: true,
      kubeconfig: join(dir, 'does-not-exist.yaml'),
      context: 'nowhere',
      kinds: ['Service'],
      env: { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port },
      inClusterPaths: { token, ca },
      clusterNames: new Map([['in-cluster', 'home']]),
    }),
  );
  try {
    await cache.whenSynced();
    assert.equal(cache.name, 'home');
    assert.ok(cache.get('Service', 'shop', 'cart'));
    assert.equal(cache.get('Service', 'shop', 'cart')?.cluster, 'home');
  } finally {
    await cache.close();
  }
  // Outside a pod, the in-cluster selection is refused before anything connects.
  await assert.rejects(openClusterCache(options('main', { inCluster: true, kinds: ['Service'] })), (err: Error) => err.name === 'LiveSelectionError' && /not running in a pod/.test(err.message));
});

test('the gate refuses a context before anything connects', { timeout: 60_000 }, async () => {
  const h = standIn.cluster('main');
  const text = standIn.kubeconfig({ clusters: ['main'] }).replace(/certificate-authority-data: .*/, 'insecure-skip-tls-verify: true');
  assert.ok(text.includes('insecure-skip-tls-verify'));
  const before = h.requests.length;
  await assert.rejects(
    openClusterCache(options('main', { kubeconfig: kubeconfigFile(text) })),
    (err: Error) => {
      assert.equal(err.name, 'LiveSelectionError');
      assert.match(err.message, /KCF005/);
      assert.match(err.message, /--allow-insecure-kubeconfig/);
      assert.match(err.message, /insecure-skip-tls-verify/);
      return true;
    },
  );
  assert.equal(h.requests.length, before, 'no request reached the server');
  // An unknown context is refused the same way.
  await assert.rejects(openClusterCache(options('main', { context: 'nowhere' })), /no context named "nowhere"/);
});

test('hostile events are skipped with a note and the watch goes on', { timeout: 60_000 }, async () => {
  const h = standIn.cluster('hostile');
  const svc = (name: string, namespace = 'shop', extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, resourceVersion: String(h.objects.rv) }, ...extra });
  const lines = [
    'this is not json {',
    JSON.stringify({ type: 'ADDED', object: { ...svc('padding'), spec: { pad: 'x'.repeat(300 * 1024) } } }),
    JSON.stringify({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wrong-kind', namespace: 'shop' } } }),
    JSON.stringify({ type: 'ADDED', object: { apiVersion: 'example.com/v1', kind: 'Service', metadata: { name: 'wrong-group', namespace: 'shop' } } }),
    JSON.stringify({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'Service' } }),
    JSON.stringify({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'Service', metadata: 'nope' } }),
    JSON.stringify({ type: 'SURPRISE', object: svc('surprise') }),
    JSON.stringify([1, 2, 3]),
    '{"type":"ADDED","object":{"apiVersion":"v1","kind":"Service","metadata":{"name":"__proto__","namespace":"constructor","labels":{"__proto__":"polluted"}}}}',
    JSON.stringify({ type: 'ADDED', object: { ...svc('env-carrier'), spec: { template: { spec: { containers: [{ name: 'c', env: [{ name: 'TOKEN', value: ENV_CANARY }] }] } } } } }),
    JSON.stringify({ type: 'ADDED', object: svc('good-after-junk') }),
  ];
  h.setFaults([{ kind: 'services', verb: 'watch', watchLines: lines, times: 1 }]);
  const before = notesSeen.length;
  const cache = await openClusterCache(options('hostile', { kinds: ['Service'], tuning: { maxEventBytes: 64 * 1024 } }));
  try {
    await cache.whenSynced();
    await waitFor(() => cache.get('Service', 'shop', 'good-after-junk') !== undefined, 'the valid event after the junk', 5000);
    const notes = notesSeen.slice(before).join('\n');
    assert.match(notes, /not JSON/);
    assert.match(notes, /over the bound of 65536/);
    assert.match(notes, /kind "ConfigMap"/);
    assert.match(notes, /apiVersion "example.com\/v1"/);
    assert.match(notes, /without metadata.name/);
    assert.match(notes, /type "SURPRISE"/);
    assert.match(notes, /not a JSON object/);
    for (const n of ['padding', 'wrong-kind', 'wrong-group', 'surprise']) assert.equal(cache.get('Service', 'shop', n), undefined, `${n} not cached`);
    const proto = cache.get('Service', 'constructor', '__proto__');
    assert.ok(proto, 'a `__proto__` name is data');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
    assert.ok(cache.get('Service', 'shop', 'env-carrier'));
    assertNoCanary([...cache.resources()], 'the cache');
    // Still watching after all that.
    h.objects.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'still-watching', namespace: 'shop' } }, null);
    await waitFor(() => cache.get('Service', 'shop', 'still-watching') !== undefined, 'a real change after the hostile lines', 3000);
  } finally {
    h.setFaults([]);
    await cache.close();
  }
});

test('close() before the first sync rejects whenSynced; close is idempotent', { timeout: 60_000 }, async () => {
  const cache = await openClusterCache(options('main', { kinds: ['Service'] }));
  const synced = cache.whenSynced();
  const first = cache.close();
  assert.equal(cache.close(), first);
  await first;
  await assert.rejects(synced, /closed before its first sync/);
});

test('close() leaves no timer, socket or child behind: a process using the cache exits on its own', { timeout: 60_000 }, async () => {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const informerJs = fileURLToPath(new URL('./informer.js', import.meta.url));
  const kubeconfig = kubeconfigFile(standIn.kubeconfig({ clusters: ['main'] }));
  const script = join(dir, 'cache-child.mjs');
  writeFileSync(
    script,
    `import { openClusterCache } from ${JSON.stringify(informerJs)};
const cache = await openClusterCache({ kubeconfig: ${JSON.stringify(kubeconfig)}, inCluster: false, clusterNames: new Map(), allowExec: [], allowInsecureKubeconfig: false,
  requestTimeoutMs: 15000, kinds: ${JSON.stringify(KINDS)}, env: {}, homedir: ${JSON.stringify(dir)}, cwd: ${JSON.stringify(dir)} });
await cache.whenSynced();
let n = 0;
cache.subscribe(() => n++);
process.stdout.write('synced ' + cache.status().size + '\\n');
await cache.close();
process.stdout.write('closed\\n');
`,
  );
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let errText = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (errText += d));
  const code = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('did not exit within 30 s of starting');
    }, 30_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c ?? -1);
    });
  });
  assert.equal(code, 0, `the child exits by itself (stderr: ${errText.slice(0, 500)})`);
  assert.match(out, /synced \d+\nclosed\n/);
});

test('a CRD installed after the cache opened is found on the next rediscovery and watched', { timeout: 60_000 }, async () => {
  const cache = await openClusterCache(options('late', { tuning: { rediscoverMs: 50 } }));
  try {
    await cache.whenSynced();
    const route = () => cache.status().kinds.find((k) => k.kind === 'gateway.networking.k8s.io/HTTPRoute');
    assert.equal(route()?.served, false, 'not served at first');
    const objects = standIn.cluster('late').objects;
    objects.create(crdObject(GATEWAY_API_CRDS.find((c) => c.kind === 'HTTPRoute')!), null);
    objects.create({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r1', namespace: 'shop' }, spec: { hostnames: ['cart.example.com'] } }, null);
    await waitFor(() => names(cache, 'gateway.networking.k8s.io/HTTPRoute').includes('shop/r1'), 'the HTTPRoute in the cache');
    await waitFor(() => route()?.synced === true, 'HTTPRoute synced');
    assert.equal(route()?.served, true);
    assert.equal(route()?.lastError, null);
    assert.equal(cache.status().synced, true, 'the cache stayed synced throughout');
    assert.ok(notesSeen.some((n) => n.includes('gateway.networking.k8s.io/HTTPRoute now served')), 'a note says the kind is now watched');
    // Later changes of the new kind arrive through its watch.
    objects.create({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r2', namespace: 'shop' }, spec: {} }, null);
    await waitFor(() => names(cache, 'gateway.networking.k8s.io/HTTPRoute').includes('shop/r2'), 'the second HTTPRoute');
    // Kinds served from the start are watched once, not again by the rediscovery.
    assert.deepEqual(names(cache, 'Service'), ['shop/cart', 'shop/pay']);
  } finally {
    await cache.close();
  }
});
