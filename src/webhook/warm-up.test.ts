// The webhook's warm-up (warm-up.ts): which reviews it makes, that they leave the decider's figures and
// answers alone and never reach the reference decision, its bounds, and /readyz waiting for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { warmUp, warmUpReviews } from './warm-up.js';
import { FastDecider } from './decide-fast.js';
import { admissionKinds } from './admission-kinds.js';
import { defaultSettings } from '../config/settings.js';
import { toResource } from '../testing/decide-corpus.js';
import { admissionReview, startTestWebhook } from '../testing/webhook.js';
import { until } from '../testing/until.js';
import type { Resource } from '../model/resource.js';
import type { AdmissionRequest, DecisionState } from './types.js';
import { parseReview } from './review.js';
import { readiness } from './server.js';

/** A review as the server hands it to the decision (parsed and checked). */
const request = (...args: Parameters<typeof admissionReview>): AdmissionRequest => parseReview(JSON.stringify(admissionReview(...args)));

const JUDGED = new Set(admissionKinds().map((k) => `${k.group}/${k.kind}`));

const deployment = (ns: string, name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns, labels: { app: name } },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'example/app:1' }] } } },
});
const virtualService = (ns: string, name: string) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name, namespace: ns },
  spec: { hosts: [`${name}.${ns}.svc.cluster.local`], http: [{ route: [{ destination: { host: `${name}.${ns}.svc.cluster.local` } }] }] },
});

function cluster(): Resource[] {
  const objects = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pay', labels: { 'istio-injection': 'enabled' } } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' }, rules: [] },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'shop' }, data: { a: 'b' } },
    { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'istio-system' }, spec: { mtls: { mode: 'STRICT' } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'd1', namespace: 'pay' }, spec: { selector: { app: 'd1' }, ports: [{ name: 'http', port: 80 }] } },
    ...Array.from({ length: 6 }, (_, i) => deployment(i % 2 ? 'shop' : 'pay', `d${i}`)),
    ...Array.from({ length: 3 }, (_, i) => virtualService('shop', `v${i}`)),
  ];
  return objects.map((o, i) => ({ ...toResource(o), id: i }));
}

test('warm-up reviews: judged namespaced kinds outside the root namespace, kind after kind, UPDATE then CREATE under a new name', () => {
  const resources = cluster();
  const reviews = warmUpReviews(resources, JUDGED, 'istio-system', 1_000);
  // Twice the objects it may take (6 Deployments, 3 VirtualServices, 1 Service): never more.
  assert.equal(reviews.length, 20);
  const kinds = new Set(reviews.map((r) => r.kind.kind));
  assert.deepEqual([...kinds].sort(), ['Deployment', 'Service', 'VirtualService']);
  // No Namespace (cluster-scoped), ClusterRole, ConfigMap (not judged) nor root-namespace object.
  assert.ok(reviews.every((r) => r.namespace && r.namespace !== 'istio-system'));
  // Kinds interleave from the start: the first six reviews cover all three kinds.
  assert.equal(new Set(reviews.slice(0, 6).map((r) => r.kind.kind)).size, 3);
  const names = new Set(resources.map((r) => `${r.kind}/${r.namespace}/${r.name}`));
  for (let i = 0; i < reviews.length; i += 2) {
    const [update, create] = [reviews[i], reviews[i + 1]];
    assert.equal(update.operation, 'UPDATE');
    // The same object with a label added: an unchanged one is decided without running a rule.
    const [obj, oldObj] = [update.object, update.oldObject] as { metadata: { labels?: Record<string, string> } }[];
    assert.notEqual(obj, oldObj);
    assert.deepEqual({ ...obj, metadata: { ...obj.metadata, labels: undefined } }, { ...oldObj, metadata: { ...oldObj.metadata, labels: undefined } });
    assert.deepEqual(obj.metadata.labels, { ...oldObj.metadata.labels, 'meshward.io/warm-up': String(i) });
    assert.ok(names.has(`${update.kind.kind}/${update.namespace}/${update.name}`));
    assert.equal(create.operation, 'CREATE');
    assert.equal(create.oldObject, null);
    assert.ok(!names.has(`${create.kind.kind}/${create.namespace}/${create.name}`), `${create.name} is a new name`);
    assert.equal((create.object as { metadata: { name: string } }).metadata.name, create.name);
    assert.ok(update.dryRun && create.dryRun);
  }
  assert.equal(warmUpReviews(resources, JUDGED, 'istio-system', 5).length, 5);
  assert.deepEqual(warmUpReviews(resources, JUDGED, 'istio-system', 0), []);
  assert.deepEqual(warmUpReviews(resources, new Set(), 'istio-system', 100), []);
});

