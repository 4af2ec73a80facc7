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
import { openClusterCache, type CacheExtras } from './informer.js';
import type { CacheChange, ClusterCache, OpenCacheOptions } from './cache-types.js';

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
  const clusters = ['main', 'gone', 'drops', 'stall', 'hostile', 'timeouts'].map((name) => ({ name, objects: baseObjects(), bookmarkIntervalMs: 200 }));
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
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
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
