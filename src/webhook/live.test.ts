// The webhook over the informer-backed cache of the stand-in API server (real @kubernetes/client-node,
// real watches): a Service created in the cluster makes a claim on its host denied within a second;
// deleted, the claim is allowed again. And --tenants-configmap: the policy read from a ConfigMap of
// the cluster through the API, reloaded when it changes, a broken version refused and the old kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../testing/until.js';
import { startStandIn, type StandIn } from '../testing/apiserver/index.js';
import { openClusterCache } from '../cluster/informer.js';
import type { ClusterCache } from '../cluster/cache-types.js';
import { connect } from '../cluster/client.js';
import { selectTargets } from '../cluster/read.js';
import { webhookCacheKinds } from '../cli/commands/webhook.js';
import { admissionReview, startTestWebhook, type TestWebhook } from '../testing/webhook.js';
import { ConfigMapPolicySource, readConfigMapPolicy } from './configmap-policy.js';

const NAMESPACES = ['payments', 'shop'].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'istio-injection': 'enabled' } } }));
const POLICY_V1 = 'tenants:\n- name: shop\n  namespaces: [shop]\n- name: payments\n  namespaces: [payments]\n  hosts: [api.stripe.com]\n';
const POLICY_V2 = 'tenants:\n- name: shop\n  namespaces: [shop]\n  hosts: [api.stripe.com]\n- name: payments\n  namespaces: [payments]\n';
const tenantsConfigMap = (text: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'meshward-tenants', namespace: 'meshward' }, data: { 'tenants.yaml': text } });

let dir = '';
let standIn: StandIn;
let cache: ClusterCache;
let wh: TestWebhook;
let kubeconfig = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meshward-webhook-live-'));
  standIn = await startStandIn({ clusters: [{ name: 'main', objects: [...NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'meshward' } }, tenantsConfigMap(POLICY_V1)], bookmarkIntervalMs: 200 }] });
  kubeconfig = join(dir, 'kubeconfig.yaml');
  writeFileSync(kubeconfig, standIn.kubeconfig({ clusters: ['main'] }));
  cache = await openClusterCache({ kubeconfig, inCluster: false, clusterNames: new Map(), allowExec: [], allowInsecureKubeconfig: false, requestTimeoutMs: 15_000, kinds: webhookCacheKinds(), env: {}, homedir: dir, cwd: dir });
  await cache.whenSynced();
  wh = await startTestWebhook({ liveCache: cache });
});

after(async () => {
  await wh?.close();
  await cache?.close();
  await standIn?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Polls `cond` (the shared wait, about every millisecond) until it holds, failing at the deadline; how long it took. */
async function waitFor(what: string, cond: () => Promise<boolean>, ms: number): Promise<number> {
  const start = performance.now();
  await until(what, cond, { timeoutMs: ms, everyMs: 1 });
  return performance.now() - start;
}

// A wildcard over every Service of the mesh: nobody's Service until one exists in another namespace.
const claim = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'all', namespace: 'shop' }, spec: { hosts: ['*.svc.cluster.local'], http: [{ route: [{ destination: { host: 'proxy.shop.svc.cluster.local' } }] }] } };

test('propagation: a Service created in the cluster makes a claim on its host denied within a second', async (t) => {
  assert.equal(cache.status().synced, true);
  assert.equal((await wh.request('GET', '/readyz')).status, 200);
  const before = await wh.review(admissionReview('CREATE', claim));
  assert.equal(before.allowed, true, `no other namespace has a Service yet: ${before.status?.message ?? ''}`);
  const objects = standIn.cluster('main').objects;
  objects.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'pay', namespace: 'payments' }, spec: { selector: { app: 'pay' }, ports: [{ name: 'http', port: 80 }] } }, null);
  const took = await waitFor('the claim denied', async () => !(await wh.review(admissionReview('CREATE', claim))).allowed, 1_000);
  const denied = await wh.review(admissionReview('CREATE', claim));
  assert.match(denied.status.message, /\[HJK001 critical\].*payments\/pay/);
  assert.ok(took <= 1_000, `denied after ${took} ms`);
  t.diagnostic(`denied ${took} ms after the Service was created`);
  const r = objects.resourceForKind('', 'Service');
  assert.ok(r);
  objects.delete(r, 'payments', 'pay');
  await waitFor('the claim allowed again', async () => (await wh.review(admissionReview('CREATE', claim))).allowed, 1_000);
});

test('--tenants-configmap: the policy comes from the cluster, is reloaded, and a broken version is refused', async () => {
  const [target] = selectTargets({ kubeconfig, contexts: [], allContexts: false, inCluster: false, clusterNames: new Map(), allowExec: [], allowInsecureKubeconfig: false, env: {}, homedir: dir, cwd: dir });
  assert.ok(target.spec);
  const conn = await connect(target.spec);
  const events: string[] = [];
  const source = await ConfigMapPolicySource.open(() => readConfigMapPolicy(conn, { namespace: 'meshward', name: 'meshward-tenants' }, 10_000), 'configmap meshward/meshward-tenants', 3_600_000, {
    onLoaded: () => events.push('loaded'),
    onRefused: (_w, m) => events.push(`refused: ${m}`),
  });
  try {
    assert.deepEqual(source.current?.tenants.find((t) => t.name === 'payments')?.hosts, ['api.stripe.com']);
    const objects = standIn.cluster('main').objects;
    const cm = objects.resourceForKind('', 'ConfigMap')!;
    objects.update(cm, 'meshward', 'meshward-tenants', tenantsConfigMap(POLICY_V2));
    await source.check();
    assert.deepEqual(events, ['loaded']);
    assert.deepEqual(source.current?.tenants.find((t) => t.name === 'shop')?.hosts, ['api.stripe.com']);
    objects.update(cm, 'meshward', 'meshward-tenants', tenantsConfigMap('tenants:\n- name: shop\n  namespacez: [shop]\n'));
    await source.check();
    await source.check();
    assert.equal(events.length, 2, 'a broken version is logged once, not at every check');
    assert.match(events[1], /^refused: ConfigMap meshward\/meshward-tenants key tenants\.yaml.*namespacez/);
    assert.deepEqual(source.current?.tenants.find((t) => t.name === 'shop')?.hosts, ['api.stripe.com'], 'the previous policy stays');
    objects.delete(cm, 'meshward', 'meshward-tenants');
    await source.check();
    assert.match(events.at(-1)!, /does not exist/);
    assert.ok(source.current, 'a deleted ConfigMap never leaves the webhook without a policy');
    await assert.rejects(readConfigMapPolicy(conn, { namespace: 'meshward', name: 'meshward-tenants' }, 10_000), /does not exist; create it/);
  } finally {
    source.close();
    conn.close();
  }
});