test('warm-up decisions are not counted, change no answer, and never run the reference', () => {
  const resources = cluster();
  const state: DecisionState = { version: 1, synced: true, resources: () => resources };
  const decider = new FastDecider({ tenantPolicy: null, settings: defaultSettings(), cluster: 'test' }, { staleness: 'wait' });
  decider.rebuild(state);
  const hijack = request('CREATE', { ...virtualService('shop', 'steal'), spec: { hosts: ['d1.pay.svc.cluster.local'], http: [{ route: [{ destination: { host: 'v0.shop.svc.cluster.local' } }] }] } });
  const before = JSON.stringify(decider.decide(hijack, state).introduced);
  assert.match(before, /HJK001/);
  const counted = decider.stats();
  for (const r of warmUpReviews(resources, JUDGED, decider.rootNamespace ?? '', 100)) assert.equal(decider.warm(r, state), true);
  // A new namespace goes to the reference (two full analyses): the warm-up skips it.
  const created = request('CREATE', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'brand-new' } });
  assert.equal(decider.warm(created, state), false);
  const after = decider.stats();
  assert.equal(after.reviews, counted.reviews);
  assert.equal(after.fast, counted.fast);
  assert.deepEqual(after.fallbacks, counted.fallbacks);
  assert.equal(JSON.stringify(decider.decide(hijack, state).introduced), before);
  assert.equal(decider.stats().reviews, counted.reviews + 1);
});

test('warmUp gives each kind its share of the time and stops when the server closes', async () => {
  const resources = cluster();
  const state: DecisionState = { version: 1, synced: true, resources: () => resources };
  const decider = new FastDecider({ tenantPolicy: null, settings: defaultSettings(), cluster: 'test' }, { staleness: 'wait' });
  decider.rebuild(state);
  const reviews = warmUpReviews(resources, JUDGED, 'istio-system', 100);
  // (heavyMs: no kind is cut short for being slow on a busy machine.)
  const done = await warmUp(decider, state, reviews, { heavyMs: Infinity });
  assert.equal(done.ended, 'done');
  assert.equal(done.decisions, reviews.length);
  assert.equal(done.kinds, 3);
  // Next to no time: each kind's share is used up by its first decision.
  const none = await warmUp(decider, state, reviews, { maxMs: 0.001, heavyMs: Infinity });
  assert.equal(none.decisions, 3);
  // Many reviews, closing after the first slice.
  const many = Array.from({ length: 200 }, () => reviews).flat();
  const stopped = await warmUp(decider, state, many, { stopped: () => true, heavyMs: Infinity });
  // A kind whose decisions average over heavyMs stops after HEAVY_AFTER (3) of them: 3 Deployment, 3
  // VirtualService and the Service's only 2 reviews.
  const heavy = await warmUp(decider, state, reviews, { heavyMs: 0 });
  assert.equal(heavy.decisions, 3 + 3 + 2);
  assert.equal(stopped.ended, 'stopped');
  assert.ok(stopped.decisions < many.length);
});

test('/readyz says "warming up" until the decision has warmed up, then ready; reviews are answered meanwhile', async () => {
  // What /readyz answers in each state (the server asks readiness() with its own state).
  assert.deepEqual(readiness({ synced: true, size: 7, draining: false, warming: true }), [503, "warming up: deciding reviews of its own before taking the API server's (7 objects cached)\n"]);
  assert.equal(readiness({ synced: false, size: 7, draining: false, warming: true })[1].startsWith('not synced'), true);
  assert.equal(readiness({ synced: true, size: 7, draining: true, warming: false })[0], 503);
  assert.deepEqual(readiness({ synced: true, size: 7, draining: false, warming: false }), [200, 'ready: 7 objects cached\n']);

  // Enough decisions that the warm-up takes many 20 ms slices whatever the machine's speed.
  const yaml = Array.from({ length: 3_000 }, (_, i) => JSON.stringify(deployment(`ns${i % 40}`, `d${i}`))).join('\n---\n');
  const w = await startTestWebhook({ cacheYaml: yaml, synced: false, warmUpDecisions: 6_000, warmUpHeavyMs: Infinity });
  try {
    assert.equal(w.server.warmingUp, true, 'warming up is pending until the cache has synced');
    w.cache.markSynced();
    // The warm-up's first slice runs as the cache syncs; after it, the event loop is given back.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(w.server.warmingUp, true, 'still warming up after its first slice');
    const early = await w.review(admissionReview('CREATE', deployment('ns1', 'early')));
    assert.equal(early.allowed, true);
    await until('the webhook ready', async () => (await w.request('GET', '/readyz')).status === 200, { timeoutMs: 30_000, everyMs: 20 });
    assert.equal(w.server.warmingUp, false);
    const warmed = w.logs().find((l) => l.event === 'warmed-up');
    assert.ok(warmed, 'a warmed-up log line');
    assert.ok(Number(warmed.decisions) > 100, JSON.stringify(warmed));
    // The warm-up's own reviews are neither logged as reviews nor counted in the metrics.
    assert.equal(w.logs().filter((l) => l.event === 'review').length, 1);
    const metrics = (await w.request('GET', '/metrics')).body;
    const counted = [...metrics.matchAll(/^meshward_webhook_request_duration_seconds_count\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    assert.equal(counted, 1);
  } finally {
    await w.close();
  }
});

test('--warm-up-decisions 0 (warmUpDecisions: 0): ready as soon as the cache has synced', async () => {
  const w = await startTestWebhook({ cacheYaml: JSON.stringify(deployment('shop', 'a')), synced: false, warmUpDecisions: 0 });
  try {
    w.cache.markSynced();
    assert.equal((await w.request('GET', '/readyz')).status, 200);
    assert.ok(!w.logs().some((l) => l.event === 'warmed-up'));
  } finally {
    await w.close();
  }
});
